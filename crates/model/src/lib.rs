//! # bidwatch-model: one vocabulary for every crate
//!
//! Everything bidwatch says to a supervisor is a [`Finding`]: one rule firing on one [`Subject`],
//! with the evidence rows that made it fire and the thresholds actually used. Every other crate
//! speaks in these types, so they stay small and free of heavy dependencies: ingest produces data,
//! rules produce findings, reports and stores only read them.
//!
//! The parsers for the contract's scalar types (money, dates, times, the 统一社会信用代码 and
//! contact details) live here too, as pure functions: ingest applies them to columns, the generator
//! uses them to write valid data, and property tests hold them to "parse or error, never panic".

pub mod calendar;
pub mod finding;
pub mod grouped;
pub mod ids;
pub mod mem;
pub mod money;
pub mod packed;
pub mod text;
pub mod textset;
pub mod time;

pub use calendar::{Calendar, CalendarError};
pub use finding::{sort_findings, Evidence, EvidencePath, Finding, PathStep, Severity, Subject, SubjectKind, Text};
pub use ids::{check_uscc, uscc_check_char, RuleCode, RuleCodeError, UsccCheck};
pub use money::{parse_money, Money, MoneyError};
pub use time::{parse_date, parse_datetime, parse_month, TimeError};
