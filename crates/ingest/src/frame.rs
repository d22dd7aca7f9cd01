//! Typed access to the columns of a validated frame, for the crates that read a [`crate::Dataset`]. Ingest guarantees the types; a column that is
//! absent reads as all-null, so rules can ask for optional columns without special cases.

use polars::prelude::*;

pub fn strs(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    match df.column(name).ok().and_then(|c| c.str().ok().cloned()) {
        Some(ca) => ca.iter().map(|v| v.map(str::to_owned)).collect(),
        None => vec![None; df.height()],
    }
}

/// A text column borrowed from the frame, without copying the strings.
pub fn str_refs<'a>(df: &'a DataFrame, name: &str) -> Vec<Option<&'a str>> {
    match df.column(name).ok().and_then(|c| c.str().ok()) {
        Some(ca) => ca.iter().collect(),
        None => vec![None; df.height()],
    }
}

pub fn f64s(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    match df.column(name).ok().and_then(|c| c.cast(&DataType::Float64).ok()) {
        Some(c) => c.f64().map(|ca| ca.iter().collect()).unwrap_or_else(|_| vec![None; df.height()]),
        None => vec![None; df.height()],
    }
}

pub fn i64s(df: &DataFrame, name: &str) -> Vec<Option<i64>> {
    match df.column(name).ok().and_then(|c| c.cast(&DataType::Int64).ok()) {
        Some(c) => c.i64().map(|ca| ca.iter().collect()).unwrap_or_else(|_| vec![None; df.height()]),
        None => vec![None; df.height()],
    }
}

pub fn bools(df: &DataFrame, name: &str) -> Vec<Option<bool>> {
    match df.column(name).ok().and_then(|c| c.bool().ok().cloned()) {
        Some(ca) => ca.iter().collect(),
        None => vec![None; df.height()],
    }
}

pub fn keys(df: &DataFrame, name: &str) -> Vec<Option<u32>> {
    match df.column(name).ok().and_then(|c| c.u32().ok().cloned()) {
        Some(ca) => ca.iter().collect(),
        None => vec![None; df.height()],
    }
}

/// The source row of every row, as ingest stores it (`u32`).
pub fn rows32(df: &DataFrame) -> Vec<u32> {
    keys(df, "_row").into_iter().map(|r| r.unwrap_or(0)).collect()
}

pub fn rows(df: &DataFrame) -> Vec<u64> {
    rows32(df).into_iter().map(u64::from).collect()
}

/// A local time stored as milliseconds, as the contract writes it.
pub fn fmt_millis(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string()).unwrap_or_default()
}

/// Days since 1970-01-01 (a `Date` column read with [`i64s`]) as `YYYY-MM-DD`.
pub fn fmt_days(days: i64) -> String {
    chrono::DateTime::from_timestamp(days * 86_400, 0).map(|t| t.date_naive().to_string()).unwrap_or_default()
}
