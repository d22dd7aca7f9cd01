//! Shared set-up of the benches: a generated county of about `bids` bids, written once per size
//! into the system's temporary folder and reused by later runs.

use std::path::PathBuf;

/// Bids per project in a generated county (measured: 1,042,104 bids from 95,000 projects).
const BIDS_PER_PROJECT: f64 = 10.97;

/// The folder of a generated county of about `bids` bids (seed 42, one 28-firm ring, a ring per
/// 475 projects), generating it when it is not there yet.
pub fn county(bids: usize) -> PathBuf {
    let projects = ((bids as f64 / BIDS_PER_PROJECT).round() as usize).max(200);
    let dir = std::env::temp_dir().join(format!("bidwatch-bench-{projects}"));
    if !dir.join("truth.csv").is_file() {
        let cfg = bidwatch_synth::GenConfig {
            seed: 42,
            projects,
            rings: (projects / 475).max(2),
            big_ring: Some(28),
            ..bidwatch_synth::GenConfig::default()
        };
        if let Err(e) = bidwatch_synth::generate(&cfg, &dir) {
            panic!("generating {}: {e}", dir.display());
        }
    }
    dir
}

/// The size the benches run at: `BIDWATCH_BENCH_BIDS`, else one million.
pub fn bench_bids() -> usize {
    std::env::var("BIDWATCH_BENCH_BIDS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000)
}
