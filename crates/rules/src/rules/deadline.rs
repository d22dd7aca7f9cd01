//! What the deadline rules (CMP, DEP, INT) share: local times as days, the rows of `complaints` and
//! `deposits`, and the note a run gives when a date falls outside the holiday calendar.

use std::collections::BTreeSet;

use bidwatch_ingest::{frame, Dataset, TableName};
use bidwatch_model::{Calendar, Text};
use chrono::NaiveDate;

/// The local day of a time stored as milliseconds.
pub(crate) fn day(ms: i64) -> Option<NaiveDate> {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.naive_utc().date())
}

/// One row of `complaints`.
#[derive(Debug, Clone)]
pub(crate) struct Complaint {
    pub id: String,
    pub project: usize,
    pub kind: String,
    pub received: NaiveDate,
    pub accepted: Option<NaiveDate>,
    pub decided: Option<NaiveDate>,
    pub excluded_days: u32,
    pub row: u64,
}

pub(crate) fn complaints(ds: &Dataset) -> Vec<Complaint> {
    let Some(df) = ds.frame(TableName::Complaints) else { return Vec::new() };
    let id = frame::strs(df, "complaint_id");
    let project = frame::keys(df, "project_id");
    let kind = frame::strs(df, "kind");
    let received = frame::i64s(df, "received_at");
    let accepted = frame::i64s(df, "accepted_at");
    let decided = frame::i64s(df, "decided_at");
    let excluded = frame::i64s(df, "excluded_days");
    let rows = frame::rows(df);
    (0..df.height())
        .filter_map(|i| {
            Some(Complaint {
                id: id[i].clone()?,
                project: project[i]? as usize,
                kind: kind[i].clone()?,
                received: day(received[i]?)?,
                accepted: accepted[i].and_then(day),
                decided: decided[i].and_then(day),
                excluded_days: excluded[i].unwrap_or(0).clamp(0, 3650) as u32,
                row: rows[i],
            })
        })
        .collect()
}

/// One row of `deposits`; its text borrows the data set's.
#[derive(Debug, Clone)]
pub(crate) struct Deposit<'a> {
    pub project: usize,
    pub bidder: &'a str,
    pub kind: &'a str,
    pub amount: f64,
    pub refunded: Option<NaiveDate>,
    pub row: u64,
}

/// Every row of `deposits` with a project, a bidder, a kind and an amount, read as it is asked
/// for, its text borrowed: the rows collected, each with a copy of its bidder id and kind, were
/// ≈ 0.4 GB for the 1.7 M deposits of 10M bids, made by each of the three DEP rules, beside
/// FCR-007 at the first pass's peak.
pub(crate) fn deposits(ds: &Dataset) -> impl Iterator<Item = Deposit<'_>> + '_ {
    let df = ds.frame(TableName::Deposits);
    let amount = df.map(|df| frame::f64s(df, "amount")).unwrap_or_default();
    let refunded = df.map(|df| frame::i64s(df, "refunded_at")).unwrap_or_default();
    let cells = df.into_iter().flat_map(|df| {
        frame::key_iter(df, "project_id").zip(frame::str_iter(df, "bidder_id")).zip(frame::str_iter(df, "kind")).zip(frame::row_iter(df))
    });
    cells.enumerate().filter_map(move |(i, (((project, bidder), kind), row))| {
        Some(Deposit {
            project: project? as usize,
            bidder: bidder?,
            kind: kind?,
            amount: amount[i]?,
            refunded: refunded[i].and_then(day),
            row,
        })
    })
}

/// The years a rule counted working days in that the calendar does not cover, as a note.
pub(crate) fn uncovered_note(calendar: &Calendar, days: impl IntoIterator<Item = NaiveDate>) -> Option<Text> {
    let years: BTreeSet<i32> = days.into_iter().filter(|d| !calendar.covers(*d)).map(|d| chrono::Datelike::year(&d)).collect();
    if years.is_empty() {
        return None;
    }
    let list = years.iter().map(i32::to_string).collect::<Vec<_>>().join(", ");
    Some(Text::new(
        format!("节假日安排未收录 {list} 年（rules/calendar.toml），这些年份只按周末计算工作日"),
        format!("the holiday calendar (rules/calendar.toml) has no schedule for {list}: working days there skip weekends only"),
    ))
}

/// A step of a complaint's handling that came later than its deadline, as a finding on the project.
pub(crate) struct Step<'a> {
    pub code: bidwatch_model::RuleCode,
    pub complaint: &'a Complaint,
    /// "受理" / "acceptance"
    pub what: (&'a str, &'a str),
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Working days allowed, excluded days included.
    pub allowed: u32,
}

impl Step<'_> {
    pub(crate) fn late(&self, ctx: &crate::registry::Context<'_>) -> Option<bidwatch_model::Finding> {
        use bidwatch_model::{Evidence, Finding, Severity, Subject};
        let due = ctx.calendar.add_working_days(self.from, self.allowed);
        if self.to <= due {
            return None;
        }
        let c = self.complaint;
        let pid = ctx.views.projects.id.get(c.project)?.as_str();
        let used = ctx.calendar.working_days_between(self.from, self.to);
        let kind = |zh: bool| match (c.kind.as_str(), zh) {
            ("objection", true) => "异议/质疑",
            ("objection", false) => "objection",
            (_, true) => "投诉",
            (_, false) => "complaint",
        };
        let message = Text::new(
            format!(
                "项目 {pid} 的{} {}：{}期限为 {} 个工作日（{} 起算，截止 {due}），实际 {} 完成，用了 {used} 个工作日",
                kind(true),
                c.id,
                self.what.0,
                self.allowed,
                self.from,
                self.to
            ),
            format!(
                "{} {} on project {pid}: {} was due within {} working days of {} (by {due}) and came on {}, after {used} working days",
                kind(false),
                c.id,
                self.what.1,
                self.allowed,
                self.from,
                self.to
            ),
        );
        Some(
            Finding::new(self.code, Severity::Violation, Subject::project(pid), message)
                .in_project(pid)
                .with_threshold("allowed_working_days", u64::from(self.allowed))
                .with_threshold("excluded_days", u64::from(c.excluded_days))
                .with_threshold("working_days_used", u64::from(used))
                .with_threshold("due", due.to_string())
                .with_evidence(
                    Evidence::new("complaints", c.row)
                        .with("complaint_id", c.id.as_str())
                        .with("kind", c.kind.as_str())
                        .with("received_at", c.received.to_string())
                        .with("accepted_at", c.accepted.map(|d| d.to_string()))
                        .with("decided_at", c.decided.map(|d| d.to_string())),
                ),
        )
    }
}
