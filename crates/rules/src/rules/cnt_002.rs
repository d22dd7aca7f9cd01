//! CNT-002 获取文件多、有效投标少 — a single valid bid after review.
//!
//! A screen, not a statute: when at least `min_submitted` bidders (not withdrawn, a consortium once)
//! bid and review left exactly one valid bid, the competition was removed at evaluation — by
//! covers who made their bids fail on purpose, or by a committee that struck the rivals. The
//! catalog's download half (many downloads, few bids) needs download records, which the input
//! contract does not have; that half is not evaluated and the rule says so in its documentation.

use std::collections::BTreeSet;

use bidwatch_ingest::TableName;
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};

#[derive(Debug)]
pub struct SingleValidBid;

const THRESHOLDS: &[Threshold] = &[Threshold {
    key: "min_submitted",
    default: "3",
    zh: "递交投标的最少家数（少于此数见 CNT-001）",
    en: "fewest bidders who bid (fewer: see CNT-001)",
}];

impl Rule for SingleValidBid {
    fn code(&self) -> RuleCode {
        code("CNT-002")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &["price", "status"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let min = ctx.policy.f64(self.code(), "min_submitted", 3.0).max(2.0) as usize;
        let mut out = RuleOutput::default();
        for (k, bids) in ctx.views.bids.iter().enumerate() {
            let standing: Vec<_> = bids.iter().filter(|b| !b.withdrawn()).collect();
            // One valid bidder left is rare: a tender with two is passed over after a few bids,
            // before anything is collected.
            let mut valid = standing.iter().filter(|b| b.status() == Some("valid")).map(|b| ctx.views.unit(b));
            let Some(winner) = valid.next() else { continue };
            if valid.any(|u| u != winner) {
                continue;
            }
            // a bid without a status has not been reviewed: nothing to say
            if standing.iter().any(|b| b.status().is_none()) {
                continue;
            }
            let submitted: BTreeSet<&str> = standing.iter().map(|b| ctx.views.unit(b)).collect();
            if submitted.len() < min {
                continue;
            }
            let pid = ctx.views.projects.id[k].as_str();
            let label = crate::rules::col::label_of(ctx, winner);
            let message = Text::new(
                format!(
                    "项目 {pid}：{} 家投标人递交投标，评审后只有 {label} 一家有效，其余 {} 家被否决",
                    submitted.len(),
                    submitted.len() - 1
                ),
                format!(
                    "project {pid}: {} bidders bid and review left one valid bid, {label}'s; the other {} were rejected",
                    submitted.len(),
                    submitted.len() - 1
                ),
            );
            let mut f = Finding::new(self.code(), Severity::Signal, Subject::project(pid), message)
                .in_project(pid)
                .with_members(submitted.iter().map(|u| (*u).to_owned()).collect())
                .with_threshold("min_submitted", min as u64)
                .with_threshold("submitted", submitted.len() as u64)
                .with_threshold("valid", 1_u64)
                .with_evidence(Evidence::new("projects", ctx.views.projects.row[k]).with("project_id", pid));
            for b in standing {
                f = f.with_evidence(b.evidence());
            }
            out.push(f);
        }
        out
    }
}
