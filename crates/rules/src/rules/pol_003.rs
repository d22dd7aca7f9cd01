//! POL-003 记分达到暂停/移交线 — a subject's live score reached its suspension level.
//!
//! Only the supervising department may debar (《招标投标法实施条例》第六十七条、第六十八条;
//! 《政府采购法实施条例》第七十五条 for experts), so bidwatch never suspends anyone: it recommends a
//! referral. The live score counts effective deductions younger than `validity_days` (expired,
//! pending and revoked points do not count), as of the newest record in the data. Reported once per
//! crossing: when the score goes from below the level to at or above it (again after it fell back).

use bidwatch_ingest::{frame::fmt_millis, TableName};
use bidwatch_model::{Finding, RuleCode, Severity, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::ledger::{as_of, by_subject, counted, crossings, ledger_evidence};
use crate::rules::pol_002::{kind_label, subject};

#[derive(Debug)]
pub struct SuspensionLevel;

const THRESHOLDS: &[Threshold] = &[
    Threshold { key: "validity_days", default: "365", zh: "记分有效期（天）", en: "days a deduction counts" },
    Threshold { key: "bidder_level", default: "12", zh: "投标人暂停/移交线（分）", en: "bidder suspension level (points)" },
    Threshold { key: "expert_level", default: "25", zh: "评标专家暂停/移交线（分）", en: "expert suspension level (points)" },
    Threshold {
        key: "agent_level", default: "50", zh: "代理机构暂停/移交线（扣分）", en: "agent suspension level (points deducted)"
    },
];

impl Rule for SuspensionLevel {
    fn code(&self) -> RuleCode {
        code("POL-003")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Ledger, &["points"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let c = self.code();
        let validity = ctx.policy.f64(c, "validity_days", 365.0) as i64;
        let all = &ctx.views.ledger;
        let Some(now) = as_of(all, &ctx.views.notices) else { return RuleOutput::default() };
        let mut out = RuleOutput::default();
        for ((kind, id), list) in by_subject(all) {
            let level = match kind {
                "bidder" => ctx.policy.f64(c, "bidder_level", 12.0),
                "expert" => ctx.policy.f64(c, "expert_level", 25.0),
                "agent" => ctx.policy.f64(c, "agent_level", 50.0),
                _ => continue,
            };
            for (t, score) in crossings(&list, level, validity, now) {
                let message = Text::new(
                    format!(
                        "{} {id} 有效记分于 {} 达到 {score} 分，不低于暂停/移交线 {level} 分：建议移交行政监督部门依法处理（bidwatch 不作处罚）",
                        kind_label(kind, true),
                        fmt_millis(t)
                    ),
                    format!(
                        "{} {id}'s live score reached {score} points on {}, at or above the suspension level of {level}: refer to the supervising department (bidwatch does not sanction)",
                        kind_label(kind, false),
                        fmt_millis(t)
                    ),
                );
                let mut f = Finding::new(c, Severity::Signal, subject(kind, id), message)
                    .with_score(1.0)
                    .with_threshold("level", level)
                    .with_threshold("live_score", score)
                    .with_threshold("validity_days", validity as u64)
                    .with_threshold("crossed_at", fmt_millis(t));
                for e in counted(&list, t, validity) {
                    f = f.with_evidence(ledger_evidence(e));
                }
                out.push(f);
            }
        }
        out
    }
}
