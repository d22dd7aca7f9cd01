//! Rings reported against rings planted.
//!
//! A planted ring *left evidence* when `truth.csv` records evidence (a shared machine, lock,
//! account, person, author or IP in some project) between at least two of its members; only those
//! members can be found from the data, so recall is measured on them. A planted ring is **found**
//! when one reported ring holds at least half of its evidenced members and at least half of that
//! reported ring are members of the planted one. A reported ring is **correct** when more than
//! half of its members belong to one planted ring. A planted ring is
//! **whole** when one reported ring holds all its evidenced members. A **trap** is a firm planted
//! to look suspicious (carrier NAT IP, a generic author, a sister firm) that must not be in any
//! reported ring.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use bidwatch_model::{Finding, SubjectKind};

use crate::EvalError;

/// What `truth.csv` says about rings.
#[derive(Debug, Default, Clone)]
pub struct Truth {
    /// Ring id → all its members.
    pub members: BTreeMap<String, BTreeSet<String>>,
    /// Ring id → members that share evidence with another member.
    pub evidenced: BTreeMap<String, BTreeSet<String>>,
    /// Ring id → link kinds planted.
    pub links: BTreeMap<String, String>,
    /// Firm → the trap kinds it was planted as.
    pub traps: BTreeMap<String, BTreeSet<String>>,
}

impl Truth {
    pub fn read(path: &Path) -> Result<Truth, EvalError> {
        let p = path.display().to_string();
        let mut rdr = csv::Reader::from_path(path).map_err(|source| EvalError::Csv { path: p.clone(), source })?;
        let headers = rdr.headers().map_err(|source| EvalError::Csv { path: p.clone(), source })?.clone();
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| EvalError::Format { path: p.clone(), reason: format!("no column `{name}`") })
        };
        let (kind, ring, a, b, detail) = (col("kind")?, col("ring_id")?, col("bidder_a")?, col("bidder_b")?, col("detail")?);
        let mut t = Truth::default();
        for rec in rdr.records() {
            let rec = rec.map_err(|source| EvalError::Csv { path: p.clone(), source })?;
            let get = |i: usize| rec.get(i).unwrap_or("").to_owned();
            match get(kind).as_str() {
                "ring_member" => {
                    t.members.entry(get(ring)).or_default().insert(get(a));
                    t.links.insert(get(ring), get(detail));
                }
                "evidence" => {
                    let e = t.evidenced.entry(get(ring)).or_default();
                    e.insert(get(a));
                    e.insert(get(b));
                }
                k if k.starts_with("trap_") => {
                    for firm in [get(a), get(b)].into_iter().filter(|f| !f.is_empty()) {
                        t.traps.entry(firm).or_default().insert(k.to_owned());
                    }
                }
                _ => {}
            }
        }
        Ok(t)
    }
}

/// One planted ring, measured.
#[derive(Debug, Clone, PartialEq)]
pub struct PlantedResult {
    pub ring: String,
    pub size: usize,
    pub evidenced: usize,
    pub links: String,
    /// The reported ring that overlaps most, its size, and how many evidenced members it holds.
    pub best: Option<(String, usize, usize)>,
    pub found: bool,
    pub whole: bool,
}

/// The figures.
#[derive(Debug, Clone, PartialEq)]
pub struct RingScore {
    pub planted: Vec<PlantedResult>,
    pub reported: usize,
    pub reported_correct: usize,
    /// Firms in reported rings that are not members of any planted ring.
    pub outsiders: Vec<String>,
    /// Trap firms in reported rings, with the trap kinds.
    pub traps_reported: Vec<(String, String)>,
}

impl RingScore {
    /// Found planted rings over planted rings that left evidence (1 when there are none).
    pub fn recall(&self) -> f64 {
        let with = self.planted.iter().filter(|p| p.evidenced >= 2).count();
        if with == 0 {
            return 1.0;
        }
        self.planted.iter().filter(|p| p.evidenced >= 2 && p.found).count() as f64 / with as f64
    }

    /// Correct reported rings over reported rings (1 when none were reported).
    pub fn precision(&self) -> f64 {
        if self.reported == 0 {
            return 1.0;
        }
        self.reported_correct as f64 / self.reported as f64
    }
}

/// Scores the GRF-001 findings against the truth.
pub fn score(truth: &Truth, findings: &[Finding]) -> RingScore {
    let reported: Vec<(&str, BTreeSet<&str>)> = findings
        .iter()
        .filter(|f| f.code.to_string() == "GRF-001" && f.subject.kind == SubjectKind::Ring)
        .map(|f| (f.subject.id.as_str(), f.members.iter().map(String::as_str).collect()))
        .collect();
    let ring_of: BTreeMap<&str, &str> = truth.members.iter().flat_map(|(r, ms)| ms.iter().map(move |m| (m.as_str(), r.as_str()))).collect();
    let mut correct = BTreeSet::new();
    let mut planted = Vec::new();
    for (r, members) in &truth.members {
        let empty = BTreeSet::new();
        let ev = truth.evidenced.get(r).unwrap_or(&empty);
        let best = reported
            .iter()
            .enumerate()
            .map(|(i, (_, m))| {
                (i, ev.iter().filter(|x| m.contains(x.as_str())).count(), m.iter().filter(|x| members.contains(**x)).count())
            })
            .max_by_key(|(i, hit, inside)| (*hit, *inside, std::cmp::Reverse(*i)));
        let (found, whole, best) = match best {
            Some((i, hit, inside)) if hit > 0 => {
                let size = reported[i].1.len();
                let found = 2 * hit >= ev.len() && 2 * inside >= size;
                if found {
                    correct.insert(i);
                }
                (found, hit == ev.len(), Some((reported[i].0.to_owned(), size, hit)))
            }
            _ => (false, ev.is_empty(), None),
        };
        planted.push(PlantedResult {
            ring: r.clone(),
            size: members.len(),
            evidenced: ev.len(),
            links: truth.links.get(r).cloned().unwrap_or_default(),
            best,
            found,
            whole,
        });
    }
    // A reported ring is correct when most of it belongs to one planted ring (a part of a ring is
    // a correct report, and a recall miss when it is less than half).
    let _ = &correct;
    let reported_correct = (0..reported.len())
        .filter(|i| {
            let m = &reported[*i].1;
            let mut by: BTreeMap<&str, usize> = BTreeMap::new();
            for x in m {
                if let Some(r) = ring_of.get(x) {
                    *by.entry(r).or_default() += 1;
                }
            }
            by.values().any(|n| 2 * n > m.len())
        })
        .count();
    let mut outsiders = BTreeSet::new();
    let mut traps = BTreeSet::new();
    for (_, m) in &reported {
        for x in m {
            if !ring_of.contains_key(x) {
                outsiders.insert((*x).to_owned());
            }
            if let Some(k) = truth.traps.get(*x) {
                traps.insert(((*x).to_owned(), k.iter().cloned().collect::<Vec<_>>().join(";")));
            }
        }
    }
    RingScore {
        planted,
        reported: reported.len(),
        reported_correct,
        outsiders: outsiders.into_iter().collect(),
        traps_reported: traps.into_iter().collect(),
    }
}

/// The figures as a plain table (the same in both languages: it is for engineers and the record).
pub fn render(s: &RingScore) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "planted ring  size  evidenced  links                            reported as (size, evidenced members held)  found  whole"
    );
    for p in &s.planted {
        let best = p.best.as_ref().map_or_else(|| "—".to_owned(), |(id, size, hit)| format!("{id} ({size}, {hit})"));
        let _ = writeln!(
            out,
            "{:<13} {:>4}  {:>9}  {:<32} {:<44} {:<6} {}",
            p.ring,
            p.size,
            p.evidenced,
            p.links,
            best,
            if p.found { "yes" } else { "no" },
            if p.whole { "yes" } else { "no" }
        );
    }
    let _ = writeln!(out);
    let with = s.planted.iter().filter(|p| p.evidenced >= 2).count();
    let found = s.planted.iter().filter(|p| p.evidenced >= 2 && p.found).count();
    let _ = writeln!(out, "planted rings that left evidence: {with} (found {found})");
    let _ = writeln!(out, "rings reported: {} (correct {})", s.reported, s.reported_correct);
    let _ = writeln!(out, "recall (planted rings that left evidence): {:.3}", s.recall());
    let _ = writeln!(out, "precision (reported rings): {:.3}", s.precision());
    let _ = writeln!(out, "firms in reported rings that belong to no planted ring: {}", s.outsiders.len());
    let _ = writeln!(out, "traps reported: {}", s.traps_reported.len());
    for (firm, kind) in &s.traps_reported {
        let _ = writeln!(out, "  {firm} ({kind})");
    }
    out
}
