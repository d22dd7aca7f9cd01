//! COL-009: a person named in one bidder's bid, insured by another bidder of the project in the
//! months before the opening.

use bidwatch_graph::{link, LinkConfig, LinkKind};

/// The employment hits of a project opened 2025-03-10 where B1 names a manager whom B2 insured in
/// `months` (the file's order).
fn insured_by_b2(months: &[&str]) -> Vec<(String, String, u64)> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let write = |name: &str, text: String| std::fs::write(dir.path().join(name), text).expect("a fixture file");
    write("projects.csv", "project_id,name,category,opened_at\nP1,道路工程,engineering,2025-03-10T09:30:00\n".into());
    write("bids.csv", "project_id,bidder_id,price,status,rank,is_winner\nP1,B1,950000,valid,1,true\nP1,B2,962500,valid,2,false\n".into());
    write("bid_personnel.csv", "project_id,bidder_id,person_id,role\nP1,B1,330281198505051234,项目经理\n".into());
    let rows: String = months.iter().map(|m| format!("330281198505051234,B2,{m}\n")).collect();
    write("employment.csv", format!("person_id,employer_id,month\n{rows}"));
    let ds = bidwatch_ingest::load(dir.path()).expect("the project loads");
    let linkage = link(&ds, &LinkConfig::default(), &[]);
    let name = |k: u32| ds.orgs.resolve(k).unwrap_or_default().to_owned();
    linkage.hits.iter().filter(|h| h.kind == LinkKind::Employment).map(|h| (name(h.a), name(h.b), h.rows[1].1)).collect()
}

#[test]
fn the_latest_month_in_the_window_is_found_whatever_the_order_of_the_months() {
    // Rows 2–5: after the opening, in the window twice, long before.
    let months = ["2025-06", "2025-01", "2025-02", "2023-01"];
    assert_eq!(insured_by_b2(&months), [("B1".to_owned(), "B2".to_owned(), 4)]);
    // The same months in reverse: the same month found, at its own row.
    let reversed: Vec<&str> = months.iter().rev().copied().collect();
    assert_eq!(insured_by_b2(&reversed), [("B1".to_owned(), "B2".to_owned(), 3)]);
    // In time order.
    assert_eq!(insured_by_b2(&["2023-01", "2025-01", "2025-02", "2025-06"]), [("B1".to_owned(), "B2".to_owned(), 4)]);
}

#[test]
fn months_only_outside_the_window_link_no_one() {
    assert_eq!(insured_by_b2(&["2025-06", "2023-01", "2024-06", "2025-04"]), []);
}
