//! Typed access to the columns of a validated frame. Ingest guarantees the types; a column that is
//! absent reads as all-null, so rules can ask for optional columns without special cases.

use polars::prelude::*;

pub(crate) fn strs(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    match df.column(name).ok().and_then(|c| c.str().ok().cloned()) {
        Some(ca) => ca.iter().map(|v| v.map(str::to_owned)).collect(),
        None => vec![None; df.height()],
    }
}

pub(crate) fn f64s(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    match df.column(name).ok().and_then(|c| c.cast(&DataType::Float64).ok()) {
        Some(c) => c.f64().map(|ca| ca.iter().collect()).unwrap_or_else(|_| vec![None; df.height()]),
        None => vec![None; df.height()],
    }
}

pub(crate) fn i64s(df: &DataFrame, name: &str) -> Vec<Option<i64>> {
    match df.column(name).ok().and_then(|c| c.cast(&DataType::Int64).ok()) {
        Some(c) => c.i64().map(|ca| ca.iter().collect()).unwrap_or_else(|_| vec![None; df.height()]),
        None => vec![None; df.height()],
    }
}

pub(crate) fn bools(df: &DataFrame, name: &str) -> Vec<Option<bool>> {
    match df.column(name).ok().and_then(|c| c.bool().ok().cloned()) {
        Some(ca) => ca.iter().collect(),
        None => vec![None; df.height()],
    }
}

pub(crate) fn keys(df: &DataFrame, name: &str) -> Vec<Option<u32>> {
    match df.column(name).ok().and_then(|c| c.u32().ok().cloned()) {
        Some(ca) => ca.iter().collect(),
        None => vec![None; df.height()],
    }
}

pub(crate) fn rows(df: &DataFrame) -> Vec<u64> {
    keys(df, "_row").into_iter().map(|r| u64::from(r.unwrap_or(0))).collect()
}

/// A local time stored as milliseconds, as the contract writes it.
pub(crate) fn fmt_millis(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_default()
}
