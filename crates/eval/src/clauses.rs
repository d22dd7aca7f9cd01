//! Fair-competition findings (FCR) against the restrictive clauses planted by `bidwatch gen`.
//!
//! A planted clause (`truth.csv`, kind `restrictive_clause`, detail `FCR-00N clause K`) is
//! **found** when a finding of that rule names the same project and clause number. Every other FCR
//! finding is a **false alarm**; the rate is per 100 clean clauses (all clauses less the planted).

use std::collections::BTreeSet;
use std::path::Path;

use bidwatch_model::Finding;

use crate::EvalError;

/// (rule code, project id, clause number) of each planted clause.
pub fn read_truth(path: &Path) -> Result<BTreeSet<(String, String, String)>, EvalError> {
    let p = path.display().to_string();
    let mut rdr = csv::Reader::from_path(path).map_err(|source| EvalError::Csv { path: p.clone(), source })?;
    let mut out = BTreeSet::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|source| EvalError::Csv { path: p.clone(), source })?;
        if rec.get(0) != Some("restrictive_clause") {
            continue;
        }
        let detail = rec.get(5).unwrap_or("");
        let mut words = detail.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some(code), Some("clause"), Some(no)) => {
                out.insert((code.to_owned(), rec.get(2).unwrap_or("").to_owned(), no.to_owned()));
            }
            _ => {
                return Err(EvalError::Format {
                    path: p,
                    reason: format!("restrictive_clause detail `{detail}`: expected `FCR-00N clause K`"),
                })
            }
        }
    }
    Ok(out)
}

/// The figures.
#[derive(Debug, Clone, PartialEq)]
pub struct ClauseScore {
    pub planted: usize,
    pub found: usize,
    /// Planted clauses no finding named, as (code, project, clause).
    pub missed: Vec<(String, String, String)>,
    pub false_alarms: Vec<(String, String, String)>,
    pub clean_clauses: usize,
}

impl ClauseScore {
    /// False alarms per 100 clean clauses.
    pub fn false_alarm_rate(&self) -> f64 {
        100.0 * self.false_alarms.len() as f64 / self.clean_clauses.max(1) as f64
    }
}

pub fn score(truth: &BTreeSet<(String, String, String)>, findings: &[Finding], clauses: usize) -> ClauseScore {
    let reported: BTreeSet<(String, String, String)> = findings
        .iter()
        .filter(|f| f.code.to_string().starts_with("FCR-"))
        .filter_map(|f| {
            let no = f.evidence.first()?.values.get("clause_no")?.as_str()?.to_owned();
            Some((f.code.to_string(), f.project_id.clone()?, no))
        })
        .collect();
    ClauseScore {
        planted: truth.len(),
        found: truth.intersection(&reported).count(),
        missed: truth.difference(&reported).cloned().collect(),
        false_alarms: reported.difference(truth).cloned().collect(),
        clean_clauses: clauses.saturating_sub(truth.len()),
    }
}

pub fn render(s: &ClauseScore) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "planted restrictive clauses: {} (found {})", s.planted, s.found);
    for (code, p, no) in &s.missed {
        let _ = writeln!(out, "  missed: {code} {p} clause {no}");
    }
    let _ = writeln!(out, "clean clauses: {}", s.clean_clauses);
    let _ = writeln!(out, "false alarms: {} ({:.2} per 100 clean clauses)", s.false_alarms.len(), s.false_alarm_rate());
    for (code, p, no) in &s.false_alarms {
        let _ = writeln!(out, "  false alarm: {code} {p} clause {no}");
    }
    out
}
