//! # bidwatch-ingest: a folder of records in, a validated data set out
//!
//! Bureaus export their trading records from different platforms, in different encodings and
//! formats, with Chinese or English headers. This crate is the one place that deals with that:
//! it reads each file of a folder as text, maps its headers onto the input contract
//! ([`schema`]), parses every cell by its column's type, and decides — explicitly, row by row —
//! whether a row is used, used without one bad optional value, or set aside. Every such decision
//! goes into the [`IngestReport`] with the file's row number and the reason; nothing read is
//! silently dropped. Only an unreadable file or a missing required column stops a run.
//!
//! The result is a [`Dataset`]: a polars frame per table with typed columns, the source row of
//! each row (`_row`, for evidence), and every id interned to a dense `u32` key so that the graph
//! and the rules work on integers. Ingest knows nothing of rules.

pub mod cells;
pub mod dataset;
pub mod error;
pub mod frame;
mod partition;
pub mod read;
pub mod report;
pub mod schema;
mod textcol;
mod validate;

pub use dataset::{key_column_name, load, load_in_batches_of, Dataset, Interner, KeyTexts, Table};
pub use error::{IngestError, Result};
pub use report::{Action, IngestIssue, IngestReport};
pub use schema::{ColType, ColumnSpec, KeySpace, TableName, TableSpec};
pub use validate::CELL_LIMIT;
