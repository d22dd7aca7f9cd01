//! PRC-002 报价异常集中、紧贴限价 — bids clustered just under the ceiling.
//!
//! Evidence for 《招标投标法实施条例》第四十条第（四）项 (投标文件异常一致). Among a project's standing
//! bids, the largest set at or above `min_share` of the ceiling whose spread (max − min) / mean is
//! at most `max_spread`; reported when it holds at least `min_bids` bids and at least
//! `min_fraction` of the project's standing bids (a few honest bids near a generous ceiling are
//! not a cluster). Auctions and projects without a ceiling are not screened.

use bidwatch_ingest::TableName;
use bidwatch_model::{Finding, Money, RuleCode, Severity, Subject, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};

#[derive(Debug)]
pub struct CeilingCluster;

const THRESHOLDS: &[Threshold] = &[
    Threshold {
        key: "min_share",
        default: "0.97",
        zh: "报价不低于限价的该比例才计入",
        en: "prices at or above this share of the ceiling count",
    },
    Threshold {
        key: "max_spread",
        default: "0.02",
        zh: "密集区的最大离散度（极差/均值）",
        en: "largest spread (range / mean) of the cluster",
    },
    Threshold { key: "min_bids", default: "3", zh: "密集区的最少报价数", en: "fewest bids in the cluster" },
    Threshold {
        key: "min_fraction",
        default: "0.6",
        zh: "密集区至少占项目有效报价的比例",
        en: "share of the project's standing bids the cluster holds, at least",
    },
];

impl Rule for CeilingCluster {
    fn code(&self) -> RuleCode {
        code("PRC-002")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &["price"]), (TableName::Projects, &["ceiling_price"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let min_fraction = ctx.policy.f64(self.code(), "min_fraction", 0.6);
        let mut out = RuleOutput::default();
        for (k, c) in ctx.patterns.clusters.iter().enumerate() {
            let Some(p) = c else { continue };
            let standing = ctx.views.bids[k].iter().filter(|b| !b.withdrawn()).count();
            let Some(ceiling) = ctx.views.projects.ceiling[k] else { continue };
            let pid = ctx.views.projects.id[k].as_str();
            let bids: Vec<_> = p.bids.iter().filter_map(|i| ctx.views.bids[k].get(*i)).collect();
            let lo = bids.iter().map(|b| b.price).fold(f64::INFINITY, f64::min) / ceiling;
            let hi = bids.iter().map(|b| b.price).fold(f64::NEG_INFINITY, f64::max) / ceiling;
            let message = Text::new(
                format!(
                    "项目 {pid}：{} 家投标人中 {} 家的报价集中在最高投标限价（{} 元）的 {:.1}%–{:.1}%，离散度 {:.2}%",
                    standing,
                    bids.len(),
                    Money(ceiling),
                    lo * 100.0,
                    hi * 100.0,
                    p.step * 100.0
                ),
                format!(
                    "project {pid}: {} of {} bidders priced within {:.1}%–{:.1}% of the ceiling ({} yuan), spread {:.2}%",
                    bids.len(),
                    standing,
                    lo * 100.0,
                    hi * 100.0,
                    Money(ceiling),
                    p.step * 100.0
                ),
            );
            let mut f = Finding::new(self.code(), Severity::Signal, Subject::project(pid), message)
                .in_project(pid)
                .with_members(bids.iter().map(|b| b.bidder.to_string()).collect())
                .with_score((bids.len() as f64 / standing.max(1) as f64).min(1.0))
                .with_threshold("min_share", ctx.policy.f64(self.code(), "min_share", 0.97))
                .with_threshold("max_spread", ctx.policy.f64(self.code(), "max_spread", 0.02))
                .with_threshold("min_fraction", min_fraction)
                .with_threshold("spread", (p.step * 1e4).round() / 1e4)
                .with_threshold("ceiling_price", ceiling);
            for b in bids {
                f = f.with_evidence(b.evidence());
            }
            out.push(f);
        }
        out
    }
}
