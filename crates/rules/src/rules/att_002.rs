//! ATT-002 关键岗位月到岗率不达标 — a project manager or chief supervisor on site too few days in a
//! month; and the bureau's collective-interview lists.
//!
//! The real-name attendance rules of the provinces (≥ 1 valid punch a day for project managers and
//! chief supervisors). For every `assignments` row and every month of it up to the run's day (the
//! newest punch): the days scheduled are the working days (`rules/calendar.toml`) of the assignment
//! in that month, less approved leave; the days present are the distinct days with a punch on that
//! project. rate = present / scheduled, judged when at least `min_days` (5) are scheduled.
//!
//! Each finding names the list of the bureau's collective interview (集体约谈) it belongs to:
//! - `not_started` 未开始记录: the project has no punch from anyone, `grace_days` (7) after the
//!   first key person started — one finding per project (violation);
//! - `not_recorded` 应记未记: the person has no punch in a month the project records (violation);
//! - `below_standard` 低于标准: a month ended below `fail_rate` (0.6, violation) or `warn_rate` (0.8,
//!   signal, 预警);
//! - `below_progress` 低于进度: the current month so far below `warn_rate` (signal).
//!
//! ATT-004/005 findings form the fifth list, `fraud` 考勤造假.

use std::collections::{BTreeMap, BTreeSet};

use bidwatch_ingest::TableName;
use bidwatch_model::text::mask;
use bidwatch_model::{Finding, RuleCode, Severity, Subject, SubjectKind, Text};
use chrono::{Datelike, Days, NaiveDate};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::attendance::{leave, role_label};

#[derive(Debug)]
pub struct MonthlyRate;

const THRESHOLDS: &[Threshold] = &[
    Threshold { key: "warn_rate", default: "0.8", zh: "预警到岗率（低于即预警）", en: "warning rate (below it: a warning)" },
    Threshold { key: "fail_rate", default: "0.6", zh: "不达标到岗率（低于即通报）", en: "failing rate (below it: a notice)" },
    Threshold {
        key: "min_days", default: "5", zh: "判断一个月所需的最少应到天数", en: "fewest scheduled days to judge a month"
    },
    Threshold {
        key: "grace_days",
        default: "7",
        zh: "进场后开始考勤记录的宽限天数",
        en: "days after the start before recording must have begun",
    },
    Threshold {
        key: "points", default: "0", zh: "每次不达标扣分（0 = 仅作证据）", en: "points per failing month (0 = evidence only)"
    },
];

fn month_end(d: NaiveDate) -> NaiveDate {
    let first = d.with_day(1).unwrap_or(d);
    first.checked_add_months(chrono::Months::new(1)).and_then(|n| n.checked_sub_days(Days::new(1))).unwrap_or(d)
}

impl Rule for MonthlyRate {
    fn code(&self) -> RuleCode {
        code("ATT-002")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Assignments, &[]), (TableName::Attendance, &[])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let c = self.code();
        let warn = ctx.policy.f64(c, "warn_rate", 0.8);
        let fail = ctx.policy.f64(c, "fail_rate", 0.6);
        let min_days = ctx.policy.f64(c, "min_days", 5.0) as u32;
        let grace = ctx.policy.f64(c, "grace_days", 7.0) as u64;
        let points = ctx.policy.f64(c, "points", 0.0);
        let mut out = RuleOutput::default();
        let all = &ctx.views.punches;
        let Some(today) = all.iter().map(|p| p.day).max() else { return out };
        let leave = leave(ctx.ds);
        // (project, person) → days with a punch; projects with any punch
        let mut present: BTreeMap<(usize, &str), BTreeSet<NaiveDate>> = BTreeMap::new();
        let mut recording: BTreeSet<usize> = BTreeSet::new();
        for p in all {
            present.entry((p.project, p.person)).or_default().insert(p.day);
            recording.insert(p.project);
        }
        let list = &ctx.views.assignments;
        let pid = |k: usize| ctx.views.projects.id[k].as_str();
        // projects that never started recording
        let mut silent: BTreeMap<usize, Vec<&crate::rules::attendance::Assignment>> = BTreeMap::new();
        for a in list.iter().filter(|a| !recording.contains(&a.project)) {
            if a.start.checked_add_days(Days::new(grace)).is_some_and(|d| d <= today) && a.end.is_none_or(|e| e >= a.start) {
                silent.entry(a.project).or_default().push(a);
            }
        }
        for (k, people) in &silent {
            let first = people.iter().map(|a| a.start).min().unwrap_or(today);
            let message = Text::new(
                format!("项目 {} 关键岗位人员自 {first} 进场，截至 {today} 没有任何考勤记录（未开始记录）", pid(*k)),
                format!(
                    "project {}: key staff started on {first} and by {today} no attendance is on record (recording not started)",
                    pid(*k)
                ),
            );
            let mut f = Finding::new(c, Severity::Violation, Subject::project(pid(*k)), message)
                .in_project(pid(*k))
                .with_threshold("list", "not_started")
                .with_threshold("as_of", today.to_string());
            for a in people {
                f = f.with_evidence(a.evidence(pid(*k)));
            }
            out.push(f);
        }
        for a in list.iter().filter(|a| recording.contains(&a.project)) {
            let last = a.end.map_or(today, |e| e.min(today));
            let mut m = a.start.with_day(1).unwrap_or(a.start);
            let days = present.get(&(a.project, a.person.as_str()));
            let off = leave.get(&(a.project, a.person.clone()));
            while m <= last {
                let (from, to) = (a.start.max(m), month_end(m).min(last));
                m = month_end(m).succ_opt().unwrap_or(NaiveDate::MAX);
                let working: Vec<NaiveDate> =
                    from.iter_days().take_while(|d| *d <= to).filter(|d| ctx.calendar.is_working_day(*d)).collect();
                let on_leave = off.map_or(0, |v| v.iter().filter(|(d, _)| working.contains(d)).count());
                let scheduled = working.len().saturating_sub(on_leave) as u32;
                if scheduled < min_days {
                    continue;
                }
                let here: Vec<NaiveDate> = days.map(|s| s.range(from..=to).copied().collect()).unwrap_or_default();
                let rate = (here.len() as f64 / f64::from(scheduled)).min(1.0);
                let current = to == today && month_end(to) != to;
                let (list_name, severity) = if here.is_empty() {
                    ("not_recorded", Severity::Violation)
                } else if current && rate < warn {
                    ("below_progress", Severity::Signal)
                } else if !current && rate < fail {
                    ("below_standard", Severity::Violation)
                } else if !current && rate < warn {
                    ("below_standard", Severity::Signal)
                } else {
                    continue;
                };
                let who = mask(&a.person);
                let (rz, re) = (role_label(&a.role, true), role_label(&a.role, false));
                let month = format!("{}-{:02}", from.year(), from.month());
                let message = Text::new(
                    format!(
                        "项目 {} {rz} {who} {month}（{from} 至 {to}）应到 {scheduled} 天，实到 {} 天，到岗率 {:.0}%（预警线 {:.0}%，不达标线 {:.0}%）",
                        pid(a.project),
                        here.len(),
                        rate * 100.0,
                        warn * 100.0,
                        fail * 100.0
                    ),
                    format!(
                        "project {}: {re} {who} in {month} ({from} to {to}) was due {scheduled} days and was on site {}: {:.0}% (warning below {:.0}%, failing below {:.0}%)",
                        pid(a.project),
                        here.len(),
                        rate * 100.0,
                        warn * 100.0,
                        fail * 100.0
                    ),
                );
                let mut f = Finding::new(c, severity, Subject::new(SubjectKind::Person, a.person.as_str()), message)
                    .in_project(pid(a.project))
                    .with_score(1.0 - rate)
                    .with_threshold("list", list_name)
                    .with_threshold("month", month)
                    .with_threshold("scheduled_days", u64::from(scheduled))
                    .with_threshold("present_days", here.len() as u64)
                    .with_threshold("leave_days", on_leave as u64)
                    .with_threshold("rate", (rate * 1000.0).round() / 1000.0)
                    .with_evidence(a.evidence(pid(a.project)));
                if severity == Severity::Violation && list_name == "below_standard" {
                    f = f.with_points(points);
                }
                for (d, row) in off.into_iter().flatten().filter(|(d, _)| working.contains(d)) {
                    f = f.with_evidence(
                        bidwatch_model::Evidence::new("leave", *row).with("person_id", a.person.as_str()).with("date", d.to_string()),
                    );
                }
                out.push(f);
            }
        }
        out
    }
}
