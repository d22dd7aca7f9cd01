//! GRF-004 联动弃标/撤标 — coordinated withdrawal inside a ring.
//!
//! 《招标投标法实施条例》第三十九条第（三）项 (约定部分投标人放弃投标或者中标); 《政府采购法实施条例》
//! 第七十四条第（六）项. In one project: at least `min_withdrawn` members of one ring (GRF-001)
//! withdrew, or the first-ranked bid was withdrawn and the winner is another member of the same
//! ring (the first candidate steps aside for a partner).

use std::collections::BTreeSet;

use bidwatch_ingest::TableName;
use bidwatch_model::{Finding, RuleCode, Severity, Subject, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::grf_001;
use crate::rules::grf_002::bid_evidence;

#[derive(Debug)]
pub struct CoordinatedWithdrawal;

const THRESHOLDS: &[Threshold] = &[Threshold {
    key: "min_withdrawn",
    default: "2",
    zh: "同一团伙在一个项目中撤回投标的最少家数",
    en: "fewest members of one ring withdrawing in one project",
}];

impl Rule for CoordinatedWithdrawal {
    fn code(&self) -> RuleCode {
        code("GRF-004")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &["status"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let min = ctx.policy.f64(self.code(), "min_withdrawn", 2.0).max(1.0) as usize;
        let g = ctx.graph;
        let ring_of = grf_001::ring_of(ctx);
        let mut out = RuleOutput::default();
        for (p, bids) in ctx.views.bids.iter().enumerate() {
            let mut by_ring: std::collections::BTreeMap<usize, Vec<&crate::rules::Bid>> = std::collections::BTreeMap::new();
            for b in bids {
                if let Some(r) = ring_of.get(b.bidder) {
                    by_ring.entry(*r).or_default().push(b);
                }
            }
            for (r, mine) in by_ring {
                let ring = &g.rings[r];
                if mine.len() < 2 {
                    continue;
                }
                let withdrawn: BTreeSet<&str> = mine.iter().filter(|b| b.withdrawn()).map(|b| b.bidder).collect();
                let first_stepped_aside =
                    mine.iter().any(|b| b.withdrawn() && b.rank() == Some(1)) && mine.iter().any(|b| b.winner && !b.withdrawn());
                if withdrawn.len() < min && !first_stepped_aside {
                    continue;
                }
                let pid = &ctx.views.projects.id[p];
                let id = grf_001::ring_id(ctx, ring);
                let list = withdrawn.iter().copied().collect::<Vec<_>>();
                let (zh, en) = if first_stepped_aside {
                    (
                        "排名第一的成员撤回，由同一团伙的另一成员中标",
                        "the first-ranked member withdrew and another member of the same ring won",
                    )
                } else {
                    ("同一团伙的多家成员撤回投标", "several members of one ring withdrew")
                };
                let message = Text::new(
                    format!("项目 {pid}：团伙 {id} 中{zh}（撤回：{}）", list.join("、")),
                    format!("project {pid}: in ring {id}, {en} (withdrawn: {})", list.join(", ")),
                );
                let mut f = Finding::new(self.code(), Severity::Signal, Subject::project(pid.as_str()), message)
                    .in_project(pid.as_str())
                    .with_members(mine.iter().map(|b| b.bidder.to_string()).collect())
                    .with_threshold("min_withdrawn", min as u64)
                    .with_threshold("withdrawn", list.len() as u64)
                    .with_threshold("ring", id.as_str());
                for b in mine {
                    f = f.with_evidence(bid_evidence(ctx, b));
                }
                out.push(f);
            }
        }
        out
    }
}
