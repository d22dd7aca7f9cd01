//! Errors that stop a run. A bad *row* never stops a run: it is set aside into the ingest report.
//! What stops a run is a folder or file that cannot be read, or a table that lacks a required
//! column, since every row of it would be unusable.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a folder of tables")]
    NotAFolder { path: PathBuf },
    #[error("{path}: unreadable file: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("{path}: not UTF-8 and not GB18030 (invalid byte sequence at byte {offset}); save the file as UTF-8 or GB18030 CSV")]
    Encoding { path: PathBuf, offset: usize },
    #[error("{source_name}: missing required column `{column}` (中文表头: {aliases}) of table `{table}`")]
    MissingColumn { source_name: String, table: &'static str, column: &'static str, aliases: String },
    #[error("{source_name}: columns {first:?} and {second:?} both mean `{column}`; keep one")]
    DuplicateColumn { source_name: String, column: &'static str, first: String, second: String },
    #[error("table `{table}` is given twice: {first} and {second}; keep one")]
    DuplicateTable { table: &'static str, first: String, second: String },
    #[error("{folder}: required table `{table}` is missing (expected {table}.csv, {table}.parquet or a sheet `{table}` in an .xlsx)")]
    MissingTable { folder: PathBuf, table: &'static str },
}

pub type Result<T, E = IngestError> = std::result::Result<T, E>;
