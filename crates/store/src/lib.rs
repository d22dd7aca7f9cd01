//! # bidwatch-store: what every night found, kept
//!
//! A supervisor needs to know what is *new* tonight, not only what is there. Each `check` run is
//! recorded in a SQLite file (default `bidwatch.db`) in one transaction: the run (when, the input's
//! fingerprint, the rule set, counts) and its findings, each with a fingerprint that stays the
//! same across nights for the same rule, subject, project and members, so the next run can say
//! what appeared and what disappeared. A run that fails half-way leaves the store as it was.
//! The schema is versioned (`PRAGMA user_version`) and migrated forward on open.

pub mod draw;

use std::path::Path;

use bidwatch_model::Finding;
use rayon::prelude::*;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Sqlite {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("{path}: store schema version {found} is newer than this bidwatch ({supported}); use a newer bidwatch")]
    TooNew { path: String, found: i64, supported: i64 },
}

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 6;

const MIGRATIONS: &[&str] = &[
    // 1: runs and their findings
    "CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        data TEXT NOT NULL,
        input_fingerprint TEXT NOT NULL,
        rule_set TEXT NOT NULL,
        rows_read INTEGER NOT NULL,
        rows_set_aside INTEGER NOT NULL,
        findings INTEGER NOT NULL
    );
    CREATE TABLE findings (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        fingerprint TEXT NOT NULL,
        code TEXT NOT NULL,
        severity TEXT NOT NULL,
        subject_kind TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        project_id TEXT,
        score REAL NOT NULL,
        finding TEXT NOT NULL,
        PRIMARY KEY (run_id, fingerprint)
    );
    CREATE INDEX findings_by_code ON findings(code, run_id);",
    // 2: every project's risk per run, and the inspection draws made from them
    "CREATE TABLE project_risk (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        project_id TEXT NOT NULL,
        category TEXT,
        risk REAL NOT NULL,
        drivers TEXT NOT NULL,
        PRIMARY KEY (run_id, project_id)
    );
    CREATE TABLE draws (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        drawn_at TEXT NOT NULL,
        seed INTEGER NOT NULL,
        n INTEGER NOT NULL,
        category TEXT,
        projects TEXT NOT NULL
    );",
    // 3: the status of cases handed to an investigation, with every change
    "CREATE TABLE case_status (
        case_id TEXT NOT NULL,
        status TEXT NOT NULL,
        at TEXT NOT NULL,
        by_whom TEXT NOT NULL,
        note TEXT NOT NULL
    );
    CREATE INDEX case_status_by_case ON case_status(case_id);",
    // 4: the points of each run: the ledger as read, and the deductions this run proposed
    "CREATE TABLE points (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        source TEXT NOT NULL,
        subject_kind TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        rule_code TEXT NOT NULL,
        points REAL NOT NULL,
        occurred_at TEXT,
        status TEXT NOT NULL,
        project_id TEXT
    );
    CREATE INDEX points_by_subject ON points(subject_kind, subject_id, run_id);",
    // 5: a run's fingerprints and severities in one index, read without the findings' rows: the
    // next night compares with them, and through the primary key each was a page of the table
    // (852,504 findings: 57 GB read, 16 s)
    "CREATE INDEX findings_severity ON findings(run_id, fingerprint, severity);",
    // 6: when a run's findings and risks were let go (`Store::prune`); its row, points and draws stay
    "ALTER TABLE runs ADD COLUMN pruned_at TEXT;",
];

/// One row of the points kept with a run: `source` is `ledger` (the bureau's ledger as read) or
/// `proposed` (a finding of this run that carries points; status `proposed`).
#[derive(Debug, Clone, PartialEq)]
pub struct PointRow {
    pub source: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub rule_code: String,
    pub points: f64,
    pub occurred_at: Option<String>,
    pub status: String,
    pub project_id: Option<String>,
}

/// Where a case stands: opened when exported, reviewed, referred (to the discipline commission, the
/// police or a line ministry), closed.
pub const CASE_STATUSES: [&str; 4] = ["open", "under_review", "referred", "closed"];

/// One change of a case's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseChange {
    pub status: String,
    pub at: String,
    pub by: String,
    pub note: String,
}

/// The identity of a finding across nights: rule, subject, project and members (not the score or
/// the evidence, which may grow).
pub fn fingerprint(f: &Finding) -> String {
    let mut h = Sha256::new();
    for part in [f.code.to_string().as_str(), f.subject.kind.as_str(), &f.subject.id, f.project_id.as_deref().unwrap_or("")] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    for m in &f.members {
        h.update(m.as_bytes());
        h.update([1u8]);
    }
    // Two findings of one rule on one subject and project differ by what they found (PRC-004's two cases).
    if let Some(case) = f.thresholds.get("case") {
        h.update(case.to_string().as_bytes());
    }
    let digest = h.finalize();
    digest.iter().take(12).map(|b| format!("{b:02x}")).collect()
}

/// A run to record.
#[derive(Debug, Clone)]
pub struct RunRecord {
    pub started_at: String,
    pub data: String,
    pub input_fingerprint: String,
    pub rule_set: String,
    pub rows_read: usize,
    pub rows_set_aside: usize,
}

/// What changed since the previous run over the same data folder.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    pub run_id: i64,
    pub previous_run: Option<i64>,
    pub new: usize,
    pub gone: usize,
    pub same_input: bool,
    /// Where, in the findings recorded, those whose fingerprint the previous run did not have are
    /// (every finding on a first run), in order.
    pub new_at: Vec<usize>,
    /// The fingerprints of the previous run's findings that this run no longer has, in order.
    pub gone_fingerprints: Vec<String>,
    /// The first [`GONE_KEPT`] of them as they were recorded (the rest stay in the store, under
    /// the previous run): a night that drops most of 850,000 findings reads back a few, not all.
    pub gone_findings: Vec<Finding>,
    /// Findings of both runs whose severity changed: (where in the findings recorded, the
    /// previous severity).
    pub changed: Vec<(usize, String)>,
}

/// The previous run's fingerprints and severities, in order: read from one index
/// (`findings_severity`), never from the findings' rows.
const PREVIOUS_RUN: &str = "SELECT fingerprint, severity FROM findings WHERE run_id = ?1 ORDER BY fingerprint";

/// How many of the findings gone since the previous run [`Changes::gone_findings`] holds.
pub const GONE_KEPT: usize = 100;

#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: String,
}

impl Store {
    /// Opens (or creates) a store and migrates it to [`SCHEMA_VERSION`].
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let p = path.display().to_string();
        let err = |source| StoreError::Sqlite { path: p.clone(), source };
        let conn = Connection::open(path).map_err(err)?;
        // A new store's pages are 64 KiB (SQLite's largest; the default is 4 KiB): a night's
        // findings are ≈ 1 KB of JSON each, and at 850,000 of them the insert took 14.8 s with
        // 4 KiB pages, 10.5 s with 16 KiB, 9.2 s with 64 KiB (fewer pages to split and to copy
        // through the write-ahead log). No effect on a store that already has tables.
        conn.pragma_update(None, "page_size", 65_536).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
        // A night's findings go in by fingerprint, a hash: random places in the key's B-tree. With
        // SQLite's default 2 MB page cache that index thrashes past ~100,000 findings (29.7 s for
        // 852,510); 256 MB holds it.
        conn.pragma_update(None, "cache_size", -262_144).map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(err)?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(err)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew { path: p, found: version, supported: SCHEMA_VERSION });
        }
        for (i, m) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            conn.execute_batch(&format!("BEGIN; {m}; PRAGMA user_version = {}; COMMIT;", i + 1)).map_err(err)?;
        }
        Ok(Store { conn, path: p })
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Sqlite { path: self.path.clone(), source }
    }

    /// Records a run, its findings and every project's risk in one transaction, and says what
    /// changed since the previous run over the same data folder.
    pub fn record(&mut self, run: &RunRecord, findings: &[Finding], risks: &[draw::Candidate]) -> Result<Changes, StoreError> {
        self.record_with_points(run, findings, risks, &[])
    }

    /// [`Store::record`], keeping the run's points too (the ledger as read; this run's proposals).
    pub fn record_with_points(
        &mut self,
        run: &RunRecord,
        findings: &[Finding],
        risks: &[draw::Candidate],
        points: &[PointRow],
    ) -> Result<Changes, StoreError> {
        let changes = self.record_if(run, findings, || Some((risks, points)), || true)?;
        Ok(changes.expect("a run confirmed is recorded"))
    }

    /// [`Store::record_with_points`], committed only when `confirm` — asked once everything is
    /// written, just before the commit — says yes; otherwise nothing is kept and `None` returned.
    /// The run can be recorded while its outputs are still being written, and a run whose outputs
    /// failed leaves the store as it was.
    ///
    /// The projects' risks and the points are asked for (`rest`) once the findings are in: they
    /// can be worked out beside the findings' inserts (at 10M bids the risks take 3 s of one
    /// core, and the inserts 12). `rest` giving nothing leaves the store as it was, as a `confirm`
    /// that says no.
    pub fn record_if<R, P>(
        &mut self,
        run: &RunRecord,
        findings: &[Finding],
        rest: impl FnOnce() -> Option<(R, P)>,
        confirm: impl FnOnce() -> bool,
    ) -> Result<Option<Changes>, StoreError>
    where
        R: AsRef<[draw::Candidate]>,
        P: AsRef<[PointRow]>,
    {
        let path = self.path.clone();
        let err = move |source| StoreError::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction().map_err(&err)?;
        let previous: Option<(i64, String)> = tx
            .query_row("SELECT id, input_fingerprint FROM runs WHERE data = ?1 ORDER BY id DESC LIMIT 1", [&run.data], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(&err)?;
        tx.execute(
            "INSERT INTO runs (started_at, data, input_fingerprint, rule_set, rows_read, rows_set_aside, findings) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![run.started_at, run.data, run.input_fingerprint, run.rule_set, run.rows_read as i64, run.rows_set_aside as i64, findings.len() as i64],
        )
        .map_err(&err)?;
        let run_id = tx.last_insert_rowid();
        // every finding's fingerprint, in the findings' order, and the findings in their
        // fingerprints' order (sorted once): they go in that way, so each of the key's indexes
        // grows at its end, and the previous run's fingerprints, in the same order, are walked
        // beside them. The sort is stable: of two findings with one fingerprint, the first is kept.
        let fps: Vec<String> = findings.par_iter().map(fingerprint).collect();
        let mut order: Vec<u32> = (0..fps.len() as u32).collect();
        order.par_sort_by(|&a, &b| fps[a as usize].cmp(&fps[b as usize]));
        {
            let mut ins = tx
                .prepare("INSERT OR IGNORE INTO findings (run_id, fingerprint, code, severity, subject_kind, subject_id, project_id, score, finding) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
                .map_err(&err)?;
            // The JSON is made on the other threads (rayon, a block at a time, two blocks ahead)
            // while SQLite takes the rows one by one: at 850,000 findings the serialising was
            // most of the store's time, and then half of what was left.
            const BLOCK: usize = 4096;
            let order = &order;
            std::thread::scope(|s| {
                let (made, taken) = std::sync::mpsc::sync_channel::<Vec<String>>(2);
                s.spawn(move || {
                    for block in order.chunks(BLOCK) {
                        let rows = block.par_iter().map(|&i| findings[i as usize].to_json_line()).collect();
                        // the inserts stopped (an error): nothing more to make
                        if made.send(rows).is_err() {
                            break;
                        }
                    }
                });
                for (block, rows) in order.chunks(BLOCK).zip(taken) {
                    for (&i, json) in block.iter().zip(rows) {
                        let f = &findings[i as usize];
                        ins.execute(params![
                            run_id,
                            fps[i as usize],
                            f.code.to_string(),
                            f.severity.as_str(),
                            f.subject.kind.as_str(),
                            f.subject.id,
                            f.project_id,
                            f.score,
                            json
                        ])
                        .map_err(&err)?;
                    }
                }
                Ok::<_, StoreError>(())
            })?;
        }
        let Some((risks, points)) = rest() else {
            tx.rollback().map_err(&err)?;
            return Ok(None);
        };
        let (risks, points) = (risks.as_ref(), points.as_ref());
        {
            // A project given twice keeps its last risk. That is settled here, not by SQLite's
            // `INSERT OR REPLACE`: a statement that may delete a row copies every page it touches
            // to a statement journal first (911,577 projects: 9.3 s, 1 s without).
            let mut by_project: Vec<u32> = (0..risks.len() as u32).collect();
            by_project.sort_by(|&a, &b| risks[a as usize].project_id.cmp(&risks[b as usize].project_id));
            let mut ins = tx
                .prepare("INSERT INTO project_risk (run_id, project_id, category, risk, drivers) VALUES (?1, ?2, ?3, ?4, ?5)")
                .map_err(&err)?;
            for same in by_project.chunk_by(|&a, &b| risks[a as usize].project_id == risks[b as usize].project_id) {
                let r = &risks[same[same.len() - 1] as usize];
                ins.execute(params![run_id, r.project_id, r.category, r.risk, r.drivers]).map_err(&err)?;
            }
        }
        {
            let mut ins = tx
                .prepare("INSERT INTO points (run_id, source, subject_kind, subject_id, rule_code, points, occurred_at, status, project_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
                .map_err(&err)?;
            for p in points {
                ins.execute(params![
                    run_id,
                    p.source,
                    p.subject_kind,
                    p.subject_id,
                    p.rule_code,
                    p.points,
                    p.occurred_at,
                    p.status,
                    p.project_id
                ])
                .map_err(&err)?;
            }
        }
        let distinct = order.chunk_by(|&a, &b| fps[a as usize] == fps[b as usize]).count();
        let mut changes = Changes { run_id, previous_run: previous.as_ref().map(|p| p.0), new: distinct, ..Changes::default() };
        if let Some((prev, prev_fp)) = previous {
            // The previous run's fingerprints and severities, in order, not its findings: at
            // 850,000 findings those are ≈ 0.8 GB of JSON, and a night needs back only the few
            // that are gone.
            let before: Vec<(String, String)> = {
                let mut q = tx.prepare(PREVIOUS_RUN).map_err(&err)?;
                let rows = q.query_map([prev], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(&err)?;
                rows.collect::<Result<_, _>>().map_err(&err)?
            };
            // each finding's severity in the previous run (None: new), and the fingerprints gone
            let mut severity_before: Vec<Option<&str>> = vec![None; fps.len()];
            let mut gone = Vec::new();
            let mut earlier = before.iter().peekable();
            changes.new = 0;
            for same in order.chunk_by(|&a, &b| fps[a as usize] == fps[b as usize]) {
                let fp = fps[same[0] as usize].as_str();
                while let Some((f, _)) = earlier.next_if(|(f, _)| f.as_str() < fp) {
                    gone.push(f.clone());
                }
                match earlier.next_if(|(f, _)| f == fp) {
                    Some((_, severity)) => same.iter().for_each(|&i| severity_before[i as usize] = Some(severity.as_str())),
                    None => changes.new += 1,
                }
            }
            gone.extend(earlier.map(|(f, _)| f.clone()));
            changes.new_at = (0..fps.len()).filter(|&i| severity_before[i].is_none()).collect();
            changes.changed = findings
                .iter()
                .zip(&severity_before)
                .enumerate()
                .filter_map(|(i, (f, old))| old.filter(|old| *old != f.severity.as_str()).map(|old| (i, old.to_owned())))
                .collect();
            changes.gone = gone.len();
            changes.gone_fingerprints = gone;
            {
                let mut q = tx.prepare("SELECT finding FROM findings WHERE run_id = ?1 AND fingerprint = ?2").map_err(&err)?;
                for fp in changes.gone_fingerprints.iter().take(GONE_KEPT) {
                    let json: String = q.query_row(params![prev, fp], |r| r.get(0)).map_err(&err)?;
                    // a finding recorded by an older bidwatch that this one cannot read is counted, not shown
                    if let Ok(f) = serde_json::from_str(&json) {
                        changes.gone_findings.push(f);
                    }
                }
            }
            changes.same_input = prev_fp == run.input_fingerprint;
        } else {
            // a first run: every finding is new
            changes.new_at = (0..findings.len()).collect();
        }
        if !confirm() {
            tx.rollback().map_err(&err)?;
            return Ok(None);
        }
        tx.commit().map_err(&err)?;
        Ok(Some(changes))
    }

    /// Lets go of the findings and project risks of the runs over `data` older than its newest
    /// `keep` (the run just recorded counts as one), so that a store written every night stops
    /// growing at the size of `keep` + 1 nights (a night is written before the oldest is let go;
    /// at 10M bids a night's findings are ≈ 1.2 GB, and letting one go takes ≈ 4 s). A run pruned keeps
    /// its row (when, what it read, how many findings), its points and the draws made from it,
    /// and is marked with `at`; SQLite reuses the pages freed for the next nights. Returns the
    /// runs pruned now, oldest first. `keep` is at least one: the newest run is what the next
    /// night is compared with.
    pub fn prune(&mut self, data: &str, keep: std::num::NonZeroUsize, at: &str) -> Result<Vec<i64>, StoreError> {
        let path = self.path.clone();
        let err = move |source| StoreError::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction().map_err(&err)?;
        let older: Vec<i64> = {
            let mut q = tx
                .prepare("SELECT id FROM runs WHERE data = ?1 AND pruned_at IS NULL AND id < (SELECT id FROM runs WHERE data = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2) ORDER BY id")
                .map_err(&err)?;
            let rows = q.query_map(params![data, keep.get() as i64 - 1], |r| r.get(0)).map_err(&err)?;
            rows.collect::<Result<_, _>>().map_err(&err)?
        };
        for run in &older {
            tx.execute("DELETE FROM findings WHERE run_id = ?1", [run]).map_err(&err)?;
            tx.execute("DELETE FROM project_risk WHERE run_id = ?1", [run]).map_err(&err)?;
            tx.execute("UPDATE runs SET pruned_at = ?2 WHERE id = ?1", params![run, at]).map_err(&err)?;
        }
        tx.commit().map_err(&err)?;
        Ok(older)
    }

    /// When a run's findings and risks were let go ([`Store::prune`]); `None` for a run that
    /// keeps them, or an unknown one.
    pub fn pruned_at(&self, run_id: i64) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT pruned_at FROM runs WHERE id = ?1", [run_id], |r| r.get::<_, Option<String>>(0))
            .optional()
            .map(Option::flatten)
            .map_err(self.err())
    }

    /// The newest run (over `data`, when given).
    pub fn latest_run(&self, data: Option<&str>) -> Result<Option<i64>, StoreError> {
        let q = match data {
            Some(d) => self.conn.query_row("SELECT MAX(id) FROM runs WHERE data = ?1", [d], |r| r.get(0)),
            None => self.conn.query_row("SELECT MAX(id) FROM runs", [], |r| r.get(0)),
        };
        q.map_err(self.err())
    }

    /// The data folder a run read.
    pub fn run_data(&self, run_id: i64) -> Result<Option<String>, StoreError> {
        self.conn.query_row("SELECT data FROM runs WHERE id = ?1", [run_id], |r| r.get(0)).optional().map_err(self.err())
    }

    /// The projects of a run with their risk, in project-id order (none for an unknown run).
    pub fn risks(&self, run_id: i64) -> Result<Vec<draw::Candidate>, StoreError> {
        let mut q = self
            .conn
            .prepare("SELECT project_id, category, risk, drivers FROM project_risk WHERE run_id = ?1 ORDER BY project_id")
            .map_err(self.err())?;
        let rows = q
            .query_map([run_id], |r| {
                Ok(draw::Candidate { project_id: r.get(0)?, category: r.get(1)?, risk: r.get(2)?, drivers: r.get(3)? })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Records a draw; returns its id.
    pub fn record_draw(
        &mut self,
        run_id: i64,
        drawn_at: &str,
        seed: u64,
        n: usize,
        category: Option<&str>,
        drawn: &[draw::Candidate],
    ) -> Result<i64, StoreError> {
        let ids: Vec<&str> = drawn.iter().map(|c| c.project_id.as_str()).collect();
        let projects = serde_json::to_string(&ids).unwrap_or_default();
        self.conn
            .execute(
                "INSERT INTO draws (run_id, drawn_at, seed, n, category, projects) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![run_id, drawn_at, seed as i64, n as i64, category, projects],
            )
            .map_err(self.err())?;
        Ok(self.conn.last_insert_rowid())
    }

    /// A recorded draw: (run id, seed, the projects drawn in order).
    pub fn draw(&self, id: i64) -> Result<Option<(i64, u64, Vec<String>)>, StoreError> {
        let row: Option<(i64, i64, String)> = self
            .conn
            .query_row("SELECT run_id, seed, projects FROM draws WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()
            .map_err(self.err())?;
        Ok(row.map(|(run, seed, p)| (run, seed as u64, serde_json::from_str(&p).unwrap_or_default())))
    }

    /// Records a change of a case's status (one of [`CASE_STATUSES`]).
    pub fn set_case_status(&mut self, case_id: &str, change: &CaseChange) -> Result<(), StoreError> {
        if !CASE_STATUSES.contains(&change.status.as_str()) {
            return Err(StoreError::Invalid(format!("case status {:?}: expected one of {}", change.status, CASE_STATUSES.join(", "))));
        }
        self.conn
            .execute(
                "INSERT INTO case_status (case_id, status, at, by_whom, note) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![case_id, change.status, change.at, change.by, change.note],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Every status a case has had, oldest first (empty: never recorded).
    pub fn case_history(&self, case_id: &str) -> Result<Vec<CaseChange>, StoreError> {
        let mut q =
            self.conn.prepare("SELECT status, at, by_whom, note FROM case_status WHERE case_id = ?1 ORDER BY rowid").map_err(self.err())?;
        let rows = q
            .query_map([case_id], |r| Ok(CaseChange { status: r.get(0)?, at: r.get(1)?, by: r.get(2)?, note: r.get(3)? }))
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// The points kept with a run, in the order recorded.
    pub fn points(&self, run_id: i64) -> Result<Vec<PointRow>, StoreError> {
        let mut q = self
            .conn
            .prepare("SELECT source, subject_kind, subject_id, rule_code, points, occurred_at, status, project_id FROM points WHERE run_id = ?1 ORDER BY rowid")
            .map_err(self.err())?;
        let rows = q
            .query_map([run_id], |r| {
                Ok(PointRow {
                    source: r.get(0)?,
                    subject_kind: r.get(1)?,
                    subject_id: r.get(2)?,
                    rule_code: r.get(3)?,
                    points: r.get(4)?,
                    occurred_at: r.get(5)?,
                    status: r.get(6)?,
                    project_id: r.get(7)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Number of runs recorded.
    pub fn runs(&self) -> Result<i64, StoreError> {
        self.conn.query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0)).map_err(self.err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bidwatch_model::{RuleCode, Severity, Subject, Text};

    fn finding(project: &str) -> Finding {
        Finding::new(RuleCode::new("CNT-001").expect("code"), Severity::Violation, Subject::project(project), Text::new("x", "x"))
            .in_project(project)
    }

    fn run(fp: &str) -> RunRecord {
        RunRecord {
            started_at: "2026-11-25T01:00:00".into(),
            data: "/data/county".into(),
            input_fingerprint: fp.into(),
            rule_set: "built-in".into(),
            rows_read: 10,
            rows_set_aside: 0,
        }
    }

    #[test]
    fn the_second_night_says_what_is_new_and_what_is_gone() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut store = Store::open(&dir.path().join("bidwatch.db")).expect("open");
        let first = store.record(&run("a"), &[finding("P1"), finding("P2")], &[]).expect("run 1");
        assert_eq!((first.new, first.gone, first.previous_run), (2, 0, None));
        let same = store.record(&run("a"), &[finding("P1"), finding("P2")], &[]).expect("run 2");
        assert_eq!((same.new, same.gone, same.same_input), (0, 0, true));
        let third = store.record(&run("b"), &[finding("P2"), finding("P3")], &[]).expect("run 3");
        assert_eq!((third.new, third.gone, third.same_input), (1, 1, false));
        assert_eq!(third.gone_findings, vec![finding("P1")]);
        // the same finding as a signal now: changed, not new
        let mut p2 = finding("P2");
        p2.severity = Severity::Signal;
        let fourth = store.record(&run("c"), &[p2.clone(), finding("P3")], &[]).expect("run 4");
        assert_eq!((fourth.new, fourth.gone), (0, 0));
        assert_eq!(fourth.changed, vec![(0, "violation".to_owned())]);
        drop(store);
        let store = Store::open(&dir.path().join("bidwatch.db")).expect("reopen");
        assert_eq!(store.runs().expect("runs"), 4);
    }

    #[test]
    fn a_night_that_drops_many_findings_counts_them_all_and_reads_back_the_first() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut store = Store::open(&dir.path().join("bw.db")).expect("open");
        let many: Vec<Finding> = (0..GONE_KEPT + 30).map(|i| finding(&format!("P{i}"))).collect();
        store.record(&run("a"), &many, &[]).expect("run 1");
        // the next night keeps the last finding only, as a signal, and adds one (found twice)
        let mut kept = many[many.len() - 1].clone();
        kept.severity = Severity::Signal;
        let next = store.record(&run("b"), &[finding("NEW"), kept, finding("NEW")], &[]).expect("run 2");
        assert_eq!((next.new, next.gone), (1, many.len() - 1));
        assert_eq!(next.new_at, vec![0, 2]);
        assert_eq!(next.changed, vec![(1, "violation".to_owned())]);
        let mut gone: Vec<(String, &Finding)> = many[..many.len() - 1].iter().map(|f| (fingerprint(f), f)).collect();
        gone.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(next.gone_fingerprints, gone.iter().map(|g| g.0.clone()).collect::<Vec<_>>());
        let first: Vec<Finding> = gone.iter().take(GONE_KEPT).map(|g| g.1.clone()).collect();
        assert_eq!(next.gone_findings, first);
    }

    #[test]
    fn the_previous_run_is_read_from_an_index_alone() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::open(&dir.path().join("bw.db")).expect("open");
        let plan: Vec<String> = store
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {PREVIOUS_RUN}"))
            .expect("plan")
            .query_map([1], |r| r.get::<_, String>(3))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("plan rows");
        assert_eq!(plan, vec!["SEARCH findings USING COVERING INDEX findings_severity (run_id=?)".to_owned()]);
    }

    #[test]
    fn a_version_1_store_is_migrated_and_keeps_its_runs() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("old.db");
        {
            let conn = Connection::open(&path).expect("open");
            conn.execute_batch(&format!("BEGIN; {}; PRAGMA user_version = 1; COMMIT;", MIGRATIONS[0])).expect("v1");
            conn.execute(
                "INSERT INTO runs (started_at, data, input_fingerprint, rule_set, rows_read, rows_set_aside, findings) VALUES ('t', '/d', 'a', 'b', 1, 0, 0)",
                [],
            )
            .expect("run");
        }
        let mut store = Store::open(&path).expect("migrate");
        assert_eq!(store.runs().expect("runs"), 1);
        let risk = draw::Candidate { project_id: "P1".into(), category: Some("engineering".into()), risk: 0.5, drivers: "CNT-001".into() };
        let changes = store.record(&run("c"), &[finding("P1")], std::slice::from_ref(&risk)).expect("run 2");
        assert_eq!(store.risks(changes.run_id).expect("risks"), vec![risk]);
        assert_eq!(store.latest_run(None).expect("latest"), Some(changes.run_id));
        let version: i64 = store.conn.pragma_query_value(None, "user_version", |r| r.get(0)).expect("version");
        assert_eq!(version, SCHEMA_VERSION);
        // an existing store keeps the page size it was made with
        let page: i64 = store.conn.pragma_query_value(None, "page_size", |r| r.get(0)).expect("page size");
        assert_eq!(page, 4096);
    }

    #[test]
    fn a_new_store_is_made_of_large_pages() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut store = Store::open(&dir.path().join("bw.db")).expect("open");
        store.record(&run("a"), &[finding("P1")], &[]).expect("run");
        drop(store);
        let store = Store::open(&dir.path().join("bw.db")).expect("reopen");
        let page: i64 = store.conn.pragma_query_value(None, "page_size", |r| r.get(0)).expect("page size");
        assert_eq!(page, 65_536);
        assert_eq!(store.runs().expect("runs"), 1);
    }

    #[test]
    fn a_run_not_confirmed_leaves_the_store_as_it_was() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut store = Store::open(&dir.path().join("bw.db")).expect("open");
        let first = store.record(&run("a"), &[finding("P1")], &[]).expect("run 1");
        let none: (&[draw::Candidate], &[PointRow]) = (&[], &[]);
        let mut asked = false;
        let not = store
            .record_if(
                &run("b"),
                &[finding("P2")],
                || Some(none),
                || {
                    asked = true;
                    false
                },
            )
            .expect("run 2");
        assert!(asked);
        assert_eq!(not, None);
        // the risks and points never given: nothing kept, and the outputs not asked about
        let mut asked = false;
        let not = store
            .record_if(
                &run("b"),
                &[finding("P2")],
                || None::<(Vec<draw::Candidate>, Vec<PointRow>)>,
                || {
                    asked = true;
                    true
                },
            )
            .expect("run 2 again");
        assert!(!asked);
        assert_eq!(not, None);
        assert_eq!(store.runs().expect("runs"), 1);
        // the next run is compared with the first: the runs not recorded left nothing behind
        let next = store.record(&run("c"), &[finding("P1"), finding("P3")], &[]).expect("run 3");
        assert_eq!((next.previous_run, next.new, next.gone), (Some(first.run_id), 1, 0));
        assert_eq!(next.new_at, vec![1]);
    }

    #[test]
    fn of_two_findings_with_one_fingerprint_the_first_is_kept() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut store = Store::open(&dir.path().join("bw.db")).expect("open");
        // the same finding scored differently: one fingerprint, two rows given, many times over so
        // that a sort that does not keep their order would show it
        let mut given = Vec::new();
        for i in 0..2000 {
            given.push(finding(&format!("P{i}")).with_score(0.25));
            given.push(finding(&format!("P{i}")).with_score(0.75));
        }
        store.record(&run("a"), &given, &[]).expect("run 1");
        let next = store.record(&run("b"), &[], &[]).expect("run 2");
        assert_eq!(next.gone, 2000);
        assert!(next.gone_findings.iter().all(|f| f.score == 0.25), "the first of each pair is the one kept");
    }

    #[test]
    fn a_project_given_twice_keeps_its_last_risk() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut store = Store::open(&dir.path().join("bw.db")).expect("open");
        let risk = |p: &str, r: f64| draw::Candidate { project_id: p.into(), category: None, risk: r, drivers: format!("d{r}") };
        let given = [risk("P2", 0.1), risk("P1", 0.2), risk("P2", 0.3), risk("P3", 0.4), risk("P2", 0.5)];
        let c = store.record(&run("a"), &[], &given).expect("run");
        assert_eq!(store.risks(c.run_id).expect("risks"), vec![risk("P1", 0.2), risk("P2", 0.5), risk("P3", 0.4)]);
    }

    #[test]
    fn pruning_keeps_the_newest_runs_of_a_folder_whole() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut store = Store::open(&dir.path().join("bw.db")).expect("open");
        let risk = |p: &str| draw::Candidate { project_id: p.into(), category: None, risk: 0.5, drivers: String::new() };
        let other = RunRecord { data: "/data/other".into(), ..run("x") };
        let mut ids = Vec::new();
        for night in 0..4 {
            let c = store.record(&run(&format!("n{night}")), &[finding(&format!("P{night}"))], &[risk("P1")]).expect("run");
            ids.push(c.run_id);
            if night == 0 {
                store.record(&other, &[finding("Q")], &[risk("Q")]).expect("other folder");
            }
        }
        let keep = |n| std::num::NonZeroUsize::new(n).expect("nonzero");
        // the newest two over /data/county keep theirs; the other folder's run is not touched
        assert_eq!(store.prune("/data/county", keep(2), "2026-11-28T01:00:00").expect("prune"), vec![ids[0], ids[1]]);
        let count = |sql: &str, run: i64| -> i64 { store.conn.query_row(sql, [run], |r| r.get(0)).expect("count") };
        for (i, &id) in ids.iter().enumerate() {
            let kept = i >= 2;
            assert_eq!(count("SELECT COUNT(*) FROM findings WHERE run_id = ?1", id), kept as i64, "run {i}");
            assert_eq!(store.risks(id).expect("risks").len(), kept as usize, "run {i}");
            assert_eq!(store.pruned_at(id).expect("pruned").is_some(), !kept, "run {i}");
        }
        assert_eq!(count("SELECT COUNT(*) FROM findings WHERE run_id = ?1", ids[0] + 1), 1, "the other folder's run");
        assert_eq!(store.runs().expect("runs"), 5, "every run keeps its row");
        // a second prune finds nothing more to do, and the next night is still compared with the newest
        assert_eq!(store.prune("/data/county", keep(2), "later").expect("again"), Vec::<i64>::new());
        assert_eq!(store.pruned_at(ids[0]).expect("first mark kept").as_deref(), Some("2026-11-28T01:00:00"));
        let next = store.record(&run("n4"), &[finding("P3")], &[]).expect("next night");
        assert_eq!((next.previous_run, next.new, next.gone), (Some(ids[3]), 0, 0));
        assert_eq!(store.prune("/data/county", keep(1), "later").expect("keep one"), vec![ids[2], ids[3]]);
    }

    #[test]
    fn a_case_keeps_every_status_it_had() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut store = Store::open(&dir.path().join("bw.db")).expect("open");
        let ch = |s: &str| CaseChange {
            status: s.into(), at: "2026-11-25T10:00:00".into(), by: "张三".into(), note: "移交县纪委".into()
        };
        store.set_case_status("RING-1", &ch("open")).expect("open");
        store.set_case_status("RING-1", &ch("referred")).expect("referred");
        assert!(store.set_case_status("RING-1", &ch("lost")).is_err());
        let h = store.case_history("RING-1").expect("history");
        assert_eq!(h.iter().map(|c| c.status.as_str()).collect::<Vec<_>>(), vec!["open", "referred"]);
        assert!(store.case_history("RING-2").expect("none").is_empty());
    }

    #[test]
    fn a_run_keeps_its_points() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut store = Store::open(&dir.path().join("bw.db")).expect("open");
        let p = PointRow {
            source: "proposed".into(),
            subject_kind: "expert".into(),
            subject_id: "E1".into(),
            rule_code: "EXP-002".into(),
            points: 5.0,
            occurred_at: None,
            status: "proposed".into(),
            project_id: Some("P1".into()),
        };
        let c = store.record_with_points(&run("a"), &[], &[], std::slice::from_ref(&p)).expect("run");
        assert_eq!(store.points(c.run_id).expect("points"), vec![p]);
    }

    #[test]
    fn fingerprints_ignore_score_and_evidence() {
        let a = finding("P1");
        let b = finding("P1").with_score(0.2).with_threshold("min_bidders", 3);
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(fingerprint(&a), fingerprint(&finding("P2")));
    }
}
