//! Ingest: reading, validating and interning every table of a generated county (a million bids by
//! default, `BIDWATCH_BENCH_BIDS` to change it). Guards the first stage of `check`; the floor it is
//! compared with (polars' read alone) is `floor DIR` in benches/scale.sh.

use criterion::{criterion_group, criterion_main, Criterion};

fn ingest(c: &mut Criterion) {
    let bids = bidwatch_bench::bench_bids();
    let dir = bidwatch_bench::county(bids);
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    group.bench_function(format!("load {bids} bids"), |b| {
        b.iter(|| {
            let ds = bidwatch_ingest::load(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            std::hint::black_box(ds.rows_kept())
        })
    });
    group.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
