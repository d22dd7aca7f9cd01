//! What the attendance rules (ATT) share: key-position assignments, punches and leave, with days as
//! `chrono` dates, and the "as of" day of a run (the newest punch: the data's own today, never the
//! wall clock).

use std::collections::BTreeMap;

use bidwatch_ingest::{frame, Dataset, TableName};
use chrono::NaiveDate;
use itertools::izip;

use crate::rules::deadline::day;

/// One row of `assignments`: a person in a key role on a project from `start` to `end` (open: still
/// there).
#[derive(Debug, Clone)]
pub(crate) struct Assignment {
    pub project: usize,
    pub person: String,
    pub role: String,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub row: u64,
}

impl Assignment {
    /// Active on `d`.
    pub fn on(&self, d: NaiveDate) -> bool {
        self.start <= d && self.end.is_none_or(|e| d <= e)
    }

    /// The days the two assignments share, if any.
    pub fn overlap(&self, o: &Assignment) -> Option<(NaiveDate, Option<NaiveDate>)> {
        let start = self.start.max(o.start);
        let end = match (self.end, o.end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        end.is_none_or(|e| start <= e).then_some((start, end))
    }

    pub fn evidence(&self, ctx_project_id: &str) -> bidwatch_model::Evidence {
        bidwatch_model::Evidence::new("assignments", self.row)
            .with("project_id", ctx_project_id)
            .with("person_id", self.person.as_str())
            .with("role", self.role.as_str())
            .with("start_date", self.start.to_string())
            .with("end_date", self.end.map(|d| d.to_string()))
    }
}

fn date(days: Option<i64>) -> Option<NaiveDate> {
    days.and_then(|d| day(d * 86_400_000))
}

pub(crate) fn assignments(ds: &Dataset) -> Vec<Assignment> {
    let Some(df) = ds.frame(TableName::Assignments) else { return Vec::new() };
    let project = frame::keys(df, "project_id");
    let person = frame::strs(df, "person_id");
    let role = frame::strs(df, "role");
    let start = frame::i64s(df, "start_date");
    let end = frame::i64s(df, "end_date");
    let rows = frame::rows(df);
    (0..df.height())
        .filter_map(|i| {
            Some(Assignment {
                project: project[i]? as usize,
                person: person[i].clone()?,
                role: role[i].clone()?,
                start: date(start[i])?,
                end: date(end[i]),
                row: rows[i],
            })
        })
        .collect()
}

/// One row of `attendance`; its text borrows the data set's.
#[derive(Debug, Clone)]
pub(crate) struct Punch<'a> {
    pub project: usize,
    pub person: &'a str,
    /// The person's key (`Dataset::persons`).
    pub person_key: u32,
    /// Milliseconds, local time.
    pub at: i64,
    pub day: NaiveDate,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub photo: Option<&'a str>,
    pub device: Option<&'a str>,
    pub row: u32,
}

impl Punch<'_> {
    pub fn evidence(&self, project_id: &str) -> bidwatch_model::Evidence {
        bidwatch_model::Evidence::new("attendance", u64::from(self.row))
            .with("project_id", project_id)
            .with("person_id", self.person)
            .with("punched_at", frame::fmt_millis(self.at))
    }
}

/// Every punch, each person's together in order of time (ties by row), the people in the order
/// of their keys (`Dataset::persons`, given in the order ingest met them).
///
/// What the rules need is a person's punches side by side and in time (ATT-005's consecutive
/// punches); a rule that reports across people puts them in an order of its own (ATT-004 by time,
/// ATT-002 by project and id). Sorted by the ids as text, the 3 M punches at 10M bids cost a string
/// comparison a step, each a miss in memory; by their keys, a comparison of numbers.
pub(crate) fn punches(ds: &Dataset) -> Vec<Punch<'_>> {
    let Some(df) = ds.frame(TableName::Attendance) else { return Vec::new() };
    let at = frame::i64s(df, "punched_at");
    let lat = frame::f64s(df, "lat");
    let lon = frame::f64s(df, "lon");
    let rows = frame::rows32(df);
    let cells = izip!(
        frame::key_iter(df, "project_id"),
        frame::key_iter(df, "person_id"),
        frame::str_iter(df, "photo_hash"),
        frame::str_iter(df, "device_id")
    );
    // sized once: grown by doubling, each step copied the punches into fresh memory
    let mut out: Vec<Punch<'_>> = Vec::with_capacity(df.height());
    for (i, (project, person, photo, device)) in cells.enumerate() {
        let (Some(project), Some(key), Some(at)) = (project, person, at[i]) else { continue };
        let (Some(person), Some(day)) = (ds.persons.resolve(key), day(at)) else { continue };
        let (lat, lon, row) = (lat[i], lon[i], rows[i]);
        out.push(Punch { project: project as usize, person, person_key: key, at, day, lat, lon, photo, device, row });
    }
    // rows are distinct: an unstable sort gives the one order
    out.sort_unstable_by_key(|p| (p.person_key, p.at, p.row));
    out
}

/// The bids' project managers that `wanted` keeps (asked with the project's key and the person's):
/// (project key, bidder, person, row) of every `bid_personnel` row in the role, read a cell at a
/// time (the personnel of every bid are 14 million rows at 10M bids). The role is judged once
/// for each of its column's values, not once a row, and only a row kept reads its ids as text.
pub(crate) fn named_managers<'a>(
    ds: &'a Dataset,
    wanted: impl Fn(usize, u32) -> bool + 'a,
) -> Box<dyn Iterator<Item = (usize, &'a str, &'a str, u64)> + 'a> {
    const ROLE: &str = "project_manager";
    let Some(df) = ds.frame(TableName::BidPersonnel) else { return Box::new(std::iter::empty()) };
    let keys = izip!(frame::key_iter(df, "project_id"), frame::key_iter(df, "bidder_id"), frame::key_iter(df, "person_id"));
    let resolve = move |project: Option<u32>, bidder: Option<u32>, person: Option<u32>, row: u64| {
        let (project, person) = (project? as usize, person?);
        wanted(project, person).then_some(())?;
        Some((project, ds.orgs.resolve(bidder?)?, ds.persons.resolve(person)?, row))
    };
    match frame::codes(df, "role") {
        Some((codes, text)) => {
            let mut judged: Vec<Option<bool>> = Vec::new();
            let mut is_role = move |code: u32| {
                let i = code as usize;
                if judged.len() <= i {
                    judged.resize(i + 1, None);
                }
                *judged[i].get_or_insert_with(|| text(code) == Some(ROLE))
            };
            let cells = izip!(keys, codes, frame::row_iter(df));
            Box::new(cells.filter_map(move |((project, bidder, person), role, row)| {
                is_role(role?).then_some(())?;
                resolve(project, bidder, person, row)
            }))
        }
        None => {
            let cells = izip!(keys, frame::str_iter(df, "role"), frame::row_iter(df));
            Box::new(cells.filter_map(move |((project, bidder, person), role, row)| {
                (role == Some(ROLE)).then_some(())?;
                resolve(project, bidder, person, row)
            }))
        }
    }
}

/// Approved leave days by (project, person). A row without `approved` counts as approved.
pub(crate) fn leave(ds: &Dataset) -> BTreeMap<(usize, String), Vec<(NaiveDate, u64)>> {
    let mut out: BTreeMap<(usize, String), Vec<(NaiveDate, u64)>> = BTreeMap::new();
    let Some(df) = ds.frame(TableName::Leave) else { return out };
    let project = frame::keys(df, "project_id");
    let person = frame::strs(df, "person_id");
    let d = frame::i64s(df, "date");
    let approved = frame::bools(df, "approved");
    let rows = frame::rows(df);
    for i in 0..df.height() {
        if approved[i] == Some(false) {
            continue;
        }
        if let (Some(k), Some(p), Some(d)) = (project[i], person[i].clone(), date(d[i])) {
            out.entry((k as usize, p)).or_default().push((d, rows[i]));
        }
    }
    for v in out.values_mut() {
        v.sort_unstable();
    }
    out
}

/// Great-circle distance in kilometres.
pub(crate) fn km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    6371.0 * 2.0 * a.sqrt().min(1.0).asin()
}

/// The label of a key role.
pub(crate) fn role_label(role: &str, zh: bool) -> &str {
    match (role, zh) {
        ("project_manager", true) => "项目经理",
        ("chief_supervisor", true) => "总监理工程师",
        ("project_manager", false) => "project manager",
        ("chief_supervisor", false) => "chief supervisor",
        (r, _) => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_between_two_county_towns() {
        // Beijing Tiananmen to Tianjin station: about 110 km
        let d = km(39.9087, 116.3975, 39.1364, 117.2108);
        assert!((105.0..115.0).contains(&d), "{d}");
        assert_eq!(km(30.0, 120.0, 30.0, 120.0), 0.0);
    }

    /// Punches come each person's together and in time, whatever the order of their rows; two at
    /// the same time (on two projects) in row order. ATT-005 reads consecutive punches as one
    /// person's movements.
    #[test]
    fn punches_are_each_person_s_in_time() {
        let dir = std::env::temp_dir().join(format!("bidwatch-rules-punches-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).expect("a fixture file");
        write("projects.csv", "project_id,name,category\nP1,一标段,engineering\nP2,二标段,engineering\n");
        write("bids.csv", "project_id,bidder_id,price,status,rank,is_winner\nP1,B1,5200000,valid,1,true\nP2,B2,5300000,valid,1,true\n");
        // rows 2..=7: Y's and X's punches interleaved, each out of time order
        write(
            "attendance.csv",
            "project_id,person_id,punched_at,lat,lon\n\
             P1,330281198001010115,2025-03-03T17:00:00,30.0,120.0\n\
             P1,110101199002023334,2025-03-03T08:00:00,31.0,121.0\n\
             P2,330281198001010115,2025-03-03T09:00:00,30.5,120.5\n\
             P1,330281198001010115,2025-03-03T09:00:00,30.0,120.0\n\
             P2,110101199002023334,2025-03-02T18:00:00,31.5,121.5\n\
             P2,110101199002023334,2025-03-03T12:00:00,31.5,121.5\n",
        );
        let ds = bidwatch_ingest::load(&dir).expect("the fixture loads");
        let _ = std::fs::remove_dir_all(&dir);
        let got: Vec<(&str, u32)> = punches(&ds).iter().map(|p| (p.person, p.row)).collect();
        let (x, y) = ("330281198001010115", "110101199002023334");
        // X's key comes first: ingest met X first
        assert_eq!(got, [(x, 4), (x, 5), (x, 2), (y, 6), (y, 3), (y, 7)]);
    }

    #[test]
    fn overlap_of_open_and_closed_assignments() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("a date literal");
        let a = Assignment {
            project: 0,
            person: "X".into(),
            role: "project_manager".into(),
            start: d("2025-01-01"),
            end: Some(d("2025-06-30")),
            row: 1,
        };
        let b = Assignment { start: d("2025-06-01"), end: None, project: 1, row: 2, ..a.clone() };
        let c = Assignment { start: d("2025-07-01"), end: None, project: 2, row: 3, ..a.clone() };
        assert_eq!(a.overlap(&b), Some((d("2025-06-01"), Some(d("2025-06-30")))));
        assert_eq!(a.overlap(&c), None);
        assert_eq!(b.overlap(&c), Some((d("2025-07-01"), None)));
    }
}
