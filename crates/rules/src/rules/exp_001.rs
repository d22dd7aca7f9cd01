//! EXP-001 应回避而未回避 — an expert who sat on a committee although the expert's employer is a
//! bidder, owns one or is owned by one.
//!
//! 《招标投标法实施条例》第四十六条第三款 and 第七十一条第（一）项; 《政府采购法实施条例》第七十五条.
//! For each `expert_assignments` row not marked `recused`: the expert's `employer_id` (`experts`)
//! is a bidder of the project, or a shareholder of one, or has one as a shareholder (`shareholders`,
//! any share: a stake is an interest). Deducts `points` (20, the provinces' 不主动申请回避 tier).
//! Not covered: former employers (the contract keeps only the current one) and close relatives.

use std::collections::HashMap;

use bidwatch_ingest::{frame, TableName};
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, SubjectKind, Text};
use itertools::izip;

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};

#[derive(Debug)]
pub struct NoRecusal;

const THRESHOLDS: &[Threshold] = &[Threshold { key: "points", default: "20", zh: "每次扣分", en: "points per committee" }];

impl Rule for NoRecusal {
    fn code(&self) -> RuleCode {
        code("EXP-001")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::ExpertAssignments, &[]), (TableName::Experts, &["employer_id"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let names = crate::rules::expert::Names::load(ctx);
        let c = self.code();
        let points = ctx.policy.f64(c, "points", 20.0);
        let mut out = RuleOutput::default();
        let (Some(ex), Some(asg)) = (ctx.ds.frame(TableName::Experts), ctx.ds.frame(TableName::ExpertAssignments)) else { return out };
        let employer: HashMap<String, (String, u64), foldhash::fast::FixedState> = frame::strs(ex, "expert_id")
            .into_iter()
            .zip(frame::strs(ex, "employer_id"))
            .zip(frame::rows(ex))
            .filter_map(|((e, w), r)| Some((e?, (w?, r))))
            .collect();
        // organisation → the organisations it holds or is held by, with the shareholders row, in
        // row order (the ids borrowed from the table and hashed: twice a shareholding, millions)
        let mut ties: HashMap<&str, Vec<(&str, &'static str, u64)>, foldhash::fast::FixedState> = HashMap::default();
        if let Some(sh) = ctx.ds.frame(TableName::Shareholders) {
            let rows = frame::rows(sh);
            let cells = frame::str_refs(sh, "bidder_id").into_iter().zip(frame::str_refs(sh, "holder_id")).zip(rows);
            for ((b, h), row) in cells {
                if let (Some(b), Some(h)) = (b, h) {
                    ties.entry(h).or_default().push((b, "holds", row));
                    ties.entry(b).or_default().push((h, "held_by", row));
                }
            }
        }
        let cells = izip!(
            frame::key_iter(asg, "project_id"),
            frame::str_iter(asg, "expert_id"),
            frame::str_iter(asg, "status"),
            frame::row_iter(asg)
        );
        for (k, expert, status, row) in cells {
            let (Some(k), Some(id)) = (k, expert) else { continue };
            if status == Some("recused") {
                continue;
            }
            let Some((w, wrow)) = employer.get(id) else { continue };
            // a tender's bidders are a dozen: looked through, not gathered into a set for each of
            // millions of assignments
            let bids = &ctx.views.bids[k as usize];
            let bids_here = |org: &str| bids.iter().any(|b| b.bidder == org);
            let mut found: Vec<(String, &'static str, Option<u64>)> = Vec::new();
            if bids_here(w) {
                found.push((w.clone(), "employer", None));
            }
            for (o, how, row) in ties.get(w.as_str()).into_iter().flatten() {
                if bids_here(o) {
                    found.push(((*o).to_owned(), how, Some(*row)));
                }
            }
            if found.is_empty() {
                continue;
            }
            let pid = ctx.views.projects.id[k as usize].as_str();
            let who = names.label(id);
            let tie = |(b, how, _): &(String, &str, Option<u64>), zh: bool| {
                let name = crate::rules::col::label_of(ctx, b);
                match (*how, zh) {
                    ("employer", true) => format!("工作单位即投标人 {name}"),
                    ("holds", true) => format!("工作单位持有投标人 {name} 的股份"),
                    (_, true) => format!("工作单位由投标人 {name} 持股"),
                    ("employer", false) => format!("works for the bidder {name}"),
                    ("holds", false) => format!("works for a shareholder of the bidder {name}"),
                    (_, false) => format!("works for a firm the bidder {name} holds shares in"),
                }
            };
            let message = Text::new(
                format!("评标专家 {who} 参加项目 {pid} 评标未回避：{}", found.iter().map(|t| tie(t, true)).collect::<Vec<_>>().join("；")),
                format!(
                    "expert {who} sat on the committee of project {pid} without recusing: {}",
                    found.iter().map(|t| tie(t, false)).collect::<Vec<_>>().join("; ")
                ),
            );
            let mut f = Finding::new(c, Severity::Violation, Subject::new(SubjectKind::Expert, id), message)
                .in_project(pid)
                .with_points(points)
                .with_members(found.iter().map(|t| t.0.clone()).collect())
                .with_evidence(Evidence::new("expert_assignments", row).with("expert_id", id).with("status", status))
                .with_evidence(Evidence::new("experts", *wrow).with("expert_id", id).with("employer_id", w.as_str()));
            for (b, how, row) in &found {
                if let Some(r) = row {
                    let (bidder, holder) = if *how == "holds" { (b, w) } else { (w, b) };
                    f = f.with_evidence(
                        Evidence::new("shareholders", *r).with("bidder_id", bidder.as_str()).with("holder_id", holder.as_str()),
                    );
                }
                if let Some(bid) = bids.iter().find(|x| x.bidder == b) {
                    f = f.with_evidence(bid.evidence());
                }
            }
            out.push(f);
        }
        out
    }
}
