//! Linking and ring finding (`bidwatch_graph::link`: pair evidence, edges, rings and paths) on a
//! generated county of a million bids (`BIDWATCH_BENCH_BIDS` to change it). Ingest is set-up, not
//! measured here. Target (issue 3): within 30 s on 2 cores.

use criterion::{criterion_group, criterion_main, Criterion};

fn link(c: &mut Criterion) {
    let bids = bidwatch_bench::bench_bids();
    let dir = bidwatch_bench::county(bids);
    let ds = bidwatch_ingest::load(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let cfg = bidwatch_graph::LinkConfig::default();
    let mut group = c.benchmark_group("graph");
    group.sample_size(10);
    group.bench_function(format!("link {bids} bids"), |b| {
        b.iter(|| {
            let g = bidwatch_graph::link(&ds, &cfg, &[]);
            std::hint::black_box(g.rings.len())
        })
    });
    group.finish();
}

criterion_group!(benches, link);
criterion_main!(benches);
