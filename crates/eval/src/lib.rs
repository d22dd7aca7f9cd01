//! # bidwatch-eval: how good is the detection?
//!
//! Detection is only worth what it is measured to do. This crate compares findings with known
//! answers and prints the figures `docs/evaluation.md` records:
//!
//! - [`rings`]: the rings reported by GRF-001 against the rings planted by `bidwatch gen`
//!   (`truth.csv`): recall, precision, whether a big ring comes out whole, and whether any trap
//!   (firms that look linked but are not) was reported;
//! - [`clauses`]: the FCR findings against the restrictive clauses planted: found, missed, and
//!   false alarms per 100 clean clauses;
//! - [`labeled`]: real tenders with court-established labels: our screens against the published
//!   ones, and the AUC of the risk score and of each single screen.
//!
//! It reads findings as the outputs write them, so it measures exactly what a user gets.

pub mod clauses;
pub mod labeled;
pub mod rings;

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("{path}: {source}")]
    Csv {
        path: String,
        #[source]
        source: csv::Error,
    },
    #[error("{path}: {reason}")]
    Format { path: String, reason: String },
}
