//! PRC-001 报价呈规律性差异 — prices on a regular ladder.
//!
//! 《招标投标法实施条例》第四十条第（四）项：不同投标人的投标文件异常一致或者投标报价呈规律性差异，
//! 视为投标人相互串通投标；财政部令第87号第三十七条第（四）项. Three or more bids of distinct bidders
//! in one project whose prices step by one amount (to the cent) or one ratio, honest bids allowed
//! between the rungs (see [`crate::patterns`]). Withdrawn bids are not screened. Reported as a
//! signal: whether a ladder is the statute's 规律性差异 is for the committee or the investigation.
//! The ladders also corroborate weak links (same IP, same author) in the graph.

use bidwatch_graph::{Group, LinkKind};
use bidwatch_ingest::{Dataset, TableName};
use bidwatch_model::{Finding, Money, RuleCode, Severity, Subject, Text};

use crate::catalog::Policy;
use crate::patterns::{cluster, ladders, Pattern, Priced};
use crate::registry::{code, Context, Rule, RuleOutput, Threshold, Views};

#[derive(Debug)]
pub struct PriceLadder;

const THRESHOLDS: &[Threshold] = &[
    Threshold {
        key: "min_len", default: "3", zh: "阶梯的最少报价数（不同投标人）", en: "fewest prices (of distinct bidders) on a ladder"
    },
    Threshold {
        key: "max_per_project",
        default: "2",
        zh: "一个项目中阶梯多于该数时，视为报价落在粗网格上（如按下浮率折算），阶梯属偶然，不报",
        en: "more ladders than this in one project mean prices on a coarse grid (bids written as a discount), where ladders are chance: none reported",
    },
    Threshold {
        key: "link_weight",
        default: "0.35",
        zh: "同一阶梯上的两家若另有关联，在团伙识别中追加的权重",
        en: "weight a shared ladder adds to two bidders' link when they share something else",
    },
];

/// The price patterns of every project, by project key, found once per run.
#[derive(Debug, Default)]
pub(crate) struct PatternTable {
    pub ladders: Vec<Vec<Pattern>>,
    /// Projects whose prices held more ladders than `max_per_project`: prices on a coarse grid
    /// (bids written as a discount to three decimals, say), where ladders are chance.
    pub grid_projects: usize,
    pub clusters: Vec<Option<Pattern>>,
}

impl PatternTable {
    pub fn compute(ds: &Dataset, views: &Views, policy: &Policy) -> PatternTable {
        let _ = ds;
        let min_len = policy.f64(code("PRC-001"), "min_len", 3.0).max(3.0) as usize;
        let max_per_project = policy.f64(code("PRC-001"), "max_per_project", 2.0).max(1.0) as usize;
        let prc2 = code("PRC-002");
        let (min_share, max_spread, min_bids) =
            (policy.f64(prc2, "min_share", 0.97), policy.f64(prc2, "max_spread", 0.02), policy.f64(prc2, "min_bids", 3.0) as usize);
        let min_fraction = policy.f64(prc2, "min_fraction", 0.6);
        // Projects are independent: searched side by side, gathered in project order.
        use rayon::prelude::*;
        let per_project: Vec<(Vec<Pattern>, bool, Option<Pattern>)> = views
            .bids
            .par_iter()
            .enumerate()
            .map(|(k, bids)| {
                let priced: Vec<Priced<'_>> = bids
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| !b.withdrawn())
                    .map(|(i, b)| Priced { index: i, bidder: b.bidder, price: b.price })
                    .collect();
                let found = ladders(&priced, min_len);
                let grid = found.len() > max_per_project;
                // A cluster counts when it holds most of the standing bids: a few honest bids near a
                // generous ceiling are no cluster, and must not corroborate anything in the graph.
                let auction = matches!(views.projects.category[k].as_deref(), Some("property" | "land"));
                let c = if auction {
                    None
                } else {
                    views.projects.ceiling[k].and_then(|c| cluster(&priced, c, min_share, max_spread, min_bids))
                };
                let c = c.filter(|c| c.bids.len() as f64 >= min_fraction * priced.len() as f64);
                (if grid { Vec::new() } else { found }, grid, c)
            })
            .collect();
        let mut t = PatternTable::default();
        for (ladders, grid, cluster) in per_project {
            t.grid_projects += usize::from(grid);
            t.ladders.push(ladders);
            t.clusters.push(cluster);
        }
        t
    }

    /// The ladders as groups for the graph. Clusters are not passed: a cluster usually takes in
    /// the whole project, outsiders too, so it says nothing about a particular pair.
    pub fn groups(&self, ds: &Dataset, views: &Views) -> Vec<Group> {
        let mut out = Vec::new();
        let members = |k: usize, p: &Pattern| -> Vec<(u32, u64)> {
            p.bids
                .iter()
                .filter_map(|i| views.bids[k].get(*i))
                .filter_map(|b| ds.orgs.get(b.bidder).map(|o| (o, u64::from(b.row))))
                .collect()
        };
        for (k, list) in self.ladders.iter().enumerate() {
            for p in list {
                let label = if p.geometric { format!("ratio {}", p.step) } else { format!("step {}", Money(p.step)) };
                out.push(Group { project: k as u32, kind: LinkKind::PriceLadder, label, bids: members(k, p) });
            }
        }
        out
    }
}

impl Rule for PriceLadder {
    fn code(&self) -> RuleCode {
        code("PRC-001")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &["price"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let mut out = RuleOutput::default();
        if ctx.patterns.grid_projects > 0 {
            let n = ctx.patterns.grid_projects;
            let max = ctx.policy.f64(self.code(), "max_per_project", 2.0);
            out.notes.push(Text::new(
                format!("{n} 个项目的报价中等差/等比阶梯多于 {max} 个，报价应落在粗网格上（如按下浮率折算），阶梯属偶然，未报告"),
                format!("{n} project(s) held more than {max} price ladders: their prices sit on a coarse grid (bids written as a discount), so ladders there are chance and were not reported"),
            ));
        }
        for (k, list) in ctx.patterns.ladders.iter().enumerate() {
            let pid = ctx.views.projects.id[k].as_str();
            for p in list {
                let bids: Vec<_> = p.bids.iter().filter_map(|i| ctx.views.bids[k].get(*i)).collect();
                let prices = bids.iter().map(|b| Money(b.price).to_string()).collect::<Vec<_>>().join(" / ");
                let who = bids.iter().map(|b| b.bidder).collect::<Vec<_>>();
                let (kind_zh, kind_en, step_zh, step_en) = if p.geometric {
                    ("等比", "a geometric", format!("×{}", p.step), format!("×{}", p.step))
                } else {
                    ("等差", "an arithmetic", format!("{} 元", Money(p.step)), format!("{} yuan", Money(p.step)))
                };
                let message = Text::new(
                    format!("项目 {pid}：{} 家投标人（{}）的报价呈{kind_zh}阶梯（每级 {step_zh}）：{prices}", bids.len(), who.join("、")),
                    format!(
                        "project {pid}: the prices of {} bidders ({}) form {kind_en} ladder (step {step_en}): {prices}",
                        bids.len(),
                        who.join(", ")
                    ),
                );
                let mut f = Finding::new(self.code(), Severity::Signal, Subject::project(pid), message)
                    .in_project(pid)
                    .with_members(who.iter().map(|s| (*s).to_owned()).collect())
                    .with_threshold("min_len", p.bids.len().min(3) as u64)
                    .with_threshold(if p.geometric { "ratio" } else { "step" }, p.step)
                    .with_threshold("rungs", p.bids.len() as u64);
                for b in bids {
                    f = f.with_evidence(b.evidence());
                }
                out.push(f);
            }
        }
        out
    }
}
