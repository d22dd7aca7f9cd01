//! Every rule's fixtures: `fixtures/rules/<CODE>/fires` must produce findings of that code and
//! `fixtures/rules/<CODE>/silent` none; the findings are snapshotted so a change shows in review.

use std::path::{Path, PathBuf};

use bidwatch_ingest::TableName;
use bidwatch_rules::{registry, run, run_releasing, Catalog, READ_BY_LINKING_ONLY, READ_BY_VIEWS_ONLY};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/rules")
}

fn findings_of(code: &str, case: &str) -> Vec<String> {
    let dir = fixtures().join(code).join(case);
    let ds = bidwatch_ingest::load(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let catalog = Catalog::builtin().expect("catalog");
    run(&ds, &catalog).findings.iter().filter(|f| f.code.to_string() == code).map(|f| f.to_json_line()).collect()
}

#[test]
fn every_rule_has_a_firing_and_a_silent_fixture_with_a_readme() {
    for rule in registry() {
        let code = rule.code().to_string();
        for case in ["fires", "silent"] {
            let readme = fixtures().join(&code).join(case).join("README.md");
            assert!(readme.is_file(), "missing {}", readme.display());
        }
        assert!(!findings_of(&code, "fires").is_empty(), "{code}: fires fixture is silent");
        assert_eq!(findings_of(&code, "silent"), Vec::<String>::new(), "{code}: silent fixture fires");
    }
}

/// The findings of every rule's firing fixture, one snapshot per rule (`fixtures__<code>_fires`).
#[test]
fn firing_fixtures_match_their_snapshots() {
    for rule in registry() {
        let code = rule.code().to_string();
        let name = format!("{}_fires", code.to_lowercase().replace('-', "_"));
        insta::assert_snapshot!(name, findings_of(&code, "fires").join("\n"));
    }
}

/// `check` lets go of the bids' identifier columns once the pairs are found
/// (`run_releasing`): on the demo county and every rule's firing fixture, every finding is the
/// same as with the columns kept, and the columns are gone (so the comparison is not of two
/// identical runs).
#[test]
fn letting_the_identifiers_go_after_linking_changes_no_finding() {
    let catalog = Catalog::builtin().expect("catalog");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo");
    let dirs = std::iter::once(demo).chain(registry().into_iter().map(|r| fixtures().join(r.code().to_string()).join("fires")));
    let mut released = 0;
    for dir in dirs {
        let mut ds = bidwatch_ingest::load(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let kept: Vec<String> = run(&ds, &catalog).findings.iter().map(|f| f.to_json_line()).collect();
        let before = ds.frame(TableName::Bids).map(|df| df.width());
        let let_go: Vec<String> = run_releasing(&mut ds, &catalog).findings.iter().map(|f| f.to_json_line()).collect();
        assert_eq!(kept, let_go, "{}", dir.display());
        let after = ds.frame(TableName::Bids).map(|df| df.width());
        let of_bids = ds.released().filter(|(t, _)| *t == TableName::Bids).count();
        released += of_bids;
        if let (Some(before), Some(after)) = (before, after) {
            assert_eq!(before - after, of_bids, "{}: the frame's width", dir.display());
        }
        // the tables only the views read are let go of whole, and still count as read
        for table in READ_BY_VIEWS_ONLY {
            if let Some(df) = ds.frame(table) {
                let contract: Vec<&str> = table.spec().columns.iter().map(|c| c.name).collect();
                assert!(
                    df.get_column_names().iter().all(|c| !contract.contains(&c.as_str())),
                    "{}: {table} kept {:?}",
                    dir.display(),
                    df.get_column_names()
                );
                assert!(ds.released().any(|(t, _)| t == table), "{}: {table}", dir.display());
            }
        }
        for (table, column) in ds.released() {
            assert!(ds.has_columns(table, &[column]), "{}: {table}.{column} no longer counts", dir.display());
        }
    }
    // The demo county has all eight.
    assert!(released >= READ_BY_LINKING_ONLY.len(), "{released} columns let go");
}

/// Every column let go after linking is one linking reads.
#[test]
fn the_columns_let_go_are_read_by_linking() {
    let read = bidwatch_graph::bid_columns_read();
    for c in READ_BY_LINKING_ONLY {
        assert!(read.contains(&c), "{c} is not read by linking");
    }
}
