//! `summary.json` and the short summary printed at the end of a run.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use bidwatch_ingest::{Action, Dataset};
use bidwatch_model::Severity;
use bidwatch_rules::{Catalog, Evaluation, RunOutput};
use serde_json::{json, Value};

use crate::outputs::RunFacts;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn zh(self) -> bool {
        self == Lang::Zh
    }
}

fn counts_by_code(run: &RunOutput) -> BTreeMap<String, BTreeMap<Severity, usize>> {
    let mut m: BTreeMap<String, BTreeMap<Severity, usize>> = BTreeMap::new();
    for f in &run.findings {
        *m.entry(f.code.to_string()).or_default().entry(f.severity).or_default() += 1;
    }
    m
}

/// The content of `summary.json`. Everything but `timings_ms` depends only on the input.
pub fn summary_json(ds: &Dataset, run: &RunOutput, facts: &RunFacts) -> Value {
    let mut by_severity: BTreeMap<&str, usize> = Severity::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    for f in &run.findings {
        *by_severity.entry(f.severity.as_str()).or_default() += 1;
    }
    let tables: BTreeMap<String, Value> = ds
        .tables
        .values()
        .map(|t| {
            (
                t.name.to_string(),
                json!({"source": t.source, "format": t.format, "encoding": t.encoding, "rows_read": t.rows_read, "rows_kept": t.rows_kept}),
            )
        })
        .collect();
    let evaluations: BTreeMap<String, Value> = run
        .evaluations
        .iter()
        .map(|(c, e)| {
            let v = match e {
                Evaluation::Evaluated => json!("evaluated"),
                Evaluation::NotEvaluated { missing } => json!({"not_evaluated": missing}),
            };
            (c.to_string(), v)
        })
        .collect();
    let notes: Vec<Value> = run.notes.iter().map(|(c, t)| json!({"code": c.to_string(), "zh": t.zh, "en": t.en})).collect();
    json!({
        "findings": run.findings.len(),
        "by_severity": by_severity,
        "by_code": counts_by_code(run),
        "rules": evaluations,
        "notes": notes,
        "rules_origin": facts.rules_origin,
        "projects": ds.projects.len(),
        "rows_read": ds.rows_read(),
        "rows_kept": ds.rows_kept(),
        "rows_set_aside": ds.report.rows_set_aside(),
        "values_cleared": ds.report.count(Action::Cleared),
        "warnings": ds.report.count(Action::Warning),
        "tables": tables,
        "ignored_files": ds.ignored,
        "timings_ms": facts.timings_ms.iter().cloned().collect::<BTreeMap<_, _>>(),
    })
}

/// The summary a supervisor reads on the terminal.
pub fn terminal_summary(ds: &Dataset, run: &RunOutput, catalog: &Catalog, lang: Lang, out_dir: &str) -> String {
    let zh = lang.zh();
    let mut s = String::new();
    let set_aside = ds.report.rows_set_aside();
    let cleared = ds.report.count(Action::Cleared);
    let warnings = ds.report.count(Action::Warning);
    if zh {
        let _ = writeln!(s, "bidwatch 检查：{}", ds.folder.display());
        let _ = writeln!(s, "  读入 {} 张表、{} 行；{} 个项目", ds.tables.len(), ds.rows_read(), ds.projects.len());
        let _ = writeln!(s, "  剔除 {set_aside} 行，清除 {cleared} 个无效值，警告 {warnings} 条（见 ingest_report.csv）");
    } else {
        let _ = writeln!(s, "bidwatch check: {}", ds.folder.display());
        let _ = writeln!(s, "  read {} tables, {} rows; {} projects", ds.tables.len(), ds.rows_read(), ds.projects.len());
        let _ = writeln!(s, "  {set_aside} rows set aside, {cleared} values cleared, {warnings} warnings (see ingest_report.csv)");
    }
    if !ds.ignored.is_empty() {
        let _ =
            writeln!(s, "  {}{}", if zh { "非约定表格，已忽略：" } else { "not tables of the contract, ignored: " }, ds.ignored.join(", "));
    }
    let counts = counts_by_code(run);
    if run.findings.is_empty() {
        let _ = writeln!(s, "  {}", if zh { "未发现问题" } else { "nothing found" });
    } else {
        let _ = writeln!(s, "  {} {}", if zh { "发现" } else { "findings:" }, run.findings.len());
        for (code, sev) in &counts {
            let name = code.parse().ok().and_then(|c| catalog.record(c)).map_or("", |r| r.name(zh));
            let parts: Vec<String> = sev.iter().map(|(severity, n)| format!("{} {n}", severity.label(zh))).collect();
            let _ = writeln!(s, "    {code} {name}: {}", parts.join(", "));
        }
    }
    // The rings first: what a joint inspection acts on.
    let rings: Vec<&bidwatch_model::Finding> =
        run.findings.iter().filter(|f| f.code.to_string() == "GRF-001" && f.subject.kind == bidwatch_model::SubjectKind::Ring).collect();
    if !rings.is_empty() {
        let mut rings = rings;
        rings.sort_by(|a, b| b.members.len().cmp(&a.members.len()).then_with(|| a.subject.id.cmp(&b.subject.id)));
        let _ = writeln!(s, "  {}", if zh { "疑似围标团伙（按成员数）：" } else { "suspected bid rings (by size):" });
        for f in rings.iter().take(10) {
            let (id, sev, m, p) = (&f.subject.id, f.severity.label(zh), f.members.len(), f.projects.len());
            let ev = f.thresholds.get("link_codes").and_then(|v| v.as_str()).unwrap_or("").replace(';', " ");
            let _ = if zh {
                writeln!(s, "    {id} {sev}：{m} 家投标人，{p} 个项目，证据 {ev}")
            } else {
                writeln!(s, "    {id} {sev}: {m} bidders, {p} projects, evidence {ev}")
            };
        }
        if rings.len() > 10 {
            let _ = writeln!(
                s,
                "    … {}",
                if zh {
                    format!("另有 {} 个，见 findings.jsonl", rings.len() - 10)
                } else {
                    format!("{} more in findings.jsonl", rings.len() - 10)
                }
            );
        }
    }
    for (code, e) in &run.evaluations {
        if let Evaluation::NotEvaluated { missing } = e {
            let what = missing.join(", ");
            if zh {
                let _ = writeln!(s, "  {code} 未评估：缺少 {what}");
            } else {
                let _ = writeln!(s, "  {code} not evaluated: missing {what}");
            }
        }
    }
    for (code, note) in &run.notes {
        let _ = writeln!(s, "  {code}: {}", note.get(zh));
    }
    let _ = writeln!(s, "  {}{out_dir}", if zh { "输出目录：" } else { "outputs in " });
    s
}
