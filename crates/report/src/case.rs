//! Case files (案卷) for an investigation: everything bidwatch found about one ring, bidder or
//! project, with the exact source rows behind it, the legal basis, the ring's graph, and a
//! manifest of SHA-256 digests so that a case officer can prove the folder was not changed.
//!
//! A folder holds `summary.md` and `summary.html` (what, who, the evidence chain, the legal basis),
//! `findings.json`, `evidence/<table>.csv` (the rows the findings cite, every column of the
//! contract), `graph.dot` and `graph.svg` (members and the labelled evidence between them) and
//! `MANIFEST.sha256` over every other file. Personal identifiers are masked unless `unmask`; the
//! manifest says which. `verify` recomputes the digests and names the first file that differs.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use bidwatch_ingest::schema::{is_personal, ColType};
use bidwatch_ingest::{frame, Dataset, TableName};
use bidwatch_model::text::mask;
use bidwatch_model::{Finding, SubjectKind};
use bidwatch_rules::Catalog;
use sha2::{Digest, Sha256};

use crate::outputs::masked;

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}: nothing bidwatch found names it (a ring id RING-…, a bidder id or a project id)")]
    Unknown(String),
    #[error("{path}: {what}")]
    Manifest { path: String, what: String },
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> CaseError + '_ {
    move |source| CaseError::Io { path: path.display().to_string(), source }
}

/// What a case is about.
#[derive(Debug, Clone, PartialEq)]
pub enum CaseSubject {
    Ring(String),
    Bidder(String),
    Project(String),
}

/// The findings of a case: for a ring, its GRF findings and every finding on its members inside the
/// ring's projects; for a bidder, every finding that names it; for a project, every finding on it.
pub fn select(id: &str, findings: &[Finding]) -> Result<(CaseSubject, Vec<Finding>), CaseError> {
    if let Some(ring) = findings.iter().find(|f| f.subject.kind == SubjectKind::Ring && f.subject.id == id) {
        let members: BTreeSet<&str> = ring.members.iter().map(String::as_str).collect();
        let projects: BTreeSet<&str> = ring.projects.iter().map(String::as_str).collect();
        let chosen = findings
            .iter()
            .filter(|f| {
                f.subject.id == id
                    || (f.code.family() == "COL"
                        && f.project_id.as_deref().is_some_and(|p| projects.contains(p))
                        && f.members.iter().filter(|m| members.contains(m.as_str())).count() >= 2)
            })
            .cloned()
            .collect();
        return Ok((CaseSubject::Ring(id.to_owned()), own_first(id, chosen)));
    }
    let of_bidder: Vec<Finding> = findings
        .iter()
        .filter(|f| (f.subject.kind == SubjectKind::Bidder && f.subject.id == id) || f.members.iter().any(|m| m == id))
        .cloned()
        .collect();
    if !of_bidder.is_empty() {
        return Ok((CaseSubject::Bidder(id.to_owned()), own_first(id, of_bidder)));
    }
    let of_project: Vec<Finding> =
        findings.iter().filter(|f| f.project_id.as_deref() == Some(id) || f.projects.iter().any(|p| p == id)).cloned().collect();
    if !of_project.is_empty() {
        return Ok((CaseSubject::Project(id.to_owned()), of_project));
    }
    Err(CaseError::Unknown(id.to_owned()))
}

/// The subject's own findings first (a ring's GRF findings before the pairs that make it), then
/// the rest in the usual order.
fn own_first(id: &str, mut list: Vec<Finding>) -> Vec<Finding> {
    list.sort_by_key(|f| f.subject.id != id);
    list
}

/// Writes the case folder; returns the files written (the manifest last).
pub fn export(
    dir: &Path,
    ds: &Dataset,
    catalog: &Catalog,
    subject: &CaseSubject,
    findings: &[Finding],
    unmask: bool,
    zh: bool,
) -> Result<Vec<PathBuf>, CaseError> {
    fs::create_dir_all(dir.join("evidence")).map_err(io(dir))?;
    let shown: Vec<Finding> = findings.iter().map(|f| if unmask { f.clone() } else { masked(f).into_owned() }).collect();
    let mut files = Vec::new();
    let mut put = |name: &str, bytes: &[u8]| -> Result<(), CaseError> {
        let p = dir.join(name);
        fs::write(&p, bytes).map_err(io(&p))?;
        files.push(p);
        Ok(())
    };
    put("findings.json", (serde_json::to_string_pretty(&shown).unwrap_or_default() + "\n").as_bytes())?;
    // the cited rows, table by table
    let mut cited: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    for f in findings {
        for e in &f.evidence {
            cited.entry(e.table.to_string()).or_default().insert(e.row);
        }
    }
    for (table, rows) in &cited {
        let Some(t) = TableName::from_name(table) else { continue };
        if let Some(text) = evidence_csv(ds, t, rows, unmask) {
            put(&format!("evidence/{table}.csv"), text.as_bytes())?;
        }
    }
    let (dot, svg) = graph(subject, &shown);
    put("graph.dot", dot.as_bytes())?;
    put("graph.svg", svg.as_bytes())?;
    let md = summary_md(subject, &shown, catalog, &cited, zh);
    put("summary.md", md.as_bytes())?;
    put("summary.html", summary_html(subject, &shown, catalog, &cited, zh).as_bytes())?;
    let manifest = manifest(dir, &files, unmask)?;
    let p = dir.join("MANIFEST.sha256");
    fs::write(&p, manifest).map_err(io(&p))?;
    files.push(p);
    Ok(files)
}

/// A column of a validated frame as the contract writes its values: times `YYYY-MM-DDTHH:MM:SS`,
/// dates `YYYY-MM-DD`, months `YYYY-MM`, numbers in plain decimal, booleans `true`/`false`.
pub(crate) fn contract_text_of(df: &frame::DataFrame, ty: &ColType, name: &str) -> Vec<Option<String>> {
    match ty {
        ColType::DateTime => frame::i64s(df, name).into_iter().map(|v| v.map(frame::fmt_millis)).collect(),
        ColType::Date => frame::i64s(df, name).into_iter().map(|v| v.map(frame::fmt_days)).collect(),
        ColType::Month => frame::i64s(df, name).into_iter().map(|v| v.map(|d| frame::fmt_days(d)[..7].to_owned())).collect(),
        ColType::Money | ColType::Number { .. } => frame::f64s(df, name).into_iter().map(|v| v.map(|x| x.to_string())).collect(),
        ColType::Int { .. } => frame::i64s(df, name).into_iter().map(|v| v.map(|x| x.to_string())).collect(),
        ColType::Bool => frame::bools(df, name).into_iter().map(|v| v.map(|x| x.to_string())).collect(),
        _ => frame::strs(df, name),
    }
}

/// The rows of one table whose spreadsheet row is in `rows`, every contract column, values as the
/// contract writes them (times `YYYY-MM-DDTHH:MM:SS`, dates `YYYY-MM-DD`, months `YYYY-MM`).
fn evidence_csv(ds: &Dataset, table: TableName, rows: &BTreeSet<u64>, unmask: bool) -> Option<String> {
    let all = ds.frame(table)?;
    // Only the cited rows are formatted (a case at 10M bids cites a few dozen of them).
    let at: Vec<usize> = frame::rows(all).into_iter().enumerate().filter(|(_, r)| rows.contains(r)).map(|(i, _)| i).collect();
    let df = frame::gather(all, &at);
    let source = ds.table(table).map(|t| t.source.clone()).unwrap_or_default();
    let spec = table.spec();
    let cols: Vec<_> = spec.columns.iter().filter(|c| df.column(c.name).is_ok()).collect();
    let text: Vec<Vec<String>> = cols
        .iter()
        .map(|c| {
            let personal = !unmask && is_personal(table, c.name);
            contract_text_of(&df, &c.ty, c.name)
                .into_iter()
                .map(|v| v.map(|s| if personal { mask(&s) } else { s }).unwrap_or_default())
                .collect()
        })
        .collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["source".to_owned(), "row".to_owned()];
    header.extend(cols.iter().map(|c| c.name.to_owned()));
    w.write_record(&header).ok()?;
    for (i, r) in frame::rows(&df).into_iter().enumerate() {
        let mut rec = vec![source.clone(), r.to_string()];
        rec.extend(text.iter().map(|col| col[i].clone()));
        w.write_record(&rec).ok()?;
    }
    String::from_utf8(w.into_inner().ok()?).ok()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The ring's (or bidder's) members and the evidence steps between them, as DOT and as an SVG drawn
/// on a circle (no layout engine needed).
fn graph(subject: &CaseSubject, findings: &[Finding]) -> (String, String) {
    let mut nodes: BTreeSet<String> = BTreeSet::new();
    let mut edges: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for f in findings {
        for p in &f.paths {
            for s in &p.steps {
                let (a, b) = if s.from <= s.to { (s.from.clone(), s.to.clone()) } else { (s.to.clone(), s.from.clone()) };
                nodes.insert(a.clone());
                nodes.insert(b.clone());
                edges.entry((a, b)).or_default().insert(format!("{} {}={}", s.code, s.field, s.value));
            }
        }
        // pair findings draw the edges only where no ring path does
        if !findings.iter().any(|g| !g.paths.is_empty()) && f.members.len() == 2 && f.code.family() == "COL" {
            let (a, b) = (f.members[0].clone(), f.members[1].clone());
            nodes.insert(a.clone());
            nodes.insert(b.clone());
            // the shared value: the first value that is not the bidder or a count
            let what = f.evidence.first().and_then(|e| {
                e.values
                    .iter()
                    .find(|(k, _)| !matches!(*k, "bidder_id" | "bidders_with_value" | "weight" | "project_id"))
                    .map(|(k, v)| format!("{}={}", k, v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
            });
            edges.entry((a, b)).or_default().insert(format!("{} {}", f.code, what.unwrap_or_default()));
        }
    }
    if let CaseSubject::Bidder(id) = subject {
        nodes.insert(id.clone());
    }
    let mut dot = String::from("graph case {\n  node [shape=box, fontname=\"Noto Sans CJK SC\"];\n");
    for n in &nodes {
        let _ = writeln!(dot, "  \"{n}\";");
    }
    for ((a, b), labels) in &edges {
        let label = labels.iter().cloned().collect::<Vec<_>>().join("\\n").replace('"', "'");
        let _ = writeln!(dot, "  \"{a}\" -- \"{b}\" [label=\"{label}\"];");
    }
    dot.push_str("}\n");
    let list: Vec<&String> = nodes.iter().collect();
    let n = list.len().max(1) as f64;
    let (w, h, r) = (900.0, 700.0, 250.0);
    let pos = |i: usize| {
        let a = std::f64::consts::TAU * i as f64 / n - std::f64::consts::FRAC_PI_2;
        (w / 2.0 + r * a.cos(), h / 2.0 + r * a.sin())
    };
    let at: BTreeMap<&str, (f64, f64)> = list.iter().enumerate().map(|(i, s)| (s.as_str(), pos(i))).collect();
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"Noto Sans CJK SC, sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    for (i, ((a, b), labels)) in edges.iter().enumerate() {
        let ((x1, y1), (x2, y2)) = (at[a.as_str()], at[b.as_str()]);
        let _ = writeln!(svg, "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"#b33\" stroke-width=\"1.5\"/>");
        // labels at 30, 50 or 70 % along, in turn, so that edges from one node or crossing at
        // the centre do not print over each other
        let t = [0.3, 0.5, 0.7][i % 3];
        let (mx, my) = (x1 + (x2 - x1) * t, y1 + (y2 - y1) * t);
        for (k, l) in labels.iter().take(3).enumerate() {
            let _ = writeln!(
                svg,
                "<text x=\"{mx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#444\">{}</text>",
                my + 12.0 * k as f64,
                esc(l)
            );
        }
    }
    for (id, (x, y)) in &at {
        let _ = writeln!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"170\" height=\"22\" rx=\"4\" fill=\"#eef\" stroke=\"#336\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            x - 85.0,
            y - 11.0,
            y + 4.0,
            esc(id)
        );
    }
    svg.push_str("</svg>\n");
    (dot, svg)
}

/// Text for Markdown: a masked identifier's stars are not emphasis.
fn md(s: &str) -> String {
    s.replace('*', "\\*")
}

fn title(subject: &CaseSubject, zh: bool) -> String {
    match (subject, zh) {
        (CaseSubject::Ring(id), true) => format!("案卷：疑似围标团伙 {id}"),
        (CaseSubject::Bidder(id), true) => format!("案卷：投标人 {id}"),
        (CaseSubject::Project(id), true) => format!("案卷：项目 {id}"),
        (CaseSubject::Ring(id), false) => format!("Case file: suspected bid ring {id}"),
        (CaseSubject::Bidder(id), false) => format!("Case file: bidder {id}"),
        (CaseSubject::Project(id), false) => format!("Case file: project {id}"),
    }
}

/// The summary as Markdown: what was found, who, the evidence chain, the legal basis, the files.
fn summary_md(subject: &CaseSubject, findings: &[Finding], catalog: &Catalog, cited: &BTreeMap<String, BTreeSet<u64>>, zh: bool) -> String {
    let mut s = format!("# {}\n\n", title(subject, zh));
    let who: BTreeSet<&str> = findings.iter().flat_map(|f| f.members.iter().map(String::as_str)).collect();
    let projects: BTreeSet<&str> = findings
        .iter()
        .filter_map(|f| f.project_id.as_deref())
        .chain(findings.iter().flat_map(|f| f.projects.iter().map(String::as_str)))
        .collect();
    let h = |zh_s: &str, en_s: &str| if zh { zh_s.to_owned() } else { en_s.to_owned() };
    let _ = writeln!(s, "{}: {}  ", h("发现", "Findings"), findings.len());
    let _ = writeln!(s, "{}: {}  ", h("涉及投标人", "Bidders"), who.iter().copied().collect::<Vec<_>>().join(", "));
    let _ = writeln!(s, "{}: {}\n", h("涉及项目", "Projects"), projects.iter().copied().collect::<Vec<_>>().join(", "));
    let _ = writeln!(s, "## {}\n", h("发现与证据", "What was found, and the evidence"));
    for f in findings {
        let _ = writeln!(s, "- **{}** ({}) {}", f.code, f.severity.label(zh), md(f.message.get(zh)));
        for e in &f.evidence {
            let vals: Vec<String> =
                e.values.iter().map(|(k, v)| format!("{k}={}", v.as_str().map_or_else(|| v.to_string(), str::to_owned))).collect();
            let row = if zh { format!("第 {} 行", e.row) } else { format!("row {}", e.row) };
            let _ = writeln!(s, "  - `{}` {row}: {}", e.table, md(&vals.join(", ")));
        }
    }
    let paths: Vec<_> = findings.iter().flat_map(|f| &f.paths).collect();
    if !paths.is_empty() {
        let _ = writeln!(s, "\n## {}\n", h("证据链（任意两名成员之间）", "Evidence chain (between any two members)"));
        for p in paths {
            let steps: Vec<String> = p
                .steps
                .iter()
                .map(|st| {
                    format!(
                        "{} —{} {}={}{}→ {}",
                        st.from,
                        st.code,
                        st.field,
                        st.value,
                        st.project_id.as_deref().map(|x| format!(" @{x}")).unwrap_or_default(),
                        st.to
                    )
                })
                .collect();
            let _ = writeln!(s, "- {} ⇄ {}: {}", p.from, p.to, md(&steps.join("; ")));
        }
    }
    let _ = writeln!(s, "\n## {}\n", h("法律依据", "Legal basis"));
    let codes: BTreeSet<_> = findings.iter().map(|f| f.code).collect();
    for c in codes {
        if let Some(r) = catalog.record(c) {
            let _ = writeln!(s, "- **{c} {}**: {}{} — 「{}」", r.name(zh), r.basis_instrument, r.basis_article, r.basis_quote);
        }
    }
    let _ = writeln!(s, "\n## {}\n", h("文件", "Files"));
    for (t, rows) in cited {
        let _ = writeln!(s, "- `evidence/{t}.csv`: {} {}", rows.len(), h("行", "rows"));
    }
    let _ = writeln!(s, "- `findings.json`, `graph.dot`, `graph.svg`, `MANIFEST.sha256`");
    s
}

fn summary_html(
    subject: &CaseSubject,
    findings: &[Finding],
    catalog: &Catalog,
    cited: &BTreeMap<String, BTreeSet<u64>>,
    zh: bool,
) -> String {
    // The Markdown, rendered line by line: headings, list items, bold and code spans.
    let md = summary_md(subject, findings, catalog, cited, zh);
    let mut body = String::new();
    let mut in_list = 0usize;
    let inline = |t: &str| {
        let mut out = String::new();
        let (mut bold, mut code) = (false, false);
        let mut rest = esc(t);
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix('\\') {
                // an escaped character stands for itself
                let ch = r.chars().next().unwrap_or(' ');
                out.push(ch);
                rest = r[ch.len_utf8().min(r.len())..].to_owned();
            } else if let Some(r) = rest.strip_prefix("**") {
                out.push_str(if bold { "</b>" } else { "<b>" });
                bold = !bold;
                rest = r.to_owned();
            } else if let Some(r) = rest.strip_prefix('`') {
                out.push_str(if code { "</code>" } else { "<code>" });
                code = !code;
                rest = r.to_owned();
            } else {
                let ch = rest.chars().next().unwrap_or(' ');
                out.push(ch);
                rest = rest[ch.len_utf8()..].to_owned();
            }
        }
        out
    };
    for line in md.lines() {
        let depth = if line.starts_with("  - ") {
            2
        } else if line.starts_with("- ") {
            1
        } else {
            0
        };
        while in_list > depth {
            body.push_str("</ul>\n");
            in_list -= 1;
        }
        while in_list < depth {
            body.push_str("<ul>\n");
            in_list += 1;
        }
        if let Some(t) = line.strip_prefix("# ") {
            let _ = writeln!(body, "<h1>{}</h1>", inline(t));
        } else if let Some(t) = line.strip_prefix("## ") {
            let _ = writeln!(body, "<h2>{}</h2>", inline(t));
        } else if depth > 0 {
            let _ = writeln!(body, "<li>{}</li>", inline(line.trim_start().trim_start_matches("- ")));
        } else if !line.trim().is_empty() {
            let _ = writeln!(body, "<p>{}</p>", inline(line.trim_end()));
        }
    }
    while in_list > 0 {
        body.push_str("</ul>\n");
        in_list -= 1;
    }
    format!(
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>body{{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"Microsoft YaHei\",sans-serif;max-width:60em;margin:2em auto;line-height:1.5;color:#222}}h1{{border-bottom:2px solid #933}}code{{background:#f4f4f4;padding:0 .2em}}li{{margin:.2em 0}}@media print{{body{{margin:0}}}}</style></head>\n<body>\n{body}<p><img src=\"graph.svg\" alt=\"graph\" style=\"max-width:100%\"></p>\n</body></html>\n",
        if zh { "zh-CN" } else { "en" },
        esc(&title(subject, zh))
    )
}

/// `sha256  path` for every file, in path order, after a header saying whether identifiers are masked.
fn manifest(dir: &Path, files: &[PathBuf], unmask: bool) -> Result<String, CaseError> {
    let mut lines: Vec<String> = Vec::new();
    for p in files {
        let bytes = fs::read(p).map_err(io(p))?;
        let rel = p.strip_prefix(dir).unwrap_or(p).to_string_lossy().replace('\\', "/");
        lines.push(format!("{:x}  {rel}", Sha256::digest(&bytes)));
    }
    lines.sort_by(|a, b| a[66..].cmp(&b[66..]));
    let header = format!("# bidwatch case file; personal identifiers: {}\n", if unmask { "unmasked (--unmask)" } else { "masked" });
    Ok(header + &lines.join("\n") + "\n")
}

/// Checks every digest of `MANIFEST.sha256`, and that no file was added; Ok(number of files).
pub fn verify(dir: &Path) -> Result<usize, CaseError> {
    let mpath = dir.join("MANIFEST.sha256");
    let text = fs::read_to_string(&mpath).map_err(io(&mpath))?;
    let mut listed = BTreeSet::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let (digest, rel) = line
            .split_once("  ")
            .ok_or_else(|| CaseError::Manifest { path: mpath.display().to_string(), what: format!("not `digest  path`: {line}") })?;
        let p = dir.join(rel);
        let bytes = fs::read(&p).map_err(io(&p))?;
        if format!("{:x}", Sha256::digest(&bytes)) != digest {
            return Err(CaseError::Manifest {
                path: p.display().to_string(),
                what: "changed since the case was exported (digest differs)".into(),
            });
        }
        listed.insert(rel.to_owned());
    }
    for entry in walk(dir).map_err(io(dir))? {
        let rel = entry.strip_prefix(dir).unwrap_or(&entry).to_string_lossy().replace('\\', "/");
        if rel != "MANIFEST.sha256" && !listed.contains(&rel) {
            return Err(CaseError::Manifest {
                path: entry.display().to_string(),
                what: "not in the manifest (added after the export)".into(),
            });
        }
    }
    Ok(listed.len())
}

fn walk(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            out.extend(walk(&p)?);
        } else {
            out.push(p);
        }
    }
    Ok(out)
}
