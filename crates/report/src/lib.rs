//! # bidwatch-report: what a run leaves behind
//!
//! The machine-readable outputs of `bidwatch check --out DIR` are a contract other tools read, so
//! they are written in one place, in one deterministic order, with fixed number formats:
//! `findings.jsonl`, `project_risk.csv`, `screens.csv`, `ingest_report.csv` and `summary.json`.
//! The terminal summary a supervisor reads is here too, in Chinese by default and in English.

pub mod case;
pub mod document;
pub mod outputs;
pub mod reports;
pub mod summary;

pub use outputs::{write_all, OutputError, RunFacts};
pub use summary::{summary_json, terminal_summary, Lang};
