//! DEP-003 保证金比例上限 — a bid deposit above 2 % of the estimate, or a performance bond above
//! 10 % of the contract.
//!
//! 《招标投标法实施条例》第二十六条 (bid deposit ≤ 2 % of the estimated price) and 第五十八条
//! (performance bond ≤ 10 % of the contract); 《政府采购法实施条例》第三十三条、第四十八条 the same for
//! procurement (budget; contract). The contract amount is the winning bid's price.

use bidwatch_ingest::TableName;
use bidwatch_model::{Evidence, Finding, Money, RuleCode, Severity, Subject, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::deadline::deposits;

#[derive(Debug)]
pub struct DepositCaps;

const THRESHOLDS: &[Threshold] = &[
    Threshold {
        key: "bid_share",
        default: "0.02",
        zh: "投标保证金占估算价（预算）的上限",
        en: "largest bid deposit as a share of the estimate (budget)",
    },
    Threshold {
        key: "performance_share",
        default: "0.10",
        zh: "履约保证金占中标合同金额的上限",
        en: "largest performance bond as a share of the contract",
    },
];

impl Rule for DepositCaps {
    fn code(&self) -> RuleCode {
        code("DEP-003")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Deposits, &["amount"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let bid_share = ctx.policy.f64(self.code(), "bid_share", 0.02);
        let perf_share = ctx.policy.f64(self.code(), "performance_share", 0.10);
        let p = &ctx.views.projects;
        let mut out = RuleOutput::default();
        for d in deposits(ctx.ds) {
            let (base, share, zh, en) = match d.kind {
                "bid" => (p.estimate[d.project], bid_share, ("投标保证金", "估算价（预算）"), ("bid deposit", "the estimate (budget)")),
                "performance" => (
                    ctx.views.bids[d.project].iter().find(|b| b.winner).map(|b| b.price),
                    perf_share,
                    ("履约保证金", "中标合同金额"),
                    ("performance bond", "the contract"),
                ),
                _ => continue,
            };
            let Some(base) = base.filter(|b| *b > 0.0) else { continue };
            // a cent of rounding is not a breach
            if d.amount <= base * share + 0.01 {
                continue;
            }
            let pid = p.id[d.project].as_str();
            let who = crate::rules::col::label_of(ctx, d.bidder);
            let message = Text::new(
                format!(
                    "项目 {pid}：{who} 缴纳的{} {} 元为{} {} 元的 {:.2}%，超过 {:.0}% 的上限",
                    zh.0,
                    Money(d.amount),
                    zh.1,
                    Money(base),
                    d.amount / base * 100.0,
                    share * 100.0
                ),
                format!(
                    "project {pid}: {who}'s {} of {} yuan is {:.2}% of {} ({} yuan), above the {:.0}% cap",
                    en.0,
                    Money(d.amount),
                    d.amount / base * 100.0,
                    en.1,
                    Money(base),
                    share * 100.0
                ),
            );
            out.push(
                Finding::new(self.code(), Severity::Violation, Subject::project(pid), message)
                    .in_project(pid)
                    .with_members(vec![d.bidder.to_owned()])
                    .with_threshold(if d.kind == "bid" { "bid_share" } else { "performance_share" }, share)
                    .with_threshold("share", (d.amount / base * 1e4).round() / 1e4)
                    .with_evidence(
                        Evidence::new("deposits", d.row).with("bidder_id", d.bidder).with("kind", d.kind).with("amount", d.amount),
                    )
                    .with_evidence(
                        Evidence::new("projects", p.row[d.project]).with("project_id", pid).with("estimate", p.estimate[d.project]),
                    ),
            );
        }
        out
    }
}
