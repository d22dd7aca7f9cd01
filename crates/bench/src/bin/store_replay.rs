//! The store alone: a run's `findings.jsonl` recorded into a new store, then again into it (the
//! next night), each timed.
//!
//! `store_replay OUT STORE [KEEP]` reads `findings.jsonl` and `project_risk.csv` from a `check
//! --out` folder and prints `first_s second_s findings projects`. `STORE` must not exist. With
//! `KEEP`, three nights are recorded, each followed by `Store::prune` to the newest `KEEP`, and
//! each night prints `record_s prune_s`.

use std::io::BufRead;
use std::time::Instant;

use bidwatch_model::Finding;
use bidwatch_store::draw::Candidate;
use bidwatch_store::{RunRecord, Store};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (out, store, keep) = match args.as_slice() {
        [out, store] => (out, store, None),
        [out, store, keep] => match keep.parse::<std::num::NonZeroUsize>() {
            Ok(k) => (out, store, Some(k)),
            Err(e) => {
                eprintln!("KEEP {keep:?}: {e}");
                std::process::exit(2);
            }
        },
        _ => {
            eprintln!("usage: store_replay OUT STORE [KEEP]");
            std::process::exit(2);
        }
    };
    if std::path::Path::new(store).exists() {
        eprintln!("{store}: exists; give a path for a new store");
        std::process::exit(2);
    }
    let jsonl = format!("{out}/findings.jsonl");
    let file = std::fs::File::open(&jsonl).unwrap_or_else(|e| {
        eprintln!("{jsonl}: {e}");
        std::process::exit(2)
    });
    let findings: Vec<Finding> = std::io::BufReader::new(file)
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let l = l.unwrap_or_else(|e| panic!("{jsonl}: line {}: {e}", i + 1));
            serde_json::from_str(&l).unwrap_or_else(|e| panic!("{jsonl}: line {}: {e}", i + 1))
        })
        .collect();
    let risks = project_risks(&format!("{out}/project_risk.csv"));
    let run = RunRecord {
        started_at: "2026-11-27T01:00:00".into(),
        data: "/data/replay".into(),
        input_fingerprint: "replay".into(),
        rule_set: "built-in".into(),
        rows_read: 0,
        rows_set_aside: 0,
    };
    let mut db = Store::open(std::path::Path::new(store)).unwrap_or_else(|e| panic!("{e}"));
    if let Some(keep) = keep {
        for _ in 0..3 {
            let t = Instant::now();
            db.record(&run, &findings, &risks).unwrap_or_else(|e| panic!("{e}"));
            let recorded = t.elapsed().as_secs_f64();
            let t = Instant::now();
            db.prune(&run.data, keep, "replay").unwrap_or_else(|e| panic!("{e}"));
            println!("{recorded:.2} {:.2}", t.elapsed().as_secs_f64());
        }
        return;
    }
    let mut seconds = Vec::new();
    for _ in 0..2 {
        let t = Instant::now();
        db.record(&run, &findings, &risks).unwrap_or_else(|e| panic!("{e}"));
        seconds.push(t.elapsed().as_secs_f64());
    }
    println!("{:.2} {:.2} {} {}", seconds[0], seconds[1], findings.len(), risks.len());
}

/// The projects' risks as `check` gives them to the store (no category: the output has none).
fn project_risks(path: &str) -> Vec<Candidate> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    r.records()
        .map(|rec| {
            let rec = rec.unwrap_or_else(|e| panic!("{path}: {e}"));
            let (drivers, codes) = (&rec[4], &rec[5]);
            Candidate {
                project_id: rec[0].to_owned(),
                category: None,
                risk: rec[1].parse().unwrap_or_else(|e| panic!("{path}: risk {:?}: {e}", &rec[1])),
                drivers: [drivers, codes].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(";"),
            }
        })
        .collect()
}
