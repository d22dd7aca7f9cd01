//! CMP-002 政府采购质疑投诉期限 — a procurement challenge or complaint answered late.
//!
//! 《政府采购法》第五十三条 and 《政府采购质疑和投诉办法》(财政部令第94号): the purchaser or agent
//! answers a challenge (质疑, `kind = objection`) within 7 working days of receipt; the finance
//! department reviews a complaint within 5 working days and decides it within 30 working days of
//! receipt; time for inspection, testing, appraisal, expert review or the complainant's
//! supplements does not count (《政府采购法实施条例》第五十八条; `excluded_days`, as working days).

use bidwatch_ingest::TableName;
use bidwatch_model::RuleCode;

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::deadline::{complaints, uncovered_note, Step};

#[derive(Debug)]
pub struct ProcurementComplaintDeadlines;

const THRESHOLDS: &[Threshold] = &[
    Threshold { key: "answer_days", default: "7", zh: "答复质疑的工作日", en: "working days to answer a challenge" },
    Threshold {
        key: "review_days", default: "5", zh: "投诉受理审查的工作日", en: "working days to review a complaint for acceptance"
    },
    Threshold {
        key: "decide_days",
        default: "30",
        zh: "自收到投诉起作出处理决定的工作日",
        en: "working days from receipt to the complaint decision",
    },
];

impl Rule for ProcurementComplaintDeadlines {
    fn code(&self) -> RuleCode {
        code("CMP-002")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Complaints, &["received_at"]), (TableName::Projects, &["category"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let answer = ctx.policy.f64(self.code(), "answer_days", 7.0) as u32;
        let review = ctx.policy.f64(self.code(), "review_days", 5.0) as u32;
        let decide = ctx.policy.f64(self.code(), "decide_days", 30.0) as u32;
        let mut out = RuleOutput::default();
        let list: Vec<_> = complaints(ctx.ds)
            .into_iter()
            .filter(|c| ctx.views.projects.category.get(c.project).and_then(|x| x.as_deref()) == Some("procurement"))
            .collect();
        for c in &list {
            let code = self.code();
            let steps = if c.kind == "objection" {
                vec![c
                    .decided
                    .map(|d| Step { code, complaint: c, what: ("答复", "the answer"), from: c.received, to: d, allowed: answer })]
            } else {
                vec![
                    c.accepted.map(|a| Step {
                        code,
                        complaint: c,
                        what: ("受理审查", "the acceptance review"),
                        from: c.received,
                        to: a,
                        allowed: review,
                    }),
                    c.decided.map(|d| Step {
                        code,
                        complaint: c,
                        what: ("处理决定", "the decision"),
                        from: c.received,
                        to: d,
                        allowed: decide + c.excluded_days,
                    }),
                ]
            };
            out.extend(steps.into_iter().flatten().filter_map(|s| s.late(ctx)));
        }
        out.notes.extend(uncovered_note(ctx.calendar, list.iter().flat_map(|c| [Some(c.received), c.accepted, c.decided]).flatten()));
        out
    }
}
