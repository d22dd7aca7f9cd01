//! CNT-001 投标人少于3个仍开标 — opened with fewer than 3 bidders.
//!
//! 《招标投标法实施条例》第四十四条第二款：投标人少于3个的，不得开标；招标人应当重新招标。
//! Bidders are counted at the deadline: bids not withdrawn, a consortium once. A project counts as
//! opened when it has an opening time, or a bid with a rank or a win.

use std::collections::BTreeSet;

use bidwatch_ingest::TableName;
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::category_label;
use bidwatch_ingest::frame::fmt_millis;

#[derive(Debug)]
pub struct FewBidders;

const THRESHOLDS: &[Threshold] = &[
    Threshold { key: "min_bidders", default: "3", zh: "开标所需的最少投标人数", en: "fewest bidders needed to open" },
    Threshold {
        key: "violation_categories",
        default: "[\"engineering\"]",
        zh: "适用条例、按违规报告的交易类型",
        en: "categories where the statute applies (violation)",
    },
    Threshold {
        key: "signal_categories",
        default: "[\"procurement\"]",
        zh: "参照适用、按风险线索报告的交易类型",
        en: "categories where it applies by analogy (signal)",
    },
];

impl Rule for FewBidders {
    fn code(&self) -> RuleCode {
        code("CNT-001")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Projects, &["category"]), (TableName::Bids, &["price"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let code = self.code();
        let min = ctx.policy.f64(code, "min_bidders", 3.0) as usize;
        let violation = ctx.policy.strings(code, "violation_categories", &["engineering"]);
        let signal = ctx.policy.strings(code, "signal_categories", &["procurement"]);
        let projects = &ctx.views.projects;
        let mut out = RuleOutput::default();
        for (k, bids) in ctx.views.bids.iter().enumerate() {
            let Some(category) = projects.category[k].as_deref() else {
                continue;
            };
            let severity = if violation.iter().any(|c| c == category) {
                Severity::Violation
            } else if signal.iter().any(|c| c == category) {
                Severity::Signal
            } else {
                continue;
            };
            let standing: Vec<_> = bids.iter().filter(|b| !b.withdrawn()).collect();
            let opened = projects.opened_at[k].is_some() || standing.iter().any(|b| b.ranked_or_won);
            if !opened {
                continue;
            }
            // Most tenders have enough bidders: counted up to `min` distinct, and only a tender
            // with fewer gets its ordered list.
            if crate::rules::distinct_reach(standing.iter().map(|b| ctx.views.unit(b)), min) {
                continue;
            }
            let bidders: BTreeSet<&str> = standing.iter().map(|b| ctx.views.unit(b)).collect();
            let pid = &projects.id[k];
            let list = bidders.iter().copied().collect::<Vec<_>>();
            let message = Text::new(
                format!(
                    "项目 {pid}（{}）投标截止时仅有 {} 家投标人（{}），少于 {min} 家仍开标/评标",
                    category_label(category, true),
                    bidders.len(),
                    list.join("、")
                ),
                format!(
                    "project {pid} ({}) was opened or evaluated with {} bidder(s) at the deadline ({}), fewer than {min}",
                    category_label(category, false),
                    bidders.len(),
                    list.join(", ")
                ),
            );
            let project_ev = Evidence::new("projects", projects.row[k])
                .with("project_id", pid.as_str())
                .with("category", category)
                .with("opened_at", projects.opened_at[k].map(fmt_millis));
            let mut f = Finding::new(code, severity, Subject::project(pid.as_str()), message)
                .in_project(pid.as_str())
                .with_evidence(project_ev)
                .with_threshold("min_bidders", min as u64)
                .with_threshold("bidders_found", bidders.len() as u64)
                .with_members(bidders.iter().map(|s| (*s).to_owned()).collect());
            for b in bids {
                f = f.with_evidence(b.evidence());
            }
            out.push(f);
        }
        out
    }
}
