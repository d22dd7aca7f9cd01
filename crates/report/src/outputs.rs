//! The five machine-readable files.

use std::borrow::Cow;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use bidwatch_ingest::schema::is_personal;
use bidwatch_ingest::{Dataset, TableName};
use bidwatch_model::text::mask;
use bidwatch_model::Finding;
use bidwatch_rules::risk::ProjectRisk;
use bidwatch_rules::{RunOutput, Screens};

use crate::summary::summary_json;

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{path}: cannot write: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: cannot write CSV: {source}")]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
}

/// What the outputs need beyond the data set and the rule output.
#[derive(Debug, Clone)]
pub struct RunFacts {
    pub risk: Vec<ProjectRisk>,
    /// Wall time of each stage, in milliseconds, in stage order.
    pub timings_ms: Vec<(String, u64)>,
    pub rules_origin: String,
    /// Write personal identifiers in full (`--unmask`); masked by default.
    pub unmask: bool,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io { path: path.to_owned(), source }
}

fn csv_err(path: &Path) -> impl Fn(csv::Error) -> OutputError + '_ {
    move |source| OutputError::Csv { path: path.to_owned(), source }
}

/// A statistic with fixed precision; empty where undefined. A value that rounds to zero is written
/// `0.000000` whatever its sign (a symmetric ladder's skewness is zero up to rounding noise of
/// either sign, and `-0.000000` reads as a different number).
fn num(v: Option<f64>) -> String {
    v.map(|x| {
        let s = format!("{x:.6}");
        if s == "-0.000000" {
            s[1..].to_owned()
        } else {
            s
        }
    })
    .unwrap_or_default()
}

fn screens_row(s: &Screens) -> [String; 8] {
    [s.n_bids.to_string(), num(s.cv), num(s.spd), num(s.diffp), num(s.rd), num(s.kurtosis), num(s.skewness), num(s.ks_uniform)]
}

/// Whether a `table.column` holds a personal identifier.
fn personal_field(table: &str, column: &str) -> bool {
    TableName::from_name(table).is_some_and(|t| is_personal(t, column))
}

/// Whether a path step's field (`table.column`) holds a personal identifier.
fn personal_step(field: &str) -> bool {
    let (table, column) = field.split_once('.').unwrap_or(("", ""));
    personal_field(table, column)
}

/// Whether masking would touch `f`: a person as its subject, or a personal identifier among its
/// evidence rows' text or its evidence paths.
fn has_personal(f: &Finding) -> bool {
    f.subject.kind == bidwatch_model::SubjectKind::Person
        || f.evidence.iter().any(|e| e.values.iter().any(|(column, v)| v.is_string() && personal_field(&e.table, column)))
        || f.paths.iter().flat_map(|p| &p.steps).any(|s| personal_step(&s.field))
}

/// A finding with the personal identifiers of its evidence rows and evidence paths masked.
/// Messages are written masked by the rules themselves. A finding with nothing to mask (most of
/// a night's: 86 % at 1M bids) is lent as it is, not copied.
pub fn masked(f: &Finding) -> Cow<'_, Finding> {
    if !has_personal(f) {
        return Cow::Borrowed(f);
    }
    let mut f = f.clone();
    if f.subject.kind == bidwatch_model::SubjectKind::Person {
        f.subject.id = mask(&f.subject.id);
    }
    for e in &mut f.evidence {
        let table = e.table.clone();
        for (column, v) in e.values.iter_mut() {
            if let Some(s) = v.as_str().filter(|_| personal_field(&table, column)) {
                *v = serde_json::Value::String(mask(s));
            }
        }
    }
    for p in &mut f.paths {
        for s in &mut p.steps {
            if personal_step(&s.field) {
                s.value = mask(&s.value);
            }
        }
    }
    Cow::Owned(f)
}

/// The bureau's collective-interview lists (集体约谈名单) from the attendance findings: one row per
/// person, project and month (or project, for recording not started), by list.
fn write_attendance_lists(path: &Path, findings: &[Finding], unmask: bool) -> Result<(), OutputError> {
    const LISTS: [(&str, &str); 5] = [
        ("not_started", "未开始记录"),
        ("not_recorded", "应记未记"),
        ("below_progress", "低于进度"),
        ("below_standard", "低于标准"),
        ("fraud", "考勤造假"),
    ];
    let mut w = csv::Writer::from_path(path).map_err(csv_err(path))?;
    w.write_record(["list", "list_zh", "code", "severity", "project_id", "subject", "month", "rate"]).map_err(csv_err(path))?;
    for (list, zh) in LISTS {
        for f in findings.iter().filter(|f| f.code.family() == "ATT" && f.thresholds.get("list").and_then(|v| v.as_str()) == Some(list)) {
            let subject =
                if unmask || f.subject.kind != bidwatch_model::SubjectKind::Person { f.subject.id.clone() } else { mask(&f.subject.id) };
            let get = |k: &str| f.thresholds.get(k).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).unwrap_or_default();
            w.write_record([
                list,
                zh,
                &f.code.to_string(),
                f.severity.as_str(),
                f.project_id.as_deref().unwrap_or(""),
                &subject,
                &get("month"),
                &get("rate"),
            ])
            .map_err(csv_err(path))?;
        }
    }
    w.flush().map_err(io(path))
}

/// Writes every output into `dir` (created if needed).
pub fn write_all(dir: &Path, ds: &Dataset, run: &RunOutput, facts: &RunFacts) -> Result<(), OutputError> {
    fs::create_dir_all(dir).map_err(io(dir))?;

    let path = dir.join("findings.jsonl");
    let mut w = BufWriter::with_capacity(1 << 20, File::create(&path).map_err(io(&path))?);
    for f in &run.findings {
        let f = if facts.unmask { Cow::Borrowed(f) } else { masked(f) };
        f.write_json_line(&mut w).map_err(io(&path))?;
    }
    w.flush().map_err(io(&path))?;

    let path = dir.join("project_risk.csv");
    let mut w = csv::Writer::from_path(&path).map_err(csv_err(&path))?;
    w.write_record(["project_id", "risk", "tender_risk", "reference_group", "drivers", "codes"]).map_err(csv_err(&path))?;
    for r in &facts.risk {
        let tender = r.tender_risk.map(|t| format!("{t:.4}")).unwrap_or_default();
        w.write_record([
            r.project_id.as_str(),
            &format!("{:.4}", r.risk),
            &tender,
            &r.reference_group,
            &r.drivers.join(";"),
            &r.codes.join(";"),
        ])
        .map_err(csv_err(&path))?;
    }
    w.flush().map_err(io(&path))?;

    let path = dir.join("screens.csv");
    let mut w = csv::Writer::from_path(&path).map_err(csv_err(&path))?;
    w.write_record(["project_id", "n_bids", "cv", "spd", "diffp", "rd", "kurtosis", "skewness", "ks_uniform"]).map_err(csv_err(&path))?;
    let mut ids: Vec<(&str, usize)> = (0..ds.projects.len()).map(|k| (ds.projects.resolve(k as u32).unwrap_or_default(), k)).collect();
    ids.sort_unstable();
    for (id, k) in ids {
        let s = run.screens.by_project.get(k).copied().unwrap_or_default();
        let row = screens_row(&s);
        let mut rec = vec![id];
        rec.extend(row.iter().map(String::as_str));
        w.write_record(rec).map_err(csv_err(&path))?;
    }
    w.flush().map_err(io(&path))?;

    let path = dir.join("agent_ranking.csv");
    let mut w = csv::Writer::from_path(&path).map_err(csv_err(&path))?;
    w.write_record(["month", "rank", "agent_id", "name", "projects", "deducted_month", "deducted_year", "score", "grade"])
        .map_err(csv_err(&path))?;
    for m in &run.agent_ranking {
        w.write_record([
            m.month.as_str(),
            &m.rank.to_string(),
            &m.agent_id,
            m.name.as_deref().unwrap_or(""),
            &m.projects.to_string(),
            &m.deducted_month.to_string(),
            &m.deducted_year.to_string(),
            &m.score.to_string(),
            &m.grade.to_string(),
        ])
        .map_err(csv_err(&path))?;
    }
    w.flush().map_err(io(&path))?;

    let path = dir.join("attendance_lists.csv");
    write_attendance_lists(&path, &run.findings, facts.unmask)?;

    let path = dir.join("ingest_report.csv");
    let mut w = csv::Writer::from_path(&path).map_err(csv_err(&path))?;
    w.write_record(["table", "row", "column", "value", "reason"]).map_err(csv_err(&path))?;
    for i in &ds.report.issues {
        let personal = !facts.unmask && TableName::from_name(&i.table).is_some_and(|t| is_personal(t, &i.column));
        let value = if personal { mask(&i.value) } else { i.value.clone() };
        w.write_record([i.table.as_str(), &i.row.to_string(), &i.column, &value, &i.reason_text()]).map_err(csv_err(&path))?;
    }
    w.flush().map_err(io(&path))?;

    let path = dir.join("summary.json");
    let text = serde_json::to_string_pretty(&summary_json(ds, run, facts)).unwrap_or_default();
    fs::write(&path, text + "\n").map_err(io(&path))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use bidwatch_model::{Evidence, EvidencePath, Finding, PathStep, RuleCode, Severity, Subject, SubjectKind, Text};

    use super::{masked, num};

    fn finding(subject: Subject) -> Finding {
        let code = RuleCode::new("COL-002").expect("valid code");
        Finding::new(code, Severity::Signal, subject, Text::new("条", "finding"))
            .with_evidence(Evidence::new("bids", 2).with("bidder_id", "91330281001001689C").with("upload_ip", "36.51.155.36"))
    }

    /// A finding with nothing personal is lent as it is; one with a personal identifier anywhere
    /// masking looks (the subject, an evidence row's text, a path step) is copied and masked
    /// there, and only there.
    #[test]
    fn only_a_finding_with_something_personal_is_copied_and_masked() {
        let plain = finding(Subject::bidder("91330281001001689C"));
        assert!(matches!(masked(&plain), Cow::Borrowed(_)));
        // a personal column whose value is not text (a number): nothing to mask
        let number = plain.clone().with_evidence(Evidence::new("bid_personnel", 3).with("person_id", 7));
        assert!(matches!(masked(&number), Cow::Borrowed(_)));

        let id = "330281196002175975";
        let by_row = plain.clone().with_evidence(Evidence::new("bids", 4).with("authorized_rep_id", id));
        let shown = masked(&by_row);
        assert!(matches!(shown, Cow::Owned(_)));
        assert_eq!(shown.evidence[1].values.get("authorized_rep_id").and_then(|v| v.as_str()), Some("330***********5975"));
        assert_eq!(shown.evidence[0], by_row.evidence[0]);

        let person = finding(Subject::new(SubjectKind::Person, id));
        assert_eq!(masked(&person).subject.id, "330***********5975");

        let mut by_path = plain.clone();
        let step = PathStep {
            from: "A".into(),
            to: "B".into(),
            code: RuleCode::new("COL-003").expect("valid code"),
            field: "bid_personnel.person_id".into(),
            value: id.into(),
            project_id: None,
            weight: 1.0,
        };
        let other = PathStep { field: "bids.upload_ip".into(), value: "36.51.155.36".into(), ..step.clone() };
        by_path.paths = vec![EvidencePath { from: "A".into(), to: "B".into(), steps: vec![step, other] }];
        let shown = masked(&by_path);
        assert!(matches!(shown, Cow::Owned(_)));
        assert_eq!(shown.paths[0].steps[0].value, "330***********5975");
        assert_eq!(shown.paths[0].steps[1].value, "36.51.155.36");
    }

    #[test]
    fn a_statistic_that_rounds_to_zero_has_no_sign() {
        assert_eq!(num(Some(-1.7e-17)), "0.000000");
        assert_eq!(num(Some(1.7e-17)), "0.000000");
        assert_eq!(num(Some(-0.0000004)), "0.000000");
        assert_eq!(num(Some(-0.0000006)), "-0.000001");
        assert_eq!(num(Some(-0.25)), "-0.250000");
        assert_eq!(num(None), "");
    }
}
