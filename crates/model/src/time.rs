//! Dates and times of the contract: ISO 8601 in Asia/Shanghai local time.
//!
//! Dates: `YYYY-MM-DD`; also `YYYY/MM/DD`, `YYYY.MM.DD` and `YYYY年M月D日`, the ways Chinese
//! systems export them. Times: a date, `T` or a space, `HH:MM[:SS[.fff]]`, optionally an offset
//! (`Z`, `+08:00`), converted to Shanghai time (UTC+8, no daylight saving since 1991). A date alone
//! where a time is expected means midnight. Months (`employment.month`): `YYYY-MM`.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

use crate::text::fold_width_cow;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("empty")]
    Empty,
    #[error("not a date (expected YYYY-MM-DD)")]
    BadDate,
    #[error("not a date and time (expected YYYY-MM-DDTHH:MM:SS, Asia/Shanghai)")]
    BadDateTime,
    #[error("not a month (expected YYYY-MM)")]
    BadMonth,
    #[error("year out of range (expected 1990–2100)")]
    YearOutOfRange,
}

const SHANGHAI_OFFSET_MIN: i64 = 8 * 60;

fn numbers(s: &str) -> Option<([u32; 3], usize)> {
    // "2024-03-05", "2024/3/5", "2024.03.05", "2024年3月5日": at most three parts (no date has
    // more), in an array rather than vectors (two allocations a cell, ten million times a table)
    let s = s.strip_suffix('日').unwrap_or(s);
    let mut n = [0u32; 3];
    let mut len = 0;
    for p in s.split(['-', '/', '.', '年', '月']) {
        if len == n.len() || p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        n[len] = p.parse().ok()?;
        len += 1;
    }
    Some((n, len))
}

fn checked_year(y: u32) -> Result<i32, TimeError> {
    if (1990..=2100).contains(&y) {
        Ok(y as i32)
    } else {
        Err(TimeError::YearOutOfRange)
    }
}

/// Parses a calendar date.
pub fn parse_date(raw: &str) -> Result<NaiveDate, TimeError> {
    let folded = fold_width_cow(raw);
    let s = folded.trim();
    if s.is_empty() {
        return Err(TimeError::Empty);
    }
    let (n, len) = numbers(s).ok_or(TimeError::BadDate)?;
    match &n[..len] {
        [y, m, d] if s.split(['-', '/', '.', '年']).next().is_some_and(|y| y.len() == 4) => {
            NaiveDate::from_ymd_opt(checked_year(*y)?, *m, *d).ok_or(TimeError::BadDate)
        }
        _ => Err(TimeError::BadDate),
    }
}

/// Parses a month `YYYY-MM` into its first day.
pub fn parse_month(raw: &str) -> Result<NaiveDate, TimeError> {
    let folded = fold_width_cow(raw);
    let s = folded.trim();
    if s.is_empty() {
        return Err(TimeError::Empty);
    }
    let s = s.strip_suffix('月').unwrap_or(s);
    let (n, len) = numbers(s).ok_or(TimeError::BadMonth)?;
    match &n[..len] {
        [y, m] if s.len() >= 6 => NaiveDate::from_ymd_opt(checked_year(*y)?, *m, 1).ok_or(TimeError::BadMonth),
        _ => Err(TimeError::BadMonth),
    }
}

/// Parses a local date and time (Asia/Shanghai).
pub fn parse_datetime(raw: &str) -> Result<NaiveDateTime, TimeError> {
    let folded = fold_width_cow(raw);
    let s = folded.trim();
    if s.is_empty() {
        return Err(TimeError::Empty);
    }
    let (date_part, rest) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], Some(s[i + 1..].trim_start())),
        None => (s, None),
    };
    let date = parse_date(date_part).map_err(|e| if e == TimeError::YearOutOfRange { e } else { TimeError::BadDateTime })?;
    let Some(rest) = rest else {
        return Ok(date.and_time(NaiveTime::MIN));
    };
    // Split off an offset: Z, +HH:MM, +HHMM, -HH:MM.
    let (time_part, offset_min) = if let Some(t) = rest.strip_suffix('Z') {
        (t, Some(0))
    } else if let Some(i) = rest.rfind(['+', '-']) {
        let (t, off) = rest.split_at(i);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let digits: String = off[1..].chars().filter(|c| *c != ':').collect();
        if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TimeError::BadDateTime);
        }
        let h: i64 = digits[..2].parse().map_err(|_| TimeError::BadDateTime)?;
        let m: i64 = digits[2..].parse().map_err(|_| TimeError::BadDateTime)?;
        if h > 14 || m > 59 {
            return Err(TimeError::BadDateTime);
        }
        (t, Some(sign * (h * 60 + m)))
    } else {
        (rest, None)
    };
    let time = parse_time(time_part.trim()).ok_or(TimeError::BadDateTime)?;
    let local = date.and_time(time);
    Ok(match offset_min {
        Some(off) => local + Duration::minutes(SHANGHAI_OFFSET_MIN - off),
        None => local,
    })
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    let (hms, frac) = match s.split_once('.') {
        Some((a, f)) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => (a, f),
        Some(_) => return None,
        None => (s, ""),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let h = parts[0].parse().ok()?;
    let m = parts[1].parse().ok()?;
    let sec = parts.get(2).map_or(Some(0), |p| p.parse().ok())?;
    let nanos = if frac.is_empty() { 0 } else { format!("{frac:0<9}").parse().ok()? };
    NaiveTime::from_hms_nano_opt(h, m, sec, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dt(s: &str) -> String {
        parse_datetime(s).map(|d| d.format("%Y-%m-%dT%H:%M:%S").to_string()).unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn dates_in_the_forms_chinese_systems_export() {
        for s in ["2024-03-05", "2024/3/5", "2024.03.05", "2024年3月5日", "２０２４-０３-０５"] {
            assert_eq!(parse_date(s), Ok(NaiveDate::from_ymd_opt(2024, 3, 5).expect("date")), "{s}");
        }
        assert_eq!(parse_date("2024-02-30"), Err(TimeError::BadDate));
        assert_eq!(parse_date("05-03-2024"), Err(TimeError::BadDate));
        assert_eq!(parse_date("1899-01-01"), Err(TimeError::YearOutOfRange));
        assert_eq!(parse_date("yesterday"), Err(TimeError::BadDate));
        assert_eq!(parse_date(""), Err(TimeError::Empty));
    }

    #[test]
    fn times_are_shanghai_local() {
        assert_eq!(dt("2024-03-05T09:30:00"), "2024-03-05T09:30:00");
        assert_eq!(dt("2024-03-05 09:30"), "2024-03-05T09:30:00");
        assert_eq!(dt("2024-03-05"), "2024-03-05T00:00:00");
        assert_eq!(dt("2024-03-05T01:30:00Z"), "2024-03-05T09:30:00");
        assert_eq!(dt("2024-03-05T09:30:00+08:00"), "2024-03-05T09:30:00");
        assert_eq!(dt("2024-03-05T09:30:00.250"), "2024-03-05T09:30:00");
        assert_eq!(dt("2024-03-05T25:00:00"), TimeError::BadDateTime.to_string());
        assert_eq!(dt("2024-13-05T10:00"), TimeError::BadDateTime.to_string());
    }

    #[test]
    fn months() {
        assert_eq!(parse_month("2024-07"), Ok(NaiveDate::from_ymd_opt(2024, 7, 1).expect("date")));
        assert_eq!(parse_month("2024年7月"), Ok(NaiveDate::from_ymd_opt(2024, 7, 1).expect("date")));
        assert_eq!(parse_month("2024-13"), Err(TimeError::BadMonth));
        assert_eq!(parse_month("7-24"), Err(TimeError::BadMonth));
    }

    proptest! {
        #[test]
        fn never_panic(s in "\\PC{0,40}") {
            let _ = parse_date(&s);
            let _ = parse_datetime(&s);
            let _ = parse_month(&s);
        }

        #[test]
        fn iso_round_trips(days in 0i64..30000, secs in 0u32..86400) {
            let d = NaiveDate::from_ymd_opt(1990, 1, 1).expect("d") + Duration::days(days);
            if d.year_ok() {
                let t = d.and_time(NaiveTime::from_num_seconds_from_midnight_opt(secs, 0).expect("t"));
                let s = t.format("%Y-%m-%dT%H:%M:%S").to_string();
                prop_assert_eq!(parse_datetime(&s), Ok(t));
            }
        }
    }

    trait YearOk {
        fn year_ok(&self) -> bool;
    }
    impl YearOk for NaiveDate {
        fn year_ok(&self) -> bool {
            use chrono::Datelike;
            self.year() <= 2100
        }
    }
}
