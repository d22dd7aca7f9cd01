//! AGT-004 异议答复超时 — an objection to an engineering tender answered late, or the tender going on
//! before the answer.
//!
//! 《招标投标法实施条例》第二十二条: the tenderer (through its agent) answers an objection within 3
//! days of receiving it, and pauses the tendering until it has answered; 第五十四条第二款 the same
//! for objections to the candidates. For each `complaints` row of kind `objection` on an
//! engineering project: `decided_at` more than `answer_days` (3, calendar) days after
//! `received_at` → violation; the opening held after the objection arrived and before its answer
//! (not paused) → violation. The subject is the project's agent (the tenderer when no agent is
//! named), deducting `points` (5). Procurement challenges are CMP-002's.

use bidwatch_ingest::{frame::fmt_millis, TableName};
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, SubjectKind, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::deadline::{complaints, day};

#[derive(Debug)]
pub struct LateObjectionAnswer;

const THRESHOLDS: &[Threshold] = &[
    Threshold {
        key: "answer_days", default: "3", zh: "答复异议的期限（自然日）", en: "days to answer an objection (calendar)"
    },
    Threshold { key: "points", default: "5", zh: "代理机构每次扣分", en: "points deducted from the agent per objection" },
    Threshold { key: "categories", default: "[\"engineering\"]", zh: "适用的交易类型", en: "categories the article applies to" },
];

impl Rule for LateObjectionAnswer {
    fn code(&self) -> RuleCode {
        code("AGT-004")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Complaints, &["received_at", "decided_at"]), (TableName::Projects, &["category"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let c = self.code();
        let days = ctx.policy.f64(c, "answer_days", 3.0) as i64;
        let points = ctx.policy.f64(c, "points", 5.0);
        let categories = ctx.policy.strings(c, "categories", &["engineering"]);
        let p = &ctx.views.projects;
        let agents = &ctx.views.agents;
        let mut out = RuleOutput::default();
        for o in complaints(ctx.ds).iter().filter(|o| o.kind == "objection") {
            if !p.category.get(o.project).and_then(|x| x.as_deref()).is_some_and(|x| categories.iter().any(|k| k == x)) {
                continue;
            }
            let pid = p.id[o.project].as_str();
            let agent = agents.get(&o.project);
            let late = o.decided.map(|d| (d - o.received).num_days()).filter(|n| *n > days);
            // the opening went ahead between the objection and its answer
            let opened = p.opened_at[o.project].filter(|t| day(*t).is_some_and(|d| d > o.received && o.decided.is_none_or(|a| d < a)));
            if late.is_none() && opened.is_none() {
                continue;
            }
            let mut zh = Vec::new();
            let mut en = Vec::new();
            if let Some(n) = late {
                zh.push(format!(
                    "{} 收到异议，{} 才答复，用时 {n} 日（期限 {days} 日）",
                    o.received,
                    o.decided.map(|d| d.to_string()).unwrap_or_default()
                ));
                en.push(format!(
                    "received on {}, answered on {} after {n} days (allowed {days})",
                    o.received,
                    o.decided.map(|d| d.to_string()).unwrap_or_default()
                ));
            }
            if let Some(t) = opened {
                zh.push(format!("答复前于 {} 开标，未暂停招标投标活动", fmt_millis(t)));
                en.push(format!("the bids were opened on {} before the answer: the tender was not paused", fmt_millis(t)));
            }
            let message = Text::new(
                format!("项目 {pid} 的异议 {}：{}", o.id, zh.join("；")),
                format!("objection {} on project {pid}: {}", o.id, en.join("; ")),
            );
            let subject = agent.map_or_else(|| Subject::project(pid), |a| Subject::new(SubjectKind::Agent, a.as_str()));
            out.push(
                Finding::new(c, Severity::Violation, subject, message)
                    .in_project(pid)
                    .with_points(if agent.is_some() { points } else { 0.0 })
                    .with_threshold("answer_days", days as u64)
                    .with_evidence(
                        Evidence::new("complaints", o.row)
                            .with("complaint_id", o.id.as_str())
                            .with("received_at", o.received.to_string())
                            .with("decided_at", o.decided.map(|d| d.to_string())),
                    )
                    .with_evidence(
                        Evidence::new("projects", p.row[o.project])
                            .with("project_id", pid)
                            .with("opened_at", p.opened_at[o.project].map(fmt_millis)),
                    ),
            );
        }
        out
    }
}
