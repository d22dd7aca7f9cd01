//! CNT-003 联合体成员另行投标 — a consortium member bids again in the same project.
//!
//! 《招标投标法实施条例》第三十七条第三款: a member of a consortium that also bids in its own name, or
//! in another consortium, in the same project makes every bid concerned invalid (政府采购法实施条例
//! 第二十二条第二款 says the same for procurement). A consortium is the bids of one project that share a
//! `consortium_id`; a bidder that appears under it and also under no consortium or another one in
//! that project is reported, once per bidder and project, with every bid concerned as evidence.

use std::collections::BTreeMap;

use bidwatch_ingest::TableName;
use bidwatch_model::{Finding, RuleCode, Severity, Subject, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};

#[derive(Debug)]
pub struct ConsortiumMemberAlone;

impl Rule for ConsortiumMemberAlone {
    fn code(&self) -> RuleCode {
        code("CNT-003")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &["consortium_id"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        &[]
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let mut out = RuleOutput::default();
        for (k, bids) in ctx.views.bids.iter().enumerate() {
            if !bids.iter().any(|b| b.in_consortium()) {
                continue;
            }
            // bidder → the bid units (own name or consortium) it bid under, with the bids
            let mut units: BTreeMap<&str, BTreeMap<Option<&str>, Vec<&crate::rules::Bid>>> = BTreeMap::new();
            for b in bids.iter().filter(|b| !b.withdrawn()) {
                units.entry(b.bidder).or_default().entry(ctx.views.consortium(b)).or_default().push(b);
            }
            let pid = ctx.views.projects.id[k].as_str();
            for (bidder, under) in units {
                if under.len() < 2 || !under.keys().any(Option::is_some) {
                    continue;
                }
                let label = crate::rules::col::label_of(ctx, bidder);
                let names = |zh: bool| {
                    under
                        .keys()
                        .map(|c| match (c, zh) {
                            (Some(c), true) => format!("作为联合体 {c} 成员投标"),
                            (Some(c), false) => format!("as a member of consortium {c}"),
                            (None, true) => "以自己名义投标".to_owned(),
                            (None, false) => "in its own name".to_owned(),
                        })
                        .collect::<Vec<_>>()
                };
                let message = Text::new(
                    format!("项目 {pid}：{label} 既{}，相关投标均无效", names(true).join("，又")),
                    format!("project {pid}: {label} bid {}; every bid concerned is invalid", names(false).join(" and ")),
                );
                let mut members: Vec<String> = vec![bidder.to_owned()];
                for c in under.keys().flatten() {
                    members.extend(bids.iter().filter(|b| ctx.views.consortium(b) == Some(*c)).map(|b| b.bidder.to_string()));
                }
                let mut f = Finding::new(self.code(), Severity::Violation, Subject::bidder(bidder), message)
                    .in_project(pid)
                    .with_members(members)
                    .with_threshold("bid_units", under.len() as u64);
                let mut concerned: Vec<_> = under.values().flatten().collect();
                concerned.sort_by_key(|b| b.row);
                for b in concerned {
                    f = f.with_evidence(b.evidence());
                }
                out.push(f);
            }
        }
        out
    }
}
