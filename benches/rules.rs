//! The rules stage of `check`: views, screens, price patterns, linking and every rule of the
//! registry (`bidwatch_rules::run`) on a generated county (a million bids by default,
//! `BIDWATCH_BENCH_BIDS` to change it). Ingest is set-up, not measured here.

use criterion::{criterion_group, criterion_main, Criterion};

fn rules(c: &mut Criterion) {
    let bids = bidwatch_bench::bench_bids();
    let dir = bidwatch_bench::county(bids);
    let ds = bidwatch_ingest::load(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let catalog = bidwatch_rules::Catalog::builtin().unwrap_or_else(|e| panic!("catalog: {e}"));
    let mut group = c.benchmark_group("rules");
    group.sample_size(10);
    group.bench_function(format!("run {bids} bids"), |b| {
        b.iter(|| {
            let run = bidwatch_rules::run(&ds, &catalog);
            std::hint::black_box(run.findings.len())
        })
    });
    group.finish();
}

criterion_group!(benches, rules);
criterion_main!(benches);
