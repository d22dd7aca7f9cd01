//! The store stage of `check`: a night's findings recorded in one transaction
//! (`bidwatch_store::Store::record`) in a new SQLite store, and in a store that holds the night
//! before (the same findings: each compared with the previous run's), on the findings of a
//! generated county (a million bids by default, `BIDWATCH_BENCH_BIDS` to change it). Ingest and
//! the rules are set-up.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

fn store(c: &mut Criterion) {
    let bids = bidwatch_bench::bench_bids();
    let dir = bidwatch_bench::county(bids);
    let ds = bidwatch_ingest::load(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let catalog = bidwatch_rules::Catalog::builtin().unwrap_or_else(|e| panic!("catalog: {e}"));
    let findings = bidwatch_rules::run(&ds, &catalog).findings;
    drop(ds);
    let run = bidwatch_store::RunRecord {
        started_at: "2026-11-26T01:00:00".into(),
        data: dir.display().to_string(),
        input_fingerprint: "bench".into(),
        rule_set: "built-in".into(),
        rows_read: 0,
        rows_set_aside: 0,
    };
    let mut group = c.benchmark_group("store");
    group.sample_size(10);
    group.bench_function(format!("record {} findings ({bids} bids)", findings.len()), |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap_or_else(|e| panic!("temporary folder: {e}")),
            |tmp| {
                let mut store = bidwatch_store::Store::open(&tmp.path().join("bench.db")).unwrap_or_else(|e| panic!("{e}"));
                let changes = store.record(&run, &findings, &[]).unwrap_or_else(|e| panic!("{e}"));
                std::hint::black_box(changes.new);
                // the store closed (its log copied back) inside the measurement, as `check` does
                drop(store);
                tmp
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function(format!("record {} findings over the night before ({bids} bids)", findings.len()), |b| {
        b.iter_batched(
            || {
                let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary folder: {e}"));
                let mut store = bidwatch_store::Store::open(&tmp.path().join("bench.db")).unwrap_or_else(|e| panic!("{e}"));
                store.record(&run, &findings, &[]).unwrap_or_else(|e| panic!("{e}"));
                drop(store);
                tmp
            },
            |tmp| {
                let mut store = bidwatch_store::Store::open(&tmp.path().join("bench.db")).unwrap_or_else(|e| panic!("{e}"));
                let changes = store.record(&run, &findings, &[]).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!((changes.new, changes.gone), (0, 0), "the same findings two nights running");
                drop(store);
                tmp
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, store);
criterion_main!(benches);
