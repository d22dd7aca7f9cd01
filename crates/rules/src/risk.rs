//! Project risk for `project_risk.csv`: every project, a risk in [0, 1] from what fired on it.
//!
//! risk = 1 − Π (1 − wᵣ · sᶠ) over the findings f on the project, where sᶠ is the finding's score
//! and wᵣ its rule's weight in `policy.toml` (`[risk_weight]`). Independent pieces of evidence
//! accumulate; no single finding of weight w can push the risk above w. A finding across projects
//! (a ring, a cover pair) counts on every project it lists.

use std::collections::BTreeSet;

use bidwatch_ingest::Dataset;
use bidwatch_model::Finding;

use crate::catalog::Policy;

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectRisk {
    pub project_id: String,
    pub risk: f64,
    /// The codes that fired on the project, sorted.
    pub codes: Vec<String>,
}

pub fn project_risk(ds: &Dataset, findings: &[Finding], policy: &Policy) -> Vec<ProjectRisk> {
    let n = ds.projects.len();
    let mut keep = vec![1.0_f64; n];
    let mut codes: Vec<BTreeSet<String>> = vec![BTreeSet::new(); n];
    for f in findings {
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
            codes: codes[k].iter().cloned().collect(),
        })
        .collect();
    out.sort_by(|a, b| a.project_id.cmp(&b.project_id));
    out
}
