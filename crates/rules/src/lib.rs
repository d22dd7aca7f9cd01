//! # bidwatch-rules: the catalog and the detectors
//!
//! A rule is one file under [`rules`], one line in the [`registry`], one record in
//! `rules/catalog.toml` (names, legal basis, documentation) and its thresholds in
//! `rules/policy.toml`. Rules read the validated [`Dataset`] and return [`Finding`]s with the
//! evidence rows and the thresholds they used; they know nothing of files, SQLite or HTML.
//!
//! A rule whose tables or columns are absent is *not evaluated*, and the run says so: an absent
//! table is never reported as clean.

pub mod catalog;
mod frame;
pub mod registry;
pub mod risk;
pub mod rules;
pub mod screens;

use bidwatch_ingest::{Dataset, TableName};
use bidwatch_model::{Finding, RuleCode, Text};

pub use catalog::{Catalog, CatalogError, Policy, RuleRecord};
pub use registry::{registry, Context, Rule, RuleOutput, Threshold};
pub use screens::Screens;

/// The screens of every project, by project key.
#[derive(Debug, Default, Clone)]
pub struct ScreenTable {
    pub by_project: Vec<Screens>,
}

impl ScreenTable {
    /// Screens over the bids of each project that were not withdrawn.
    pub fn compute(ds: &Dataset) -> ScreenTable {
        let mut by_project = vec![Screens::default(); ds.projects.len()];
        let Some(df) = ds.frame(TableName::Bids) else { return ScreenTable { by_project } };
        let keys = frame::keys(df, "project_key");
        let prices = frame::f64s(df, "price");
        let status = frame::strs(df, "status");
        let mut pairs: Vec<(u32, f64)> = (0..df.height())
            .filter(|&i| status[i].as_deref() != Some("withdrawn"))
            .filter_map(|i| Some((keys[i]?, prices[i]?)))
            .collect();
        pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut start = 0;
        let mut buf = Vec::new();
        while start < pairs.len() {
            let k = pairs[start].0;
            let end = start + pairs[start..].iter().take_while(|p| p.0 == k).count();
            buf.clear();
            buf.extend(pairs[start..end].iter().map(|p| p.1));
            if let Some(s) = by_project.get_mut(k as usize) {
                *s = screens::compute_sorted(&buf);
            }
            start = end;
        }
        ScreenTable { by_project }
    }
}

/// Whether a rule ran.
#[derive(Debug, Clone, PartialEq)]
pub enum Evaluation {
    Evaluated,
    /// The tables or columns it needs are absent: named here.
    NotEvaluated { missing: Vec<String> },
}

/// Everything one run of the rules produced.
#[derive(Debug)]
pub struct RunOutput {
    pub findings: Vec<Finding>,
    pub screens: ScreenTable,
    pub evaluations: Vec<(RuleCode, Evaluation)>,
    pub notes: Vec<(RuleCode, Text)>,
}

/// Runs every rule of the registry over the data set. Output order does not depend on threads.
pub fn run(ds: &Dataset, catalog: &Catalog) -> RunOutput {
    let screens = ScreenTable::compute(ds);
    let ctx = Context { ds, policy: &catalog.policy, screens: &screens };
    let mut findings = Vec::new();
    let mut evaluations = Vec::new();
    let mut notes = Vec::new();
    for rule in registry() {
        let missing: Vec<String> = rule
            .requires()
            .iter()
            .flat_map(|(t, cols)| {
                if ds.frame(*t).is_none() {
                    vec![format!("{t}")]
                } else {
                    cols.iter().filter(|c| !ds.has_columns(*t, &[c])).map(|c| format!("{t}.{c}")).collect()
                }
            })
            .collect();
        if !missing.is_empty() {
            evaluations.push((rule.code(), Evaluation::NotEvaluated { missing }));
            continue;
        }
        let out = rule.run(&ctx);
        findings.extend(out.findings);
        notes.extend(out.notes.into_iter().map(|n| (rule.code(), n)));
        evaluations.push((rule.code(), Evaluation::Evaluated));
    }
    bidwatch_model::finding::sort_findings(&mut findings);
    RunOutput { findings, screens, evaluations, notes }
}
