//! ATT-003 关键岗位请假超限 — a key person on leave more days than the rules allow.
//!
//! The provinces' key-position rules (e.g. Heilongjiang: at most 6 days of leave a month and 20 a
//! year). Approved `leave` days of one person, over all projects, counted by calendar month and by
//! calendar year: more than `month_days` (6) in a month or `year_days` (20) in a year is a signal,
//! one finding per month or year over the limit.

use std::collections::BTreeMap;

use bidwatch_ingest::TableName;
use bidwatch_model::text::mask;
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, SubjectKind, Text};
use chrono::{Datelike, NaiveDate};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::attendance::leave;

/// Leave days of one period: the day, and the (project, row) it was taken on.
type Days<'a> = Vec<(&'a NaiveDate, &'a (usize, u64))>;

#[derive(Debug)]
pub struct ExcessLeave;

const THRESHOLDS: &[Threshold] = &[
    Threshold { key: "month_days", default: "6", zh: "每月最多请假天数", en: "most leave days in a month" },
    Threshold { key: "year_days", default: "20", zh: "每年最多请假天数", en: "most leave days in a year" },
];

impl Rule for ExcessLeave {
    fn code(&self) -> RuleCode {
        code("ATT-003")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Leave, &["date"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let c = self.code();
        let month_max = ctx.policy.f64(c, "month_days", 6.0) as usize;
        let year_max = ctx.policy.f64(c, "year_days", 20.0) as usize;
        // person → distinct days (with project and row)
        let mut days: BTreeMap<String, BTreeMap<NaiveDate, (usize, u64)>> = BTreeMap::new();
        for ((k, person), list) in leave(ctx.ds) {
            for (d, row) in list {
                days.entry(person.clone()).or_default().entry(d).or_insert((k, row));
            }
        }
        let mut out = RuleOutput::default();
        for (person, list) in &days {
            let mut months: BTreeMap<(i32, u32), Days<'_>> = BTreeMap::new();
            let mut years: BTreeMap<i32, Days<'_>> = BTreeMap::new();
            for (d, v) in list {
                months.entry((d.year(), d.month())).or_default().push((d, v));
                years.entry(d.year()).or_default().push((d, v));
            }
            let periods = months
                .into_iter()
                .filter(|(_, v)| v.len() > month_max)
                .map(|((y, m), v)| (format!("{y}-{m:02}"), month_max, v))
                .chain(years.into_iter().filter(|(_, v)| v.len() > year_max).map(|(y, v)| (y.to_string(), year_max, v)));
            for (period, max, v) in periods {
                let who = mask(person);
                let message = Text::new(
                    format!("关键岗位人员 {who} 在 {period} 请假 {} 天，超过 {max} 天", v.len()),
                    format!("key person {who} was on leave {} days in {period}, more than {max}", v.len()),
                );
                let (k, _) = v[0].1;
                let pid = ctx.views.projects.id[*k].as_str();
                let mut f = Finding::new(c, Severity::Signal, Subject::new(SubjectKind::Person, person.as_str()), message)
                    .in_project(pid)
                    .with_threshold("period", period)
                    .with_threshold("leave_days", v.len() as u64)
                    .with_threshold("limit", max as u64);
                for (d, (k, row)) in v {
                    f = f.with_evidence(
                        Evidence::new("leave", *row)
                            .with("project_id", ctx.views.projects.id[*k].as_str())
                            .with("person_id", person.as_str())
                            .with("date", d.to_string()),
                    );
                }
                out.push(f);
            }
        }
        out
    }
}
