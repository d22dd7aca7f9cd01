//! Every rule's fixtures: `fixtures/rules/<CODE>/fires` must produce findings of that code and
//! `fixtures/rules/<CODE>/silent` none; the findings are snapshotted so a change shows in review.

use std::path::{Path, PathBuf};

use bidwatch_rules::{registry, run, Catalog};

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
