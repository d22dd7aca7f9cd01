//! GRF-002 跨项目陪标 / 轮流中标 — cover bidding and bid rotation across projects.
//!
//! 《招标投标法实施条例》第三十九条第（二）（三）项 (约定中标人; 约定部分投标人放弃投标或者中标);
//! 《政府采购法实施条例》第七十四条第（五）（六）项. Two patterns, both signals:
//! (a) a pair that met in at least `min_meetings` projects, where one won at least
//!     `min_win_share` of them and the other never won: the loser covers for the winner;
//! (b) a ring (GRF-001) whose members won at least `rotation_min_ring_share` of the projects
//!     where two or more of them bid, with the wins spread over several members (Gini of the
//!     members' wins at most `rotation_max_gini`): they take turns.

use std::collections::{BTreeMap, BTreeSet};

use bidwatch_ingest::TableName;
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, SubjectKind, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::{col, grf_001};

#[derive(Debug)]
pub struct CoverAndRotation;

const THRESHOLDS: &[Threshold] = &[
    Threshold { key: "min_meetings", default: "5", zh: "两家共同投标的最少项目数", en: "fewest projects two bidders met in" },
    Threshold {
        key: "min_win_share", default: "0.6", zh: "其中一家至少赢得的比例", en: "share of those the winner took at least"
    },
    Threshold {
        key: "cover_weight",
        default: "0.3",
        zh: "陪标关系计入团伙关联的权重",
        en: "weight cover bidding adds to the link between the two",
    },
    Threshold {
        key: "rotation_min_ring_share",
        default: "0.6",
        zh: "团伙成员赢得其共同投标项目的最低比例",
        en: "share of the ring's projects its members won, at least",
    },
    Threshold {
        key: "rotation_max_gini",
        default: "0.35",
        zh: "成员中标次数基尼系数上限（越小越平均）",
        en: "largest Gini of the members' wins (smaller = more even)",
    },
];

impl Rule for CoverAndRotation {
    fn code(&self) -> RuleCode {
        code("GRF-002")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &[])]
    }

    fn requires_any(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &["is_winner", "rank"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let mut out = RuleOutput::default();
        let g = ctx.graph;
        for c in &g.covers {
            let (w, l) = (col::bidder_label(ctx, c.winner), col::bidder_label(ctx, c.loser));
            let projects: Vec<String> = c.projects.iter().map(|p| ctx.views.projects.id[*p as usize].clone()).collect();
            let message = Text::new(
                format!("{l} 与 {w} 共同投标 {} 次，{w} 中标 {} 次，{l} 从未中标：疑似陪标", c.meetings, c.wins),
                format!("{l} met {w} in {} projects; {w} won {} of them and {l} never won: suspected cover bidding", c.meetings, c.wins),
            );
            let mut f = Finding::new(self.code(), Severity::Signal, Subject::bidder(col::bidder_id(ctx, c.loser)), message)
                .with_members(vec![col::bidder_id(ctx, c.winner), col::bidder_id(ctx, c.loser)])
                .with_projects(projects)
                .with_score(f64::from(c.wins) / f64::from(c.meetings.max(1)))
                .with_threshold("min_meetings", f64::from(ctx.graph_cfg.cover_min_meetings))
                .with_threshold("min_win_share", ctx.graph_cfg.cover_min_win_share)
                .with_threshold("meetings", u64::from(c.meetings))
                .with_threshold("wins", u64::from(c.wins));
            // The winning bids as evidence.
            let (winner_id, loser_id) = (col::bidder_id(ctx, c.winner), col::bidder_id(ctx, c.loser));
            for p in &c.projects {
                for b in ctx.views.bids[*p as usize].iter().filter(|b| b.bidder == winner_id && b.winner || b.bidder == loser_id) {
                    f = f.with_evidence(bid_evidence(ctx, b));
                }
            }
            out.push(f);
        }
        out.extend(rotation(ctx, self.code()));
        out
    }
}

pub(crate) fn bid_evidence(ctx: &Context<'_>, b: &crate::rules::Bid) -> Evidence {
    b.evidence().with("project_id", ctx.views.projects.id[b.project()].as_str()).with("is_winner", b.winner)
}

/// Gini coefficient of non-negative counts (0 = all equal).
pub(crate) fn gini(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let sum: f64 = x.iter().sum();
    if x.is_empty() || sum <= 0.0 {
        return 0.0;
    }
    let mut diff = 0.0;
    for a in x {
        for b in x {
            diff += (a - b).abs();
        }
    }
    diff / (2.0 * n * sum)
}

fn rotation(ctx: &Context<'_>, rule: RuleCode) -> Vec<Finding> {
    let g = ctx.graph;
    let min_share = ctx.policy.f64(rule, "rotation_min_ring_share", 0.6);
    let max_gini = ctx.policy.f64(rule, "rotation_max_gini", 0.35);
    let min_meetings = ctx.graph_cfg.cover_min_meetings as usize;
    let ring_of = grf_001::ring_of(ctx);
    let mut out = Vec::new();
    for (r, ring) in g.rings.iter().enumerate() {
        if ring.projects.len() < min_meetings {
            continue;
        }
        let mut wins: BTreeMap<&str, u32> = BTreeMap::new();
        let mut present: BTreeSet<&str> = BTreeSet::new();
        let mut won_projects = 0usize;
        let mut evidence = Vec::new();
        for p in &ring.projects {
            let mut won = false;
            for b in &ctx.views.bids[*p as usize] {
                if ring_of.get(b.bidder) != Some(&r) {
                    continue;
                }
                present.insert(b.bidder);
                if b.winner {
                    *wins.entry(b.bidder).or_default() += 1;
                    won = true;
                    evidence.push(bid_evidence(ctx, b));
                }
            }
            won_projects += usize::from(won);
        }
        let share = won_projects as f64 / ring.projects.len() as f64;
        let counts: Vec<f64> = present.iter().map(|m| f64::from(wins.get(m).copied().unwrap_or(0))).collect();
        let gi = gini(&counts);
        if share < min_share || wins.len() < 2 || gi > max_gini {
            continue;
        }
        let list = wins.iter().map(|(m, n)| format!("{m}×{n}")).collect::<Vec<_>>();
        let id = grf_001::ring_id(ctx, ring);
        let message = Text::new(
            format!(
                "团伙 {id} 在其成员共同投标的 {} 个项目中赢得 {won_projects} 个（{:.0}%），由 {} 家成员轮流中标（基尼系数 {gi:.2}）：{}",
                ring.projects.len(),
                share * 100.0,
                wins.len(),
                list.join("、")
            ),
            format!(
                "ring {id} won {won_projects} of the {} projects its members bid on together ({:.0}%), the wins taken in turn by {} members (Gini {gi:.2}): {}",
                ring.projects.len(),
                share * 100.0,
                wins.len(),
                list.join(", ")
            ),
        );
        let mut f = Finding::new(rule, Severity::Signal, Subject::new(SubjectKind::Ring, id), message)
            .with_members(ring.members.iter().map(|m| col::bidder_id(ctx, *m)).collect())
            .with_projects(ring.projects.iter().map(|p| ctx.views.projects.id[*p as usize].clone()).collect())
            .with_score(share * (1.0 - gi))
            .with_threshold("ring_win_share", (share * 1e4).round() / 1e4)
            .with_threshold("gini", (gi * 1e4).round() / 1e4)
            .with_threshold("rotation_min_ring_share", min_share)
            .with_threshold("rotation_max_gini", max_gini);
        for e in evidence {
            f = f.with_evidence(e);
        }
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::gini;

    #[test]
    fn gini_of_equal_counts_is_zero_and_of_one_winner_is_high() {
        assert_eq!(gini(&[2.0, 2.0, 2.0]), 0.0);
        assert!((gini(&[0.0, 0.0, 0.0, 4.0]) - 0.75).abs() < 1e-12);
        assert_eq!(gini(&[]), 0.0);
    }
}
