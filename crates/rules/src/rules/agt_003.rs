//! AGT-003 中标通知书发出迟延 — a procurement award notice later than the steps after the evaluation
//! allow.
//!
//! 《政府采购法实施条例》第四十三条: the agent sends the evaluation report to the purchaser within 2
//! working days of the end of the evaluation; the purchaser confirms the winner within 5 working days
//! of receiving it; the notice goes out within 2 working days of that. The contract has no report or
//! confirmation dates, so the chain is judged whole: an `award_notice_at` more than `report_days` +
//! `confirm_days` + `notice_days` (2 + 5 + 2) working days after the opening (the evaluation is held
//! on the opening day or soon after) means one of the steps was late. A signal on the agent: which
//! step, and whose, needs the file.

use bidwatch_ingest::{frame::fmt_millis, TableName};
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, SubjectKind, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::deadline::{day, uncovered_note};

#[derive(Debug)]
pub struct LateAwardNotice;

const THRESHOLDS: &[Threshold] = &[
    Threshold {
        key: "report_days",
        default: "2",
        zh: "评审结束后送交评审报告（工作日）",
        en: "working days to send the evaluation report",
    },
    Threshold {
        key: "confirm_days",
        default: "5",
        zh: "采购人确定中标人（工作日）",
        en: "working days for the purchaser to confirm the winner",
    },
    Threshold {
        key: "notice_days", default: "2", zh: "确定后发出中标通知书（工作日）", en: "working days to issue the notice"
    },
    Threshold { key: "categories", default: "[\"procurement\"]", zh: "适用的交易类型", en: "categories the article applies to" },
];

impl Rule for LateAwardNotice {
    fn code(&self) -> RuleCode {
        code("AGT-003")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Projects, &["category", "opened_at", "award_notice_at"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let c = self.code();
        let allowed =
            (ctx.policy.f64(c, "report_days", 2.0) + ctx.policy.f64(c, "confirm_days", 5.0) + ctx.policy.f64(c, "notice_days", 2.0)) as u32;
        let categories = ctx.policy.strings(c, "categories", &["procurement"]);
        let agents = &ctx.views.agents;
        let p = &ctx.views.projects;
        let mut out = RuleOutput::default();
        let mut days = Vec::new();
        for k in 0..p.id.len() {
            if !p.category[k].as_deref().is_some_and(|x| categories.iter().any(|c| c == x)) {
                continue;
            }
            let (Some(opened), Some(notice)) = (p.opened_at[k], p.award_notice_at[k]) else { continue };
            let (Some(from), Some(to)) = (day(opened), day(notice)) else { continue };
            days.extend([from, to]);
            let used = ctx.calendar.working_days_between(from, to);
            if used <= allowed {
                continue;
            }
            let pid = p.id[k].as_str();
            let due = ctx.calendar.add_working_days(from, allowed);
            let message = Text::new(
                format!("项目 {pid} {from} 开标，中标通知书 {to} 才发出，用了 {used} 个工作日；送交报告、确定中标人、发出通知书合计不超过 {allowed} 个工作日（至迟 {due}）"),
                format!("project {pid} opened on {from} and its award notice went out on {to}, {used} working days later; sending the report, confirming the winner and issuing the notice take at most {allowed} (by {due})"),
            );
            let subject = agents.get(&k).map_or_else(|| Subject::project(pid), |a| Subject::new(SubjectKind::Agent, a.as_str()));
            out.push(
                Finding::new(c, Severity::Signal, subject, message)
                    .in_project(pid)
                    .with_threshold("allowed_working_days", u64::from(allowed))
                    .with_threshold("working_days", u64::from(used))
                    .with_evidence(
                        Evidence::new("projects", p.row[k])
                            .with("project_id", pid)
                            .with("opened_at", fmt_millis(opened))
                            .with("award_notice_at", fmt_millis(notice)),
                    ),
            );
        }
        out.notes.extend(uncovered_note(ctx.calendar, days));
        out
    }
}
