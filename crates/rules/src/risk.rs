//! Project risk for `project_risk.csv`: every project, a risk in [0, 1] from its prices and from
//! what fired on it.
//!
//! risk = 1 − (1 − w₅ · t) · Π (1 − wᵣ · sᶠ), where t is the tender risk of the price screens
//! ([`crate::tender_risk`], 0.5 for an ordinary tender of its reference group; absent below
//! `min_bids`), w₅ the weight of PRC-005, and the product runs over the other findings f on the
//! project with their score sᶠ and their rule's weight wᵣ in `policy.toml` (`[risk_weight]`).
//! Independent pieces of evidence accumulate; no single one of weight w can push the risk above w.
//! A finding across projects (a ring, a cover pair) counts on every project it lists. PRC-005
//! findings are the tender risk itself and are not counted twice.

use std::collections::BTreeSet;

use bidwatch_ingest::Dataset;
use bidwatch_model::Finding;

use crate::catalog::Policy;
use crate::registry::code;
use crate::tender_risk::RiskTable;

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectRisk {
    pub project_id: String,
    pub risk: f64,
    /// The tender risk of the price screens, where the tender was scored.
    pub tender_risk: Option<f64>,
    /// The group it was compared with ("engineering · 4,000,000–30,000,000 yuan (57)").
    pub reference_group: String,
    /// The screens that drove the tender risk, strongest first ("cv:low@0.03").
    pub drivers: Vec<String>,
    /// The codes that fired on the project, sorted.
    pub codes: Vec<String>,
}

pub fn project_risk(ds: &Dataset, findings: &[Finding], tender: &RiskTable, policy: &Policy, zh: bool) -> Vec<ProjectRisk> {
    let n = ds.projects.len();
    let mut keep = vec![1.0_f64; n];
    let mut codes: Vec<BTreeSet<String>> = vec![BTreeSet::new(); n];
    let prc005 = code("PRC-005");
    let bands = tender.config.as_ref().map(|c| c.size_bands.clone()).unwrap_or_default();
    for (k, t) in tender.by_project.iter().enumerate().take(n) {
        if let Some(t) = t {
            keep[k] *= 1.0 - (policy.risk_weight(prc005) * t.score).clamp(0.0, 1.0);
        }
    }
    for f in findings {
        if f.code == prc005 {
            if let Some(k) = f.project_id.as_deref().and_then(|p| ds.projects.get(p)) {
                codes[k as usize].insert(f.code.to_string());
            }
            continue;
        }
        // A finding on one project counts there; one across projects (a ring) on each it touched.
        let targets: Vec<&str> = match f.project_id.as_deref() {
            Some(p) => vec![p],
            None => f.projects.iter().map(String::as_str).collect(),
        };
        for k in targets.into_iter().filter_map(|p| ds.projects.get(p)) {
            let k = k as usize;
            keep[k] *= 1.0 - (policy.risk_weight(f.code) * f.score).clamp(0.0, 1.0);
            codes[k].insert(f.code.to_string());
        }
    }
    let mut out: Vec<ProjectRisk> = (0..n)
        .map(|k| ProjectRisk {
            project_id: ds.projects.resolve(k as u32).unwrap_or_default().to_owned(),
            risk: 1.0 - keep[k],
            tender_risk: tender.by_project.get(k).and_then(|t| t.as_ref()).map(|t| t.score),
            reference_group: tender
                .by_project
                .get(k)
                .and_then(|t| t.as_ref())
                .map(|t| format!("{} ({})", t.group.label(&bands, zh), t.group_size))
                .unwrap_or_default(),
            drivers: tender
                .by_project
                .get(k)
                .and_then(|t| t.as_ref())
                .map(|t| {
                    t.drivers().iter().map(|p| format!("{}@{:.2}", crate::tender_risk::spec(p.screen, p.direction), p.percentile)).collect()
                })
                .unwrap_or_default(),
            codes: codes[k].iter().cloned().collect(),
        })
        .collect();
    out.sort_by(|a, b| a.project_id.cmp(&b.project_id));
    out
}
