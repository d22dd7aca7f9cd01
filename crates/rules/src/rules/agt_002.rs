//! AGT-002 招标文件提供期限不足 — a procurement tender whose bids closed fewer than 5 working days
//! after it was published.
//!
//! 《政府采购法实施条例》第三十一条: the tender documents are offered for at least 5 working days. The
//! documents cannot have been offered longer than from publication to the bid deadline, so a deadline
//! fewer than `min_working_days` (5) working days (`rules/calendar.toml`) after `published_at` is a
//! violation by the agent (or, without an agent, on the project), deducting `points` (2).
//! Engineering clarifications (第二十一条 of the bidding regulations, 15 days before the deadline)
//! need clarification dates, which the contract does not carry: not checked.

use bidwatch_ingest::{frame, TableName};
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, SubjectKind, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::deadline::{day, uncovered_note};

#[derive(Debug)]
pub struct ShortDocumentPeriod;

const THRESHOLDS: &[Threshold] = &[
    Threshold {
        key: "min_working_days", default: "5", zh: "招标文件提供期限（工作日）", en: "working days the documents are offered"
    },
    Threshold { key: "points", default: "2", zh: "代理机构每次扣分", en: "points deducted from the agent" },
    Threshold { key: "categories", default: "[\"procurement\"]", zh: "适用的交易类型", en: "categories the article applies to" },
];

impl Rule for ShortDocumentPeriod {
    fn code(&self) -> RuleCode {
        code("AGT-002")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Projects, &["category", "published_at", "bid_deadline_at"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let c = self.code();
        let min = ctx.policy.f64(c, "min_working_days", 5.0) as u32;
        let points = ctx.policy.f64(c, "points", 2.0);
        let categories = ctx.policy.strings(c, "categories", &["procurement"]);
        let mut out = RuleOutput::default();
        let Some(df) = ctx.ds.frame(TableName::Projects) else { return out };
        let keys = frame::keys(df, "project_id");
        let published = frame::i64s(df, "published_at");
        let deadline = frame::i64s(df, "bid_deadline_at");
        let agents = &ctx.views.agents;
        let p = &ctx.views.projects;
        let mut days = Vec::new();
        for i in 0..df.height() {
            let Some(k) = keys[i].map(|k| k as usize) else { continue };
            if !p.category[k].as_deref().is_some_and(|x| categories.iter().any(|c| c == x)) {
                continue;
            }
            let (Some(from), Some(to)) = (published[i].and_then(day), deadline[i].and_then(day)) else { continue };
            days.extend([from, to]);
            let open = ctx.calendar.working_days_between(from, to);
            if to < from || open >= min {
                continue;
            }
            let pid = p.id[k].as_str();
            let agent = agents.get(&k);
            let message = Text::new(
                format!("项目 {pid} 于 {from} 发布，{to} 截止投标，其间只有 {open} 个工作日，招标文件提供期限不足 {min} 个工作日"),
                format!("project {pid} was published on {from} and closed on {to}: {open} working days, fewer than the {min} the documents must be offered"),
            );
            let subject = agent.map_or_else(|| Subject::project(pid), |a| Subject::new(SubjectKind::Agent, a.as_str()));
            out.push(
                Finding::new(c, Severity::Violation, subject, message)
                    .in_project(pid)
                    .with_points(if agent.is_some() { points } else { 0.0 })
                    .with_threshold("min_working_days", u64::from(min))
                    .with_threshold("working_days", u64::from(open))
                    .with_evidence(
                        Evidence::new("projects", p.row[k])
                            .with("project_id", pid)
                            .with("published_at", published[i].map(frame::fmt_millis))
                            .with("bid_deadline_at", deadline[i].map(frame::fmt_millis)),
                    ),
            );
        }
        out.notes.extend(uncovered_note(ctx.calendar, days));
        out
    }
}
