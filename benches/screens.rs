//! Price screens of every project (`ScreenTable::compute`: one polars group-by) and the tender risk
//! on top of them, on a generated county of a million bids (`BIDWATCH_BENCH_BIDS` to change it).
//! Ingest is set-up, not measured here. Target (issue 4): screens within 10 s on 2 cores.

use criterion::{criterion_group, criterion_main, Criterion};

fn screens(c: &mut Criterion) {
    let bids = bidwatch_bench::bench_bids();
    let dir = bidwatch_bench::county(bids);
    let ds = bidwatch_ingest::load(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut group = c.benchmark_group("screens");
    group.sample_size(10);
    group.bench_function(format!("screens {bids} bids"), |b| {
        b.iter(|| {
            let t = bidwatch_rules::ScreenTable::compute(&ds);
            std::hint::black_box(t.by_project.len())
        })
    });
    group.finish();
}

criterion_group!(benches, screens);
criterion_main!(benches);
