//! The floor of a `check`: the time polars alone takes to read every table of a folder with the
//! options ingest uses (every column as text), without validating anything.
//!
//! `floor DIR` prints `seconds rows files`.

use std::sync::Arc;
use std::time::Instant;

use polars::prelude::*;

/// mimalloc: millions of small strings are allocated and freed in ingest and linking, where glibc's
/// allocator cost a quarter of the run (docs/performance.md). The floor uses the same allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: floor DIR");
        std::process::exit(2);
    };
    let mut files: Vec<std::path::PathBuf> = match std::fs::read_dir(&dir) {
        Ok(d) => d
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "csv") && !p.ends_with("truth.csv"))
            .collect(),
        Err(e) => {
            eprintln!("{dir}: {e}");
            std::process::exit(2);
        }
    };
    files.sort();
    let started = Instant::now();
    let mut rows = 0usize;
    for f in &files {
        // the header's width only (its first line), as ingest learns it
        let header = std::fs::File::open(f)
            .ok()
            .and_then(|file| {
                let mut line = String::new();
                std::io::BufRead::read_line(&mut std::io::BufReader::new(file), &mut line).ok().map(|_| line.split(',').count())
            })
            .unwrap_or(1);
        let df = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .with_dtype_overwrite(Some(Arc::new(vec![DataType::String; header])))
            .with_raise_if_empty(false)
            .map_parse_options(|o| o.with_missing_is_null(true).with_truncate_ragged_lines(false))
            .try_into_reader_with_file_path(Some(f.clone()))
            .and_then(|r| r.finish());
        match df {
            Ok(df) => rows += df.height(),
            Err(e) => {
                eprintln!("{}: {e}", f.display());
                std::process::exit(2);
            }
        }
    }
    println!("{:.2} {rows} {}", started.elapsed().as_secs_f64(), files.len());
}
