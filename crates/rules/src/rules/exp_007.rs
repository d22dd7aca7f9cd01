//! EXP-007 专家年度累计扣分 — an expert whose deductions in one calendar year reach the province's
//! suspension tier.
//!
//! 《招标投标法实施条例》第七十一条 (情节严重的，禁止其在一定期限内参加评标) and 《政府采购法实施条例》
//! 第七十五条. Expert tables count by calendar year (1 January–31 December), not the rolling window
//! of POL-003: effective ledger deductions of an expert in one year summing to `year_level` (25)
//! or more, or one deduction of `single_level` (15) or more, call for the `suspend_months` (6)
//! suspension tier — which bidwatch recommends and the expert's managing department decides.
//! One finding per expert and year.

use std::collections::BTreeMap;

use bidwatch_ingest::{frame::fmt_millis, TableName};
use bidwatch_model::{Finding, RuleCode, Severity, Subject, SubjectKind, Text};
use chrono::Datelike;

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::deadline::day;
use crate::rules::ledger::{ledger_evidence, Entry};

#[derive(Debug)]
pub struct ExpertYear;

const THRESHOLDS: &[Threshold] = &[
    Threshold {
        key: "year_level", default: "25", zh: "自然年内累计扣分达到（分）", en: "points in one calendar year, at least"
    },
    Threshold { key: "single_level", default: "15", zh: "单次扣分达到（分）", en: "points in one deduction, at least" },
    Threshold { key: "suspend_months", default: "6", zh: "建议暂停评标的月数", en: "months of suspension recommended" },
];

impl Rule for ExpertYear {
    fn code(&self) -> RuleCode {
        code("EXP-007")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Ledger, &["points"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let names = crate::rules::expert::Names::load(ctx);
        let c = self.code();
        let year_level = ctx.policy.f64(c, "year_level", 25.0);
        let single_level = ctx.policy.f64(c, "single_level", 15.0);
        let months = ctx.policy.f64(c, "suspend_months", 6.0);
        let all = &ctx.views.ledger;
        let mut by_year: BTreeMap<(&str, i32), Vec<&Entry>> = BTreeMap::new();
        for e in all.iter().filter(|e| e.subject_kind == "expert" && e.status == "effective") {
            if let Some(d) = day(e.at) {
                by_year.entry((e.subject_id.as_str(), d.year())).or_default().push(e);
            }
        }
        let mut out = RuleOutput::default();
        for ((id, year), list) in by_year {
            let total: f64 = list.iter().map(|e| e.points).sum();
            let single = list.iter().map(|e| e.points).fold(0.0, f64::max);
            if total < year_level && single < single_level {
                continue;
            }
            let who = names.label(id);
            let newest = list.iter().map(|e| e.at).max().map(fmt_millis).unwrap_or_default();
            let message = Text::new(
                format!(
                    "评标专家 {who} {year} 年累计扣 {total} 分（单次最高 {single} 分），达到暂停线（累计 {year_level} 分或单次 {single_level} 分），建议移交主管部门暂停评标 {months} 个月"
                ),
                format!(
                    "expert {who} lost {total} points in {year} (at most {single} at once), at the suspension tier ({year_level} in a year or {single_level} at once): refer to the managing department for a {months}-month suspension"
                ),
            );
            let mut f = Finding::new(c, Severity::Signal, Subject::new(SubjectKind::Expert, id), message)
                .with_threshold("year", i64::from(year))
                .with_threshold("year_points", total)
                .with_threshold("largest_deduction", single)
                .with_threshold("latest", newest);
            for e in list {
                f = f.with_evidence(ledger_evidence(e));
            }
            out.push(f);
        }
        out
    }
}
