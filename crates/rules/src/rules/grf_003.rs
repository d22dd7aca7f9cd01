//! GRF-003 陪标专业户 — perennial losers: many valid bids, (almost) never a win.
//!
//! No article names it; it is a screen (the quartile-fence method of OCP Cardinal's R025). Over
//! every bidder with at least one valid bid: flagged when its valid bids are at least
//! Q3 + `fence_iqr`·IQR of all bidders' counts (and at least `min_bids`), and its win ratio is at
//! most Q1 − `fence_iqr`·IQR of all win ratios. Where that lower fence is below zero (most bidders
//! never win), only bidders that never won are flagged.

use std::collections::BTreeMap;

use bidwatch_ingest::TableName;
use bidwatch_model::{Finding, RuleCode, Severity, Subject, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::grf_002::bid_evidence;

#[derive(Debug)]
pub struct PerennialLosers;

const THRESHOLDS: &[Threshold] = &[
    Threshold {
        key: "fence_iqr",
        default: "1.5",
        zh: "四分位距的倍数（Tukey 围栏）",
        en: "multiple of the interquartile range (Tukey fence)",
    },
    Threshold { key: "min_bids", default: "5", zh: "被标记所需的最少有效投标数", en: "fewest valid bids to be flagged" },
];

/// A bid that counts: valid, or of no stated status.
fn valid(b: &crate::rules::Bid) -> bool {
    b.status().is_none_or(|s| s == "valid")
}

/// The q-quantile of sorted values, linear between order statistics.
pub(crate) fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

impl Rule for PerennialLosers {
    fn code(&self) -> RuleCode {
        code("GRF-003")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &[])]
    }

    fn requires_any(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &["is_winner", "rank"])]
    }

    /// A long pass: every bid, tallied per bidder.
    fn long(&self) -> bool {
        true
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let k = ctx.policy.f64(self.code(), "fence_iqr", 1.5);
        let min_bids = ctx.policy.f64(self.code(), "min_bids", 5.0);
        // Valid bids and wins per bidder (one count per project), by bidder key: 10 M bids over
        // 680,000 bidders made an ordered map of ids the rule's cost, and then a hashed one.
        let mut by_key: Vec<(u32, u32)> = vec![(0, 0); ctx.ds.orgs.len()];
        // A project's valid bids by bidder, in one vector reused project after project (a tree
        // per project allocated a node per bidder: 911,577 projects at 10M bids).
        let mut seen: Vec<(u32, bool)> = Vec::new();
        for bids in &ctx.views.bids {
            seen.clear();
            seen.extend(bids.iter().filter(|b| valid(b)).map(|b| (b.bidder_key, b.winner)));
            seen.sort_unstable_by_key(|x| x.0);
            for bids_of_one in seen.chunk_by(|x, y| x.0 == y.0) {
                // a bid's key is one of the space's
                let Some(t) = by_key.get_mut(bids_of_one[0].0 as usize) else { continue };
                t.0 += 1;
                t.1 += u32::from(bids_of_one.iter().any(|&(_, won)| won));
            }
        }
        // each bidder that bid, by its id (the id a bid carries is its key's)
        let tally: Vec<(&str, (u32, u32))> =
            (0u32..).zip(by_key).filter(|(_, t)| t.0 > 0).filter_map(|(key, t)| Some((ctx.ds.orgs.resolve(key)?, t))).collect();
        let mut out = RuleOutput::default();
        if tally.len() < 4 {
            return out;
        }
        let mut counts: Vec<f64> = tally.iter().map(|(_, t)| f64::from(t.0)).collect();
        let mut ratios: Vec<f64> = tally.iter().map(|(_, t)| f64::from(t.1) / f64::from(t.0)).collect();
        counts.sort_by(f64::total_cmp);
        ratios.sort_by(f64::total_cmp);
        let (q1c, q3c) = (quantile(&counts, 0.25), quantile(&counts, 0.75));
        let (q1r, q3r) = (quantile(&ratios, 0.25), quantile(&ratios, 0.75));
        let count_fence = (q3c + k * (q3c - q1c)).max(min_bids);
        let ratio_fence = (q1r - k * (q3r - q1r)).max(0.0);
        let flagged: BTreeMap<&str, (u32, u32)> = tally
            .into_iter()
            .filter(|(_, (n, wins))| f64::from(*n) >= count_fence && f64::from(*wins) / f64::from(*n) <= ratio_fence)
            .collect();
        let mut is_flagged = vec![false; ctx.ds.orgs.len()];
        for key in flagged.keys().filter_map(|b| ctx.ds.orgs.get(b)) {
            is_flagged[key as usize] = true;
        }
        // The valid bids of the flagged bidders, in project order: one pass over the bids.
        let mut bids_of: BTreeMap<&str, Vec<&crate::rules::Bid>> = BTreeMap::new();
        for bids in &ctx.views.bids {
            for b in bids.iter().filter(|b| valid(b)) {
                if is_flagged.get(b.bidder_key as usize) == Some(&true) {
                    bids_of.entry(b.bidder).or_default().push(b);
                }
            }
        }
        for (bidder, (n, wins)) in flagged {
            let message = Text::new(
                format!("{bidder} 有效投标 {n} 次（所有投标人的上围栏为 {count_fence:.1} 次），中标 {wins} 次：疑似陪标专业户"),
                format!("{bidder} made {n} valid bids (upper fence over all bidders {count_fence:.1}) and won {wins}: a perennial loser"),
            );
            let mut f = Finding::new(self.code(), Severity::Signal, Subject::bidder(bidder), message)
                .with_score((f64::from(n) / (2.0 * count_fence)).min(1.0))
                .with_threshold("valid_bids", u64::from(n))
                .with_threshold("wins", u64::from(wins))
                .with_threshold("count_fence", (count_fence * 100.0).round() / 100.0)
                .with_threshold("win_ratio_fence", (ratio_fence * 1e4).round() / 1e4)
                .with_threshold("fence_iqr", k);
            let mut projects = Vec::new();
            for b in bids_of.get(bidder).into_iter().flatten() {
                projects.push(ctx.views.projects.id[b.project()].clone());
                f = f.with_evidence(bid_evidence(ctx, b));
            }
            out.push(f.with_projects(projects));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn quantiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 1.0), 4.0);
        assert!((quantile(&v, 0.25) - 1.75).abs() < 1e-12);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }
}
