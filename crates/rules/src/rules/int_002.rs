//! INT-002 中标通知书时序 — an award notice issued while an objection to the result was unanswered.
//!
//! 《招标投标法实施条例》第五十四条: objections to the candidates are raised during the publicity
//! period and answered within 3 days, and the tendering pauses until the answer. For each
//! engineering project with an award notice: an objection (`complaints`, kind `objection`) received
//! after the opening and before the notice, with no answer or an answer after the notice →
//! violation. The publicity period itself (3 days from the report, at least 3 days long) needs the
//! publicity dates, which the contract does not carry: not checked.

use bidwatch_ingest::{frame::fmt_millis, TableName};
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::deadline::{complaints, day};

#[derive(Debug)]
pub struct NoticeBeforeAnswer;

const THRESHOLDS: &[Threshold] =
    &[Threshold { key: "categories", default: "[\"engineering\"]", zh: "适用的交易类型", en: "categories the article applies to" }];

impl Rule for NoticeBeforeAnswer {
    fn code(&self) -> RuleCode {
        code("INT-002")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Complaints, &["received_at"]), (TableName::Projects, &["category", "opened_at", "award_notice_at"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let categories = ctx.policy.strings(self.code(), "categories", &["engineering"]);
        let p = &ctx.views.projects;
        let mut out = RuleOutput::default();
        for o in complaints(ctx.ds).iter().filter(|o| o.kind == "objection") {
            let k = o.project;
            if !p.category.get(k).and_then(|x| x.as_deref()).is_some_and(|x| categories.iter().any(|c| c == x)) {
                continue;
            }
            let (Some(opened), Some(notice)) = (p.opened_at[k].and_then(day), p.award_notice_at[k]) else { continue };
            let Some(notice_day) = day(notice) else { continue };
            // an objection to the result: after the opening, before the notice
            if o.received <= opened || o.received > notice_day {
                continue;
            }
            if o.decided.is_some_and(|a| a <= notice_day) {
                continue;
            }
            let pid = p.id[k].as_str();
            let answer = o.decided.map_or_else(
                || ("尚未答复".to_owned(), "not answered".to_owned()),
                |a| (format!("{a} 才答复"), format!("answered only on {a}")),
            );
            let message = Text::new(
                format!("项目 {pid}：异议 {} 于 {} 提出，{}，中标通知书却已于 {} 发出", o.id, o.received, answer.0, fmt_millis(notice)),
                format!(
                    "project {pid}: objection {} was raised on {} and {}, yet the award notice went out on {}",
                    o.id,
                    o.received,
                    answer.1,
                    fmt_millis(notice)
                ),
            );
            out.push(
                Finding::new(self.code(), Severity::Violation, Subject::project(pid), message)
                    .in_project(pid)
                    .with_evidence(
                        Evidence::new("complaints", o.row)
                            .with("complaint_id", o.id.as_str())
                            .with("received_at", o.received.to_string())
                            .with("decided_at", o.decided.map(|d| d.to_string())),
                    )
                    .with_evidence(
                        Evidence::new("projects", p.row[k])
                            .with("project_id", pid)
                            .with("opened_at", p.opened_at[k].map(fmt_millis))
                            .with("award_notice_at", fmt_millis(notice)),
                    ),
            );
        }
        out
    }
}
