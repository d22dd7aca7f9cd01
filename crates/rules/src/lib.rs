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
pub mod doc;
pub mod patterns;
pub mod registry;
pub mod risk;
pub mod rules;
pub mod screens;
pub mod tender_risk;

use bidwatch_ingest::{Dataset, TableName};
use bidwatch_model::packed::Packed;
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
    /// Screens over the bids of each project that were not withdrawn (one polars group-by).
    pub fn compute(ds: &Dataset) -> ScreenTable {
        let n = ds.projects.len();
        let by_project = match ds.frame(bidwatch_ingest::TableName::Bids) {
            Some(df) => screens::by_project(df, n).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "price screens could not be computed");
                vec![Screens::default(); n]
            }),
            None => vec![Screens::default(); n],
        };
        ScreenTable { by_project }
    }
}

/// Whether a rule ran.
#[derive(Debug, Clone, PartialEq)]
pub enum Evaluation {
    Evaluated,
    /// The tables or columns it needs are absent: named here.
    NotEvaluated {
        missing: Vec<String>,
    },
}

/// Everything one run of the rules produced.
#[derive(Debug)]
pub struct RunOutput {
    pub findings: Vec<Finding>,
    pub screens: ScreenTable,
    /// Screen-based tender risk of every project (PRC-005), with its reference group and parts.
    pub tender_risk: tender_risk::RiskTable,
    pub evaluations: Vec<(RuleCode, Evaluation)>,
    pub notes: Vec<(RuleCode, Text)>,
    /// The monthly evaluation of tendering agents (AGT-005), ranked within each month.
    pub agent_ranking: Vec<rules::agent::AgentMonth>,
}

/// The columns of `bids` whose cells only linking reads (the rules that report its pairs need
/// them present, not their cells): [`run_releasing`] lets go of each as soon as linking has read
/// it. `authorized_rep_id` is linked too, but AGT-001 reads its cells, so it stays.
pub const READ_BY_LINKING_ONLY: [&str; 8] =
    ["bond_account", "doc_author", "doc_hash", "file_create_id", "lock_serials", "machine_code", "upload_ip", "upload_mac"];

/// Runs every rule of the registry over the data set. Output order does not depend on threads.
pub fn run(ds: &Dataset, catalog: &Catalog) -> RunOutput {
    let graph_cfg = rules::col::link_config(&catalog.policy);
    let pairs = find_pairs(ds, None, &graph_cfg);
    run_with_pairs(ds, catalog, &graph_cfg, pairs, None)
}

/// The tables whose every cell the views read once and nothing reads after (the rules read the
/// score sheets, not `evaluations`): [`run_releasing`] lets go of each once its view is built.
pub const READ_BY_VIEWS_ONLY: [TableName; 1] = [TableName::Evaluations];

/// [`run`], letting go of the bids' identifier columns ([`READ_BY_LINKING_ONLY`]: 1.5 GB at 10M
/// bids) each as soon as linking has read it, before the pairs are found, and of the tables only
/// the views read ([`READ_BY_VIEWS_ONLY`]: 0.4 GB) once read. For a run whose outputs do not cite
/// those cells afterwards (`check`, `report`); a case file, which prints every column of its
/// evidence rows, runs with [`run`].
pub fn run_releasing(ds: &mut Dataset, catalog: &Catalog) -> RunOutput {
    let graph_cfg = rules::col::link_config(&catalog.policy);
    let taken = ds.take(TableName::Bids, &READ_BY_LINKING_ONLY);
    let [evaluations] = READ_BY_VIEWS_ONLY.map(|t| {
        let columns: Vec<&'static str> = t.spec().columns.iter().map(|c| c.name).chain(["_row"]).collect();
        ds.take(t, &columns)
    });
    let pairs = find_pairs(ds, taken, &graph_cfg);
    run_with_pairs(ds, catalog, &graph_cfg, pairs, evaluations)
}

/// The pairs inside projects, found before anything else is built: finding them reads every
/// identifier of every bid (≈ 3 GB at 10M bids), and what they leave is small. The identifier
/// columns `taken` out of the data set are let go of as they are read.
fn find_pairs(ds: &Dataset, taken: Option<polars::prelude::DataFrame>, graph_cfg: &bidwatch_graph::LinkConfig) -> bidwatch_graph::Pairs {
    let started = std::time::Instant::now();
    let pairs = bidwatch_graph::find_pairs_taking(ds, taken, graph_cfg);
    bidwatch_model::mem::trim();
    tracing::debug!(ms = started.elapsed().as_millis() as u64, rss_mib = rss(), peak_mib = peak(), "pairs");
    pairs
}

/// The rules, once the pairs are found; the score sheets from `evaluations` when the table was
/// taken out of the data set.
fn run_with_pairs(
    ds: &Dataset,
    catalog: &Catalog,
    graph_cfg: &bidwatch_graph::LinkConfig,
    pairs: bidwatch_graph::Pairs,
    evaluations: Option<polars::prelude::DataFrame>,
) -> RunOutput {
    let started = std::time::Instant::now();
    // The screens (a polars group-by over the bids) are computed beside the views.
    let (screens, views) = rayon::join(
        || {
            let started = std::time::Instant::now();
            let screens = ScreenTable::compute(ds);
            tracing::debug!(ms = started.elapsed().as_millis() as u64, "screens");
            screens
        },
        || {
            let started = std::time::Instant::now();
            let views = registry::Views::load(ds, evaluations);
            tracing::debug!(ms = started.elapsed().as_millis() as u64, "views");
            views
        },
    );
    bidwatch_model::mem::trim();
    tracing::debug!(ms = started.elapsed().as_millis() as u64, rss_mib = rss(), peak_mib = peak(), "views and screens");
    let risk_cfg = tender_risk::RiskConfig::from_policy(&catalog.policy).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "PRC-005 settings; using the defaults");
        tender_risk::RiskConfig::from_policy(&Policy::default()).expect("the defaults parse")
    });
    // The tender risk does not depend on the links: computed beside them.
    let (tender_risk, (patterns, graph)) = rayon::join(
        || {
            let started = std::time::Instant::now();
            let risk = tender_risk::compute(&views, &screens, &risk_cfg);
            tracing::debug!(ms = started.elapsed().as_millis() as u64, "tender risk");
            risk
        },
        || {
            let started = std::time::Instant::now();
            let patterns = rules::prc_001::PatternTable::compute(ds, &views, &catalog.policy);
            tracing::debug!(ms = started.elapsed().as_millis() as u64, rss_mib = rss(), peak_mib = peak(), "price patterns");
            let started = std::time::Instant::now();
            let graph = pairs.link(ds, graph_cfg, &patterns.groups(ds, &views));
            tracing::debug!(
                ms = started.elapsed().as_millis() as u64,
                hits = graph.hits.len(),
                edges = graph.edges.len(),
                rings = graph.rings.len(),
                rss_mib = rss(),
                peak_mib = peak(),
                "linked"
            );
            (patterns, graph)
        },
    );
    bidwatch_model::mem::trim();
    tracing::debug!(rss_mib = rss(), peak_mib = peak(), "first pass starts");
    let no_eval = rules::agent::Evaluation::default();
    let mut ctx = Context {
        ds,
        policy: &catalog.policy,
        calendar: &catalog.calendar,
        records: &catalog.records,
        screens: &screens,
        tender_risk: &tender_risk,
        views: &views,
        graph: &graph,
        graph_cfg,
        patterns: &patterns,
        prior: &[],
        agent_eval: &no_eval,
    };
    let mut evaluations = Vec::new();
    let mut notes = Vec::new();
    // First every rule that reads the data only, then those that also read the first pass's findings.
    let (first, second): (Vec<_>, Vec<_>) = registry().into_iter().partition(|r| !r.after_findings());
    let (mut packed, with_points) = run_rules(&first, &ctx, &mut evaluations, &mut notes);
    tracing::debug!(
        findings = packed.len(),
        packed_mib = packed.packed_bytes() >> 20,
        with_points = with_points.len(),
        rss_mib = rss(),
        peak_mib = peak(),
        "first pass"
    );
    // The second pass reads the first's findings that deduct points: the agents' evaluation
    // counts their AGT findings (AGT-005 reports from it), POL-002 asks for an interview notice
    // before each deduction.
    let agent_eval = rules::agent::Evaluation::of(&ctx, &with_points);
    ctx.prior = &with_points;
    ctx.agent_eval = &agent_eval;
    let (second_pass, _) = run_rules(&second, &ctx, &mut evaluations, &mut notes);
    packed.append(second_pass);
    let agent_ranking = if ds.has_columns(TableName::Projects, &["agent_id"]) { agent_eval.months } else { Vec::new() };
    // The views, the linking and the price patterns go before the findings are unpacked.
    drop((views, graph, patterns, with_points));
    bidwatch_model::mem::trim();
    let started = std::time::Instant::now();
    let mut findings = packed.unpack().expect("findings packed by this run unpack (MessagePack of plain data)");
    let unpacked_ms = started.elapsed().as_millis() as u64;
    bidwatch_model::finding::sort_findings(&mut findings);
    tracing::debug!(
        ms = started.elapsed().as_millis() as u64,
        unpacked_ms,
        rss_mib = rss(),
        peak_mib = peak(),
        "findings unpacked and sorted"
    );
    evaluations.sort_by_key(|(c, _)| *c);
    notes.sort_by_key(|(c, _)| *c);
    RunOutput { findings, screens, tender_risk, evaluations, notes, agent_ranking }
}

/// The resident memory now, in MiB, for the debug log (0 where it cannot be read).
fn rss() -> u64 {
    bidwatch_model::mem::rss_mib().map_or(0, |(now, _)| now)
}

/// The process's peak resident memory so far, in MiB (0 where it cannot be read).
fn peak() -> u64 {
    bidwatch_model::mem::rss_mib().map_or(0, |(_, peak)| peak)
}

/// Runs `rules` side by side (rayon); their output is gathered in registry order, so it does not
/// depend on threads. A rule whose tables or columns are missing is recorded as not evaluated.
/// The findings come back packed (see [`bidwatch_model::packed`]), with a copy of those that
/// deduct points.
fn run_rules(
    rules: &[Box<dyn Rule>],
    ctx: &Context<'_>,
    evaluations: &mut Vec<(RuleCode, Evaluation)>,
    notes: &mut Vec<(RuleCode, Text)>,
) -> (Packed, Vec<Finding>) {
    use rayon::prelude::*;
    // The long rules first, then the others in registry order, each taken by the next free thread;
    // the outcomes are put back in registry order.
    let mut order: Vec<usize> = (0..rules.len()).collect();
    order.sort_by_key(|&i| !rules[i].long());
    let mut outcomes: Vec<(usize, RuleCode, Result<Ran, Vec<String>>)> =
        order.into_iter().par_bridge().map(|i| (i, rules[i].code(), run_one(rules[i].as_ref(), ctx))).collect();
    outcomes.sort_by_key(|(i, _, _)| *i);
    let mut packed = Packed::new();
    let mut with_points = Vec::new();
    for (_, code, outcome) in outcomes {
        match outcome {
            Ok(ran) => {
                packed.append(ran.findings);
                with_points.extend(ran.with_points);
                notes.extend(ran.notes.into_iter().map(|n| (code, n)));
                evaluations.push((code, Evaluation::Evaluated));
            }
            Err(missing) => evaluations.push((code, Evaluation::NotEvaluated { missing })),
        }
    }
    (packed, with_points)
}

/// What one rule left: its findings packed, a copy of those that deduct points, its notes.
struct Ran {
    findings: Packed,
    with_points: Vec<Finding>,
    notes: Vec<Text>,
}

/// One rule, or the tables and columns it lacks.
fn run_one(rule: &dyn Rule, ctx: &Context<'_>) -> Result<Ran, Vec<String>> {
    let ds = ctx.ds;
    let mut missing: Vec<String> = rule
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
    for (t, cols) in rule.requires_any() {
        if ds.frame(*t).is_some() && !cols.iter().any(|c| ds.has_columns(*t, &[c])) {
            missing.push(cols.iter().map(|c| format!("{t}.{c}")).collect::<Vec<_>>().join(" | "));
        }
    }
    if !missing.is_empty() {
        return Err(missing);
    }
    let started = std::time::Instant::now();
    // Kept until the outputs are written: packed, and what the rule freed given back.
    let (findings, with_points, notes) = rule.run(ctx).finish();
    let count = findings.len();
    bidwatch_model::mem::trim_thread();
    // RSS and peak after each rule: with one thread (RAYON_NUM_THREADS=1) they show what each rule holds.
    let (rss_mib, peak_mib) = bidwatch_model::mem::rss_mib().unwrap_or_default();
    tracing::debug!(rule = %rule.code(), ms = started.elapsed().as_millis() as u64, findings = count, rss_mib, peak_mib, "rule ran");
    Ok(Ran { findings, with_points, notes })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Registry, catalog records and docs pages match one for one.
    #[test]
    fn registry_records_and_docs_match() {
        let catalog = Catalog::builtin().expect("built-in catalog loads");
        let reg = registry();
        assert_eq!(reg.len(), catalog.records.len());
        let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules");
        let mut pages: Vec<String> = std::fs::read_dir(&docs)
            .expect("docs/rules exists")
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .filter(|n| n.ends_with(".md") && n != "README.md" && n != "screens.md")
            .collect();
        pages.sort();
        let codes: Vec<String> = reg.iter().map(|r| format!("{}.md", r.code())).collect();
        assert_eq!(pages, codes, "docs/rules/*.md must match the registry");
        for rule in &reg {
            let record = catalog.record(rule.code()).expect("record");
            let want = doc::docs_page(record, rule.as_ref(), &catalog.policy);
            let have = std::fs::read_to_string(docs.join(format!("{}.md", rule.code()))).expect("page");
            assert_eq!(
                have,
                want,
                "docs/rules/{}.md is stale: run `bidwatch rule {} --doc > docs/rules/{}.md`",
                rule.code(),
                rule.code(),
                rule.code()
            );
        }
    }

    #[test]
    fn a_policy_key_that_no_rule_reads_is_an_error() {
        let bad = format!("{}\n[rules.\"CNT-001\"]\nmin_bidder = 2\n", "");
        let err = Catalog::parse(catalog::BUILTIN_CATALOG, "c", &bad, "p", "test").expect_err("unknown key");
        assert!(err.to_string().contains("min_bidder"), "{err}");
        let missing = catalog::BUILTIN_CATALOG.replace("code = \"PRC-004\"", "code = \"PRC-099\"");
        let err = Catalog::parse(&missing, "c", catalog::BUILTIN_POLICY, "p", "test").expect_err("missing record");
        assert!(err.to_string().contains("PRC-004"), "{err}");
    }
}
