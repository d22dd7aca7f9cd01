//! CMP-001 工程投诉受理与处理期限 — an engineering complaint accepted or decided late.
//!
//! 《招标投标法实施条例》第六十一条第二款: the supervising department decides within 3 working days of
//! receipt whether to accept a complaint, and decides it in writing within 30 working days of
//! acceptance; time for inspection, testing, appraisal or expert review does not count
//! (`excluded_days`, counted as working days). Working days follow `rules/calendar.toml`.

use bidwatch_ingest::TableName;
use bidwatch_model::RuleCode;

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::deadline::{complaints, uncovered_note, Step};

#[derive(Debug)]
pub struct WorksComplaintDeadlines;

const THRESHOLDS: &[Threshold] = &[
    Threshold {
        key: "accept_days",
        default: "3",
        zh: "收到投诉后决定是否受理的工作日",
        en: "working days from receipt to the acceptance decision",
    },
    Threshold {
        key: "decide_days",
        default: "30",
        zh: "受理后作出处理决定的工作日",
        en: "working days from acceptance to the written decision",
    },
    Threshold { key: "categories", default: "[\"engineering\"]", zh: "适用的交易类型", en: "categories the article applies to" },
];

impl Rule for WorksComplaintDeadlines {
    fn code(&self) -> RuleCode {
        code("CMP-001")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Complaints, &["received_at"]), (TableName::Projects, &["category"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let accept = ctx.policy.f64(self.code(), "accept_days", 3.0) as u32;
        let decide = ctx.policy.f64(self.code(), "decide_days", 30.0) as u32;
        let categories = ctx.policy.strings(self.code(), "categories", &["engineering"]);
        let mut out = RuleOutput::default();
        let list: Vec<_> = complaints(ctx.ds)
            .into_iter()
            .filter(|c| c.kind == "complaint")
            .filter(|c| {
                ctx.views.projects.category.get(c.project).and_then(|x| x.as_deref()).is_some_and(|x| categories.iter().any(|k| k == x))
            })
            .collect();
        for c in &list {
            if let Some(a) = c.accepted {
                let step = Step {
                    code: self.code(),
                    complaint: c,
                    what: ("受理决定", "the acceptance decision"),
                    from: c.received,
                    to: a,
                    allowed: accept,
                };
                out.extend(step.late(ctx));
                if let Some(d) = c.decided {
                    let step = Step {
                        code: self.code(),
                        complaint: c,
                        what: ("书面处理决定", "the written decision"),
                        from: a,
                        to: d,
                        allowed: decide + c.excluded_days,
                    };
                    out.extend(step.late(ctx));
                }
            }
        }
        out.notes.extend(uncovered_note(ctx.calendar, list.iter().flat_map(|c| [Some(c.received), c.accepted, c.decided]).flatten()));
        out
    }
}
