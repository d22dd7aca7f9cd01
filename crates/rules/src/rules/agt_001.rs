//! AGT-001 代理机构参与所代理项目投标 — the tendering agent, a firm it owns or one of its staff inside a
//! bid of a project it runs.
//!
//! 《招标投标法实施条例》第六十五条: an agent may not bid, bid for another, or advise a bidder in a
//! project it represents; 《政府采购法实施条例》第十四条 for procurement. For each project with an
//! `agent_id`: the agent is a bidder; or a bidder holds shares in the agent or the agent in the
//! bidder (`shareholders`); or a person in the bid (`bid_personnel`, the authorised representative)
//! had social insurance paid by the agent within `months` (3) of the opening (`employment`).
//! Violation, one finding per (project, bidder), deducting `points` (10) from the agent.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bidwatch_ingest::{frame, TableName};
use bidwatch_model::text::mask;
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, SubjectKind, Text};
use itertools::izip;

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};

#[derive(Debug)]
pub struct AgentInsideBid;

const THRESHOLDS: &[Threshold] = &[
    Threshold {
        key: "months", default: "3", zh: "开标前后社保缴纳的月数", en: "months of social insurance either side of the opening"
    },
    Threshold { key: "points", default: "10", zh: "代理机构扣分", en: "points deducted from the agent" },
];

/// (project, bidder) → the persons in the bid, with the table and row naming them.
/// (project, bidder) → persons in the bid, with the table and row naming them; text borrowed from the frames.
type Persons<'a> = BTreeMap<(u32, &'a str), Vec<(&'a str, &'static str, u64)>>;

/// What ties a bid to the agent.
struct Tie {
    zh: String,
    en: String,
    evidence: Evidence,
}

impl Rule for AgentInsideBid {
    fn code(&self) -> RuleCode {
        code("AGT-001")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Projects, &["agent_id"])]
    }

    /// A long pass: every shareholding, staff row and insured month of the agents.
    fn long(&self) -> bool {
        true
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let c = self.code();
        let months = ctx.policy.f64(c, "months", 3.0) as i64;
        let points = ctx.policy.f64(c, "points", 10.0);
        let ds = ctx.ds;
        let agent_of = &ctx.views.agents;
        // shareholdings both ways: (org, org) → row
        let mut holds: HashMap<(&str, &str), u64, foldhash::fast::FixedState> = HashMap::default();
        if let Some(sh) = ds.frame(TableName::Shareholders) {
            for ((b, h), r) in frame::str_refs(sh, "bidder_id").into_iter().zip(frame::str_refs(sh, "holder_id")).zip(frame::rows(sh)) {
                if let (Some(b), Some(h)) = (b, h) {
                    holds.insert((b, h), r);
                    holds.insert((h, b), r);
                }
            }
        }
        // (person, agent) → months paid (days of the month's first day) with rows: only the agents'
        // staff, a small part of the employment table.
        // The large tables are read a cell at a time, by key: a row is judged by its ids' keys (an
        // agent's? one of its staff?) and only a row that is kept has its ids read as text (tens of
        // millions of employment, personnel and bid rows each read two ids as text and hashed them:
        // 5 s at 10M bids).
        let mut is_agent = vec![false; ds.orgs.len()];
        for k in agent_of.values().filter_map(|a| ds.orgs.get(a)) {
            is_agent[k as usize] = true;
        }
        let mut is_staff = vec![false; ds.persons.len()];
        let mut paid: BTreeMap<(&str, &str), Vec<(i64, u64)>> = BTreeMap::new();
        if let Some(em) = ds.frame(TableName::Employment) {
            let cells = izip!(
                frame::key_iter(em, "person_id"),
                frame::key_iter(em, "employer_id"),
                frame::i64_iter(em, "month"),
                frame::row_iter(em)
            );
            for (p, e, m, row) in cells {
                let (Some(p), Some(e), Some(m)) = (p, e, m) else { continue };
                if !is_agent.get(e as usize).copied().unwrap_or(false) {
                    continue;
                }
                if let (Some(person), Some(employer)) = (ds.persons.resolve(p), ds.orgs.resolve(e)) {
                    paid.entry((person, employer)).or_default().push((m, row));
                    is_staff[p as usize] = true;
                }
            }
        }
        // (project, bidder) → persons in the bid, with the table and row naming them
        let mut persons: Persons = BTreeMap::new();
        let named = [(TableName::BidPersonnel, "bid_personnel", "person_id"), (TableName::Bids, "bids", "authorized_rep_id")];
        // no agent insured anyone: no bid can name one of their staff (24 M rows passed over at
        // 10M bids)
        for (table, name, person) in named.into_iter().filter(|_| !paid.is_empty()) {
            let Some(df) = ds.frame(table) else { continue };
            let cells = izip!(
                frame::key_iter(df, "project_id"),
                frame::key_iter(df, "bidder_id"),
                frame::key_iter(df, person),
                frame::row_iter(df)
            );
            for (k, b, p, row) in cells {
                // only the people an agent insured can tie a bid to it
                let (Some(k), Some(b), Some(p)) = (k, b, p) else { continue };
                if !is_staff.get(p as usize).copied().unwrap_or(false) {
                    continue;
                }
                if let (Some(b), Some(p)) = (ds.orgs.resolve(b), ds.persons.resolve(p)) {
                    persons.entry((k, b)).or_default().push((p, name, row));
                }
            }
        }
        // The orgs in a shareholding at all: a project whose agent is in none, none of whose bids
        // names one of the agents' staff and which the agent does not bid on has nothing to tie,
        // and is passed before its bidders are gathered (most of the projects of a county).
        let in_holdings: std::collections::HashSet<&str, foldhash::fast::FixedState> = holds.keys().map(|&(a, _)| a).collect();
        let mut out = RuleOutput::default();
        // the projects that name an agent, in project order; a bidder told from the agent by key
        for (&k, agent) in agent_of {
            let Some(bids) = ctx.views.bids.get(k) else { continue };
            let staff_inside = persons.range((k as u32, "")..).next().is_some_and(|(&(pk, _), _)| pk == k as u32);
            let agent_bids = || ds.orgs.get(agent).is_some_and(|a| bids.iter().any(|b| b.bidder_key == a));
            if !staff_inside && !in_holdings.contains(agent.as_str()) && !agent_bids() {
                continue;
            }
            // days since 1970-01-01, as `employment.month` is stored
            let opened = ctx.views.projects.opened_at[k].map(|ms| ms.div_euclid(86_400_000));
            let pid = ctx.views.projects.id[k].as_str();
            let bidders: BTreeSet<&str> = bids.iter().map(|b| b.bidder).collect();
            for b in bidders {
                let mut ties: Vec<Tie> = Vec::new();
                if b == agent {
                    let bid = bids.iter().find(|x| x.bidder == b).map(|x| x.evidence());
                    if let Some(e) = bid {
                        ties.push(Tie { zh: "代理机构本身投标".into(), en: "the agent itself bids".into(), evidence: e });
                    }
                }
                if let Some(r) = holds.get(&(b, agent.as_str())) {
                    ties.push(Tie {
                        zh: "投标人与代理机构存在持股关系".into(),
                        en: "the bidder and the agent hold shares in each other".into(),
                        evidence: Evidence::new("shareholders", *r).with("bidder_id", b).with("holder_id", agent.as_str()),
                    });
                }
                for (p, table, row) in persons.get(&(k as u32, b)).into_iter().flatten() {
                    let Some(list) = paid.get(&(*p, agent.as_str())) else { continue };
                    // a paid month within `months` of the opening (30.44 days a month; the month's
                    // first day is stored, so one month more covers the rest of it)
                    let near = list.iter().find(|(m, _)| opened.is_none_or(|o| ((o - m).abs() as f64 / 30.44) <= months as f64 + 1.0));
                    let Some((_, erow)) = near else { continue };
                    let role =
                        if *table == "bids" { ("授权委托人", "authorised representative") } else { ("投标人员", "staff member") };
                    ties.push(Tie {
                        zh: format!("{} {} 的社保由代理机构缴纳", role.0, mask(p)),
                        en: format!("the {} {} had social insurance paid by the agent", role.1, mask(p)),
                        evidence: Evidence::new("employment", *erow).with("person_id", *p).with("employer_id", agent.as_str()),
                    });
                    ties.push(Tie {
                        zh: String::new(),
                        en: String::new(),
                        evidence: Evidence::new(*table, *row).with("bidder_id", b).with("person_id", *p),
                    });
                }
                if ties.is_empty() {
                    continue;
                }
                let who = crate::rules::col::label_of(ctx, b);
                let reasons = |zh: bool| {
                    ties.iter().map(|t| if zh { t.zh.as_str() } else { t.en.as_str() }).filter(|s| !s.is_empty()).collect::<Vec<_>>()
                };
                let message = Text::new(
                    format!("项目 {pid} 的代理机构 {agent} 参与投标人 {who} 的投标：{}", reasons(true).join("；")),
                    format!("project {pid}: the agent {agent} is inside the bid of {who}: {}", reasons(false).join("; ")),
                );
                let mut f = Finding::new(c, Severity::Violation, Subject::new(SubjectKind::Agent, agent.as_str()), message)
                    .in_project(pid)
                    .with_points(points)
                    .with_members(vec![b.to_owned()]);
                for t in ties {
                    f = f.with_evidence(t.evidence);
                }
                out.push(f);
            }
        }
        out
    }
}
