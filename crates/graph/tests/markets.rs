//! A value's commonness is measured in its project's market: the bidders of the project's region.

use std::fmt::Write as _;

use bidwatch_graph::{link, LinkConfig, LinkKind};

/// In region `a`, 24 firms bid in pairs on 12 projects, every one from one carrier exit address;
/// in region `b`, 600 firms bid in pairs on 300 projects, each from an address of its own.
fn county(a: &str, b: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut projects = String::from("project_id,name,category,region,opened_at\n");
    let mut bids = String::from("project_id,bidder_id,price,status,rank,is_winner,upload_ip\n");
    let mut project = |id: String, region: &str, firms: [String; 2], ips: [String; 2]| {
        writeln!(projects, "{id},道路工程,engineering,{region},2025-03-10T09:30:00").expect("text");
        for (i, (firm, ip)) in firms.iter().zip(&ips).enumerate() {
            writeln!(bids, "{id},{firm},{},valid,{},{},{ip}", 950_000 + 12_500 * i, i + 1, i == 0).expect("text");
        }
    };
    let exit = "61.153.20.7".to_owned();
    for p in 0..12 {
        project(format!("PA{p:02}"), a, [format!("A{:02}", 2 * p), format!("A{:02}", 2 * p + 1)], [exit.clone(), exit.clone()]);
    }
    for p in 0..300 {
        let ips = [format!("36.51.{}.{}", p / 100, 2 * (p % 100) + 1), format!("36.51.{}.{}", p / 100, 2 * (p % 100) + 2)];
        project(format!("PB{p:03}"), b, [format!("B{:03}", 2 * p), format!("B{:03}", 2 * p + 1)], ips);
    }
    std::fs::write(dir.path().join("projects.csv"), projects).expect("projects.csv");
    std::fs::write(dir.path().join("bids.csv"), bids).expect("bids.csv");
    dir
}

/// The exit address's pairs: (reported, counted as too common).
fn exit_pairs(a: &str, b: &str) -> (usize, u64) {
    let dir = county(a, b);
    let ds = bidwatch_ingest::load(dir.path()).expect("the county loads");
    let linkage = link(&ds, &LinkConfig::default(), &[]);
    let reported = linkage.hits.iter().filter(|h| h.kind == LinkKind::UploadIp).count();
    (reported, linkage.skipped[LinkKind::UploadIp.index()].pairs)
}

#[test]
fn an_address_shared_by_a_region_s_firms_is_common_there_however_many_firms_elsewhere() {
    // One market of 624 firms: 24 users of the address keep two thirds of its weight (h = 31.2),
    // so each of the 12 pairs is reported.
    assert_eq!(exit_pairs("甲县", "甲县"), (12, 0));
    // Two markets: the address is used by every firm of 甲县 (24 of 24, h = 10): too common to
    // report, each pair only counted.
    assert_eq!(exit_pairs("甲县", "乙县"), (0, 12));
    // A project that names no region is measured against every bidder.
    assert_eq!(exit_pairs("", ""), (12, 0));
    assert_eq!(exit_pairs("", "乙县"), (12, 0));
}
