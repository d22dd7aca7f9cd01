//! A region larger than a county: its dates stay real dates and its pools grow with it.

use std::collections::BTreeSet;

use bidwatch_synth::{generate, GenConfig};

fn column(path: &std::path::Path, name: &str) -> Vec<String> {
    let mut rdr = csv::Reader::from_path(path).expect("csv");
    let idx = rdr.headers().expect("header").iter().position(|h| h == name).expect("column");
    rdr.records().map(|r| r.expect("record").get(idx).unwrap_or_default().to_owned()).collect()
}

#[test]
fn a_large_region_spans_at_most_three_years_with_pools_that_grow() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = GenConfig { seed: 9, projects: 4_000, rings: 6, ..GenConfig::default() };
    generate(&cfg, dir.path()).expect("generated");
    // the county's pace would take 2,352 days for 4,000 projects; a region keeps to three years
    let published: BTreeSet<String> = column(&dir.path().join("projects.csv"), "published_at").into_iter().collect();
    let (first, last) = (published.first().expect("dates"), published.last().expect("dates"));
    let day = |s: &str| chrono::NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d").expect("date");
    let span = (day(last) - day(first)).num_days();
    assert!(span <= 3 * 365 + 1, "published over {span} days ({first} … {last})");
    assert!(span > 2 * 365, "a region of 4,000 projects still spreads over the years: {span} days");
    // 4,000 / 25 experts, 4,000 / 200 agents
    let experts: BTreeSet<String> = column(&dir.path().join("experts.csv"), "expert_id").into_iter().collect();
    assert_eq!(experts.len(), 160);
    let agents = column(&dir.path().join("agents.csv"), "agent_id");
    let names: BTreeSet<String> = column(&dir.path().join("agents.csv"), "name").into_iter().collect();
    assert_eq!(agents.len(), 20);
    assert_eq!(names.len(), 20, "every agent has its own name");
    let bidders: BTreeSet<String> = column(&dir.path().join("bidders.csv"), "bidder_id").into_iter().collect();
    assert!(agents.iter().all(|a| !bidders.contains(a)), "an agent's code is never a bidder's");
}
