//! The ingest report: every row or value that was set aside, cleared or warned about, and why.

use std::fmt;

/// What happened to the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// The whole row was not used.
    SetAside,
    /// The row was used without this value (an optional column held something unusable).
    Cleared,
    /// The row and value were used as they are, with a warning (e.g. a USCC check character).
    Warning,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::SetAside => "set aside",
            Action::Cleared => "value cleared",
            Action::Warning => "warning",
        }
    }
}

/// One line of `ingest_report.csv`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IngestIssue {
    pub table: String,
    /// The row a spreadsheet shows (the header is row 1); 0 for the file as a whole.
    pub row: u64,
    pub column: String,
    pub value: String,
    pub action: Action,
    pub reason: String,
}

impl IngestIssue {
    /// The `reason` column: the action first, so that a reader can filter on it.
    pub fn reason_text(&self) -> String {
        format!("{}: {}", self.action.as_str(), self.reason)
    }
}

impl fmt::Display for IngestIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} row {} column {}: {} ({:?})", self.table, self.row, self.column, self.reason_text(), self.value)
    }
}

/// Longest value kept in the report; longer values are cut and their length recorded.
pub const REPORT_VALUE_LIMIT: usize = 200;

pub(crate) fn clip(value: &str) -> String {
    if value.len() <= REPORT_VALUE_LIMIT {
        return value.to_owned();
    }
    let mut end = REPORT_VALUE_LIMIT;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…({} bytes)", &value[..end], value.len())
}

/// All issues of one ingest, and the counts a summary shows.
#[derive(Debug, Default, Clone)]
pub struct IngestReport {
    pub issues: Vec<IngestIssue>,
}

impl IngestReport {
    pub fn push(&mut self, issue: IngestIssue) {
        self.issues.push(issue);
    }

    pub fn count(&self, action: Action) -> usize {
        self.issues.iter().filter(|i| i.action == action).count()
    }

    /// Rows set aside (a row with several problems counts once).
    pub fn rows_set_aside(&self) -> usize {
        let mut rows: Vec<(&str, u64)> =
            self.issues.iter().filter(|i| i.action == Action::SetAside).map(|i| (i.table.as_str(), i.row)).collect();
        rows.sort_unstable();
        rows.dedup();
        rows.len()
    }

    pub fn sort(&mut self) {
        self.issues.sort_by(|a, b| (&a.table, a.row, &a.column).cmp(&(&b.table, b.row, &b.column)));
    }
}
