//! DEP-001/DEP-002 保证金退还期限 — a bid deposit refunded late.
//!
//! Works (DEP-001, 《招标投标法实施条例》第五十七条第二款): the tenderer refunds every bid deposit, with
//! interest, at the latest 5 days after the written contract is signed (calendar days).
//! Procurement (DEP-002, 《政府采购法实施条例》第三十三条第二款): losing suppliers' deposits within 5
//! working days of the award notice, the winner's within 5 working days of the contract.
//! One type serves both: the clock, the day kind and the category are what differ.

use bidwatch_ingest::TableName;
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, Text};
use chrono::{Days, NaiveDate};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::deadline::{day, deposits, uncovered_note};

/// Which statute's clock a rule applies.
#[derive(Debug)]
pub struct DepositRefund {
    pub code: &'static str,
    pub category: &'static str,
    /// Working days (procurement) or calendar days (works).
    pub working_days: bool,
    /// The losers' clock starts at the award notice (procurement) or at the contract (works).
    pub losers_from_notice: bool,
}

pub const WORKS: DepositRefund = DepositRefund { code: "DEP-001", category: "engineering", working_days: false, losers_from_notice: false };

const THRESHOLDS: &[Threshold] =
    &[Threshold { key: "refund_days", default: "5", zh: "退还期限（天数）", en: "days allowed for the refund" }];

impl Rule for DepositRefund {
    fn code(&self) -> RuleCode {
        code(self.code)
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Deposits, &["refunded_at"]), (TableName::Projects, &["category"])]
    }

    fn requires_any(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Projects, &["contract_signed_at", "award_notice_at"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let days = ctx.policy.f64(self.code(), "refund_days", 5.0) as u32;
        let p = &ctx.views.projects;
        let mut out = RuleOutput::default();
        let mut counted: Vec<NaiveDate> = Vec::new();
        for d in deposits(ctx.ds) {
            if d.kind != "bid" || p.category.get(d.project).and_then(|c| c.as_deref()) != Some(self.category) {
                continue;
            }
            let Some(refunded) = d.refunded else { continue };
            let winner = ctx.views.bids[d.project].iter().any(|b| b.winner && b.bidder == d.bidder);
            let (start, from_zh, from_en) = if self.losers_from_notice && !winner {
                (p.award_notice_at[d.project], "中标通知书发出", "the award notice")
            } else {
                (p.contract_signed_at[d.project], "合同签订", "the contract")
            };
            let Some(start) = start.and_then(day) else { continue };
            let due = if self.working_days {
                counted.push(start);
                ctx.calendar.add_working_days(start, days)
            } else {
                start + Days::new(u64::from(days))
            };
            if refunded <= due {
                continue;
            }
            let pid = p.id[d.project].as_str();
            let unit = if self.working_days { ("个工作日", "working days") } else { ("日", "days") };
            let who = crate::rules::col::label_of(ctx, d.bidder);
            let message = Text::new(
                format!(
                    "项目 {pid}：{who} 的投标保证金 {} 元应在{from_zh}（{start}）后 {days} {}内退还（截止 {due}），实际 {refunded} 退还，逾期 {} 天",
                    bidwatch_model::Money(d.amount),
                    unit.0,
                    (refunded - due).num_days()
                ),
                format!(
                    "project {pid}: {who}'s bid deposit of {} yuan was due back within {days} {} of {from_en} ({start}), by {due}; refunded {refunded}, {} days late",
                    bidwatch_model::Money(d.amount),
                    unit.1,
                    (refunded - due).num_days()
                ),
            );
            out.push(
                Finding::new(self.code(), Severity::Violation, Subject::project(pid), message)
                    .in_project(pid)
                    .with_members(vec![d.bidder.to_owned()])
                    .with_threshold("refund_days", u64::from(days))
                    .with_threshold("due", due.to_string())
                    .with_threshold("days_late", (refunded - due).num_days())
                    .with_evidence(
                        Evidence::new("deposits", d.row)
                            .with("bidder_id", d.bidder)
                            .with("amount", d.amount)
                            .with("refunded_at", refunded.to_string()),
                    )
                    .with_evidence(Evidence::new("projects", p.row[d.project]).with("project_id", pid)),
            );
        }
        out.notes.extend(uncovered_note(ctx.calendar, counted));
        out
    }
}
