//! POL-002 约谈告知 — no deduction takes effect without an interview notice before it.
//!
//! The bureau's policy (the issue's "an interview notice is due before any deduction takes
//! effect"), within 《招标投标法实施条例》第七十八条's credit system: every ledger deduction of a
//! bidder, expert or agent is preceded by a prior-notice interview (`interviews`, kind
//! `prior_notice`) of the same subject, at most `notice_window_days` before it. An effective
//! deduction without one is a violation of the procedure; a pending one without one is a signal
//! (the notice is due before it takes effect). One finding per deduction.

use bidwatch_ingest::{frame::fmt_millis, TableName};
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, SubjectKind, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::ledger::{entries, notices, DAY_MS};

#[derive(Debug)]
pub struct NoticeBeforeDeduction;

const THRESHOLDS: &[Threshold] = &[Threshold {
    key: "notice_window_days",
    default: "90",
    zh: "约谈告知早于扣分的最长天数",
    en: "longest time a notice may precede the deduction, in days",
}];

pub(crate) fn subject(kind: &str, id: &str) -> Subject {
    let kind = match kind {
        "expert" => SubjectKind::Expert,
        "agent" => SubjectKind::Agent,
        "person" => SubjectKind::Person,
        _ => SubjectKind::Bidder,
    };
    Subject::new(kind, id)
}

pub(crate) fn kind_label(kind: &str, zh: bool) -> &str {
    match (kind, zh) {
        ("bidder", true) => "投标人",
        ("expert", true) => "评标专家",
        ("agent", true) => "代理机构",
        ("person", true) => "人员",
        (k, _) => k,
    }
}

impl Rule for NoticeBeforeDeduction {
    fn code(&self) -> RuleCode {
        code("POL-002")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Ledger, &["points"]), (TableName::Interviews, &["held_at"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let window = ctx.policy.f64(self.code(), "notice_window_days", 90.0) as i64;
        let notices = notices(ctx.ds);
        let mut out = RuleOutput::default();
        for e in entries(ctx.ds) {
            if e.status == "revoked" || !matches!(e.subject_kind.as_str(), "bidder" | "expert" | "agent") {
                continue;
            }
            let key = (e.subject_kind.clone(), e.subject_id.clone());
            let prior = notices.get(&key).and_then(|v| v.iter().rev().find(|(t, _)| *t <= e.at && *t >= e.at - window * DAY_MS));
            if prior.is_some() {
                continue;
            }
            let effective = e.status == "effective";
            let who = (kind_label(&e.subject_kind, true), kind_label(&e.subject_kind, false));
            let message = if effective {
                Text::new(
                    format!(
                        "{} {} 因 {} 扣 {} 分，于 {} 生效，此前 {window} 天内没有约谈告知记录",
                        who.0,
                        e.subject_id,
                        e.rule_code,
                        e.points,
                        fmt_millis(e.at)
                    ),
                    format!(
                        "{} {} lost {} points for {}, effective {}, with no interview notice in the {window} days before",
                        who.1,
                        e.subject_id,
                        e.points,
                        e.rule_code,
                        fmt_millis(e.at)
                    ),
                )
            } else {
                Text::new(
                    format!("{} {} 因 {} 拟扣 {} 分（待生效），生效前须先约谈告知", who.0, e.subject_id, e.rule_code, e.points),
                    format!("{} {} faces a pending deduction of {} points for {}: the interview notice is due before it takes effect", who.1, e.subject_id, e.points, e.rule_code),
                )
            };
            let severity = if effective { Severity::Violation } else { Severity::Signal };
            out.findings.push(
                Finding::new(self.code(), severity, subject(&e.subject_kind, &e.subject_id), message)
                    .with_threshold("notice_window_days", window as u64)
                    .with_evidence(
                        Evidence::new("ledger", e.row)
                            .with("rule_code", e.rule_code.as_str())
                            .with("points", e.points)
                            .with("occurred_at", fmt_millis(e.at))
                            .with("status", e.status.as_str()),
                    ),
            );
        }
        out
    }
}
