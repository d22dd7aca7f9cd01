//! AGT-006 扣分申辩答复超期 — an agent's deduction still pending after the appeal and answer periods.
//!
//! The agent-credit rules (the research's S18, within 《招标投标法实施条例》第七十八条's credit
//! system): a deduction is notified, the agent may appeal within `appeal_days` (5) working days, the
//! department answers within `answer_days` (10) working days, and the deduction then takes effect or
//! is revoked. A `ledger` row of an agent still `pending` more than appeal + answer working days
//! after it was recorded, as of the run's day (the newest ledger or interview time), is overdue: a
//! signal that the department owes its answer.

use bidwatch_ingest::{frame::fmt_millis, TableName};
use bidwatch_model::{Finding, RuleCode, Severity, Subject, SubjectKind, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::deadline::day;
use crate::rules::ledger::{as_of, ledger_evidence};

#[derive(Debug)]
pub struct PendingTooLong;

const THRESHOLDS: &[Threshold] = &[
    Threshold { key: "appeal_days", default: "5", zh: "申辩期（工作日）", en: "appeal period (working days)" },
    Threshold { key: "answer_days", default: "10", zh: "答复期（工作日）", en: "answer period (working days)" },
];

impl Rule for PendingTooLong {
    fn code(&self) -> RuleCode {
        code("AGT-006")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Ledger, &["points", "status"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let c = self.code();
        let allowed = (ctx.policy.f64(c, "appeal_days", 5.0) + ctx.policy.f64(c, "answer_days", 10.0)) as u32;
        let all = &ctx.views.ledger;
        let mut out = RuleOutput::default();
        let Some(today) = as_of(all, &ctx.views.notices).and_then(day) else { return out };
        for e in all.iter().filter(|e| e.subject_kind == "agent" && e.status == "pending") {
            let Some(from) = day(e.at) else { continue };
            let waited = ctx.calendar.working_days_between(from, today);
            if waited <= allowed {
                continue;
            }
            let due = ctx.calendar.add_working_days(from, allowed);
            let message = Text::new(
                format!("代理机构 {} 因 {} 拟扣 {} 分（{} 记录）仍待生效，已过 {waited} 个工作日，申辩与答复期合计 {allowed} 个工作日（至迟 {due}）", e.subject_id, e.rule_code, e.points, fmt_millis(e.at)),
                format!(
                    "agent {}'s deduction of {} points for {} (recorded {}) is still pending after {waited} working days; appeal and answer take {allowed} (by {due})",
                    e.subject_id,
                    e.points,
                    e.rule_code,
                    fmt_millis(e.at)
                ),
            );
            out.push(
                Finding::new(c, Severity::Signal, Subject::new(SubjectKind::Agent, e.subject_id.as_str()), message)
                    .with_threshold("allowed_working_days", u64::from(allowed))
                    .with_threshold("working_days", u64::from(waited))
                    .with_threshold("as_of", today.to_string())
                    .with_evidence(ledger_evidence(e)),
            );
        }
        out
    }
}
