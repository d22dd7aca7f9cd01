//! Working days (工作日) under China's public-holiday schedule.
//!
//! Statutory deadlines count working days: three to accept a complaint, thirty to decide it, five to
//! refund a procurement bid deposit. A working day is a Monday–Friday that is not a public holiday,
//! or a weekend day the State Council made a working day (调休上班). Each year's schedule is published
//! by the General Office of the State Council (国务院办公厅关于 20XX 年部分节假日安排的通知) and is data
//! here (`rules/calendar.toml`), so a bureau adds a year without a new build.
//!
//! Counting convention of the deadlines: the day of the event does not count; "within n working
//! days" of day d means on or before [`Calendar::add_working_days`]`(d, n)`.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
    years: BTreeSet<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("calendar {year}: `{value}` is not a date (YYYY-MM-DD) or a range (YYYY-MM-DD..YYYY-MM-DD) within the year")]
pub struct CalendarError {
    pub year: i32,
    pub value: String,
}

impl Calendar {
    /// Adds one year's schedule: holidays and make-up working days as dates or inclusive ranges
    /// `YYYY-MM-DD..YYYY-MM-DD`. A holiday may fall in the neighbouring year (New Year's Eve).
    pub fn add_year(&mut self, year: i32, holidays: &[String], workdays: &[String]) -> Result<(), CalendarError> {
        for (list, into) in [(holidays, &mut self.holidays), (workdays, &mut self.workdays)] {
            for v in list {
                let bad = || CalendarError { year, value: v.clone() };
                let (a, b) = match v.split_once("..") {
                    Some((a, b)) => (a.trim(), b.trim()),
                    None => (v.trim(), v.trim()),
                };
                let a = NaiveDate::parse_from_str(a, "%Y-%m-%d").map_err(|_| bad())?;
                let b = NaiveDate::parse_from_str(b, "%Y-%m-%d").map_err(|_| bad())?;
                if b < a || (a.year() - year).abs() > 1 || (b - a).num_days() > 31 {
                    return Err(bad());
                }
                let mut d = a;
                while d <= b {
                    into.insert(d);
                    d = d + Days::new(1);
                }
            }
        }
        self.years.insert(year);
        Ok(())
    }

    /// Whether the year's schedule is known (outside it only weekends are days off).
    pub fn covers(&self, d: NaiveDate) -> bool {
        self.years.contains(&d.year())
    }

    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.workdays.contains(&d) {
            return true;
        }
        if self.holidays.contains(&d) {
            return false;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The n-th working day after `d` (`d` itself does not count); `d` for n = 0.
    pub fn add_working_days(&self, d: NaiveDate, n: u32) -> NaiveDate {
        let mut day = d;
        let mut left = n;
        while left > 0 {
            day = day + Days::new(1);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days after `a` up to and including `b` (0 when b ≤ a).
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> u32 {
        let mut n = 0;
        let mut day = a;
        while day < b {
            day = day + Days::new(1);
            if self.is_working_day(day) {
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    /// 2025 as published (国办发明电〔2024〕12号): Spring Festival 1-28..2-4 off, 1-26 (Sun) and 2-8 (Sat)
    /// worked; National Day and Mid-Autumn 10-1..10-8 off, 9-28 (Sun) and 10-11 (Sat) worked.
    fn cal2025() -> Calendar {
        let mut c = Calendar::default();
        c.add_year(
            2025,
            &strings(&[
                "2025-01-01",
                "2025-01-28..2025-02-04",
                "2025-04-04..2025-04-06",
                "2025-05-01..2025-05-05",
                "2025-05-31..2025-06-02",
                "2025-10-01..2025-10-08",
            ]),
            &strings(&["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]),
        )
        .expect("calendar");
        c
    }

    #[test]
    fn spring_festival_with_its_make_up_days() {
        let c = cal2025();
        assert!(c.is_working_day(d("2025-01-26")), "Sunday made a working day");
        assert!(!c.is_working_day(d("2025-01-28")));
        // Received Fri 2025-01-24: Sun 1-26 (1), Mon 1-27 (2), 1-28..2-4 off, Wed 2-5 (3).
        assert_eq!(c.add_working_days(d("2025-01-24"), 3), d("2025-02-05"));
        // Five working days from Mon 2-3 (a holiday): 2-5, 2-6, 2-7, Sat 2-8 (make-up), 2-10.
        assert_eq!(c.add_working_days(d("2025-02-03"), 5), d("2025-02-10"));
        assert_eq!(c.working_days_between(d("2025-01-24"), d("2025-02-05")), 3);
    }

    #[test]
    fn national_day_with_its_make_up_days() {
        let c = cal2025();
        // Thu 9-25: Fri 9-26 (1), Sun 9-28 (2, make-up), Mon 9-29 (3), Tue 9-30 (4), 10-1..10-8 off,
        // Thu 10-9 (5), Fri 10-10 (6), Sat 10-11 (7, make-up).
        assert_eq!(c.add_working_days(d("2025-09-25"), 7), d("2025-10-11"));
        assert_eq!(c.working_days_between(d("2025-09-30"), d("2025-10-08")), 0);
        assert!(c.covers(d("2025-06-01")) && !c.covers(d("2027-06-01")));
    }

    #[test]
    fn bad_dates_are_errors() {
        let mut c = Calendar::default();
        assert!(c.add_year(2025, &strings(&["2025-02-30"]), &[]).is_err());
        assert!(c.add_year(2025, &strings(&["2025-02-04..2025-01-28"]), &[]).is_err());
        assert!(c.add_year(2025, &strings(&["2031-01-01"]), &[]).is_err());
    }

    proptest! {
        #[test]
        fn adding_and_counting_agree(day in 0u64..1200, n in 0u32..40) {
            let c = cal2025();
            let start = d("2024-06-01") + Days::new(day);
            let end = c.add_working_days(start, n);
            prop_assert_eq!(c.working_days_between(start, end), n);
            prop_assert!(n == 0 || c.is_working_day(end));
        }
    }
}
