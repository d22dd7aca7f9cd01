//! The flat table of every rule bidwatch runs, by code. Adding a rule: one file under `rules/`,
//! one line here, one record in `rules/catalog.toml`, one page in `docs/rules/`.

use bidwatch_graph::{LinkConfig, Linkage};
use bidwatch_ingest::{frame, Dataset, TableName};
use bidwatch_model::packed::Packed;
use bidwatch_model::{Finding, RuleCode, Text};

use crate::catalog::Policy;
use crate::rules;
use crate::ScreenTable;

/// A threshold a rule reads from the policy, with its default and meaning.
#[derive(Debug, Clone, Copy)]
pub struct Threshold {
    pub key: &'static str,
    pub default: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

/// What a rule sees.
#[derive(Debug)]
pub struct Context<'a> {
    pub ds: &'a Dataset,
    pub policy: &'a Policy,
    /// Working days: public holidays and make-up days by year.
    pub calendar: &'a bidwatch_model::Calendar,
    /// The rule records (names, legal basis), for findings that cite their article.
    pub records: &'a std::collections::BTreeMap<RuleCode, crate::catalog::RuleRecord>,
    pub screens: &'a ScreenTable,
    /// Screen-based tender risk of every project (computed once, reported by PRC-005).
    pub tender_risk: &'a crate::tender_risk::RiskTable,
    /// Typed views of projects and bids, read from the frames once per run and shared by rules.
    pub(crate) views: &'a Views<'a>,
    /// Pair evidence, edges and rings between bidders, linked once per run.
    pub graph: &'a Linkage,
    /// The linking weights and thresholds in force (from the policy).
    pub graph_cfg: &'a LinkConfig,
    /// Price ladders and clusters of every project.
    pub(crate) patterns: &'a rules::prc_001::PatternTable,
    /// The findings of the rules that ran before: empty for most rules; for a rule that reads
    /// other rules' findings ([`Rule::after_findings`]), everything the first pass found.
    pub prior: &'a [Finding],
    /// The agents' deductions and monthly evaluation, from the first pass (for AGT-005).
    pub(crate) agent_eval: &'a rules::agent::Evaluation,
}

/// What most rules read, taken out of the frames once.
#[derive(Debug)]
pub(crate) struct Views<'a> {
    pub projects: rules::Projects,
    pub bids: Vec<Vec<rules::Bid<'a>>>,
    /// The consortia the bids name, by [`rules::Bid`]'s number for them.
    consortia: Vec<&'a str>,
    /// Bidder names by organisation key.
    pub bidder_names: Vec<Option<String>>,
    /// The points ledger, by subject and time, read once for the POL, EXP-007, BID-002 and AGT-006 rules.
    pub ledger: Vec<rules::ledger::Entry>,
    /// Prior interview notices by (subject kind, subject id).
    pub notices: std::collections::BTreeMap<(String, String), Vec<(i64, u64)>>,
    /// The committees' score sheets (EXP-003/004/005).
    pub scores: rules::expert::Scores,
    /// Key-staff assignments and punches (ATT rules).
    pub assignments: Vec<rules::attendance::Assignment>,
    pub punches: Vec<rules::attendance::Punch<'a>>,
    /// The agent of every project that names one (AGT rules).
    pub agents: std::collections::BTreeMap<usize, String>,
}

impl<'a> Views<'a> {
    /// The views of `ds`; the score sheets from `evaluations` when given (the table's columns
    /// taken out of the data set: nothing reads them but the score sheets, which let go of them).
    pub fn load(ds: &'a Dataset, evaluations: Option<polars::prelude::DataFrame>) -> Views<'a> {
        let mut bidder_names = vec![None; ds.orgs.len()];
        if let Some(df) = ds.frame(TableName::Bidders) {
            let keys = frame::keys(df, "bidder_id");
            for (k, name) in keys.into_iter().zip(frame::strs(df, "name")) {
                if let Some(k) = k {
                    bidder_names[k as usize] = name;
                }
            }
        }
        // The two large views (a row per bid, a row per score) are built side by side; the others
        // are small and built after them.
        let ((bids, consortia), scores) = rayon::join(|| rules::bids_by_project(ds), || rules::expert::scores(ds, evaluations));
        let projects = rules::Projects::load(ds);
        let (ledger, notices) = (rules::ledger::entries(ds), rules::ledger::notices(ds));
        let (assignments, punches) = (rules::attendance::assignments(ds), rules::attendance::punches(ds));
        let agents = rules::agent::agent_of(ds);
        Views { projects, bids, consortia, bidder_names, ledger, notices, scores, assignments, punches, agents }
    }

    /// The consortium a bid was made in, if any.
    pub fn consortium(&self, bid: &rules::Bid<'a>) -> Option<&'a str> {
        self.consortia.get(bid.consortium as usize).copied()
    }

    /// Who made a bid: its consortium, where it names one, else the bidder.
    pub fn unit(&self, bid: &rules::Bid<'a>) -> &'a str {
        self.consortium(bid).unwrap_or(bid.bidder)
    }
}

/// What a rule returns: its findings, and notes on what it could not check (missing columns).
///
/// Findings are packed as they come, a block at a time (see [`bidwatch_model::packed`]): a rule
/// that makes hundreds of thousands (a common document author at 10M bids) does not hold them all
/// as structs until it returns. A copy of each finding that deducts points is kept aside for the
/// second pass.
#[derive(Debug, Default)]
pub struct RuleOutput {
    findings: Vec<Finding>,
    packed: Packed,
    with_points: Vec<Finding>,
    pub notes: Vec<Text>,
}

impl RuleOutput {
    pub fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
        // a block's worth held as structs, then packed
        if self.findings.len() >= bidwatch_model::packed::BLOCK {
            self.pack();
        }
    }

    pub fn extend(&mut self, findings: impl IntoIterator<Item = Finding>) {
        for f in findings {
            self.push(f);
        }
    }

    fn pack(&mut self) {
        self.with_points.extend(self.findings.iter().filter(|f| f.points.is_some()).cloned());
        self.packed.extend(std::mem::take(&mut self.findings));
    }

    /// The findings, packed in the order they came; a copy of those that deduct points; the notes.
    pub(crate) fn finish(mut self) -> (Packed, Vec<Finding>, Vec<Text>) {
        self.pack();
        (self.packed, self.with_points, self.notes)
    }
}

pub trait Rule: Sync + Send {
    fn code(&self) -> RuleCode;
    /// Tables and columns without which the rule cannot run at all ("not evaluated").
    fn requires(&self) -> &'static [(bidwatch_ingest::TableName, &'static [&'static str])];
    /// Columns of which at least one must be present, per table (empty: no such condition).
    fn requires_any(&self) -> &'static [(bidwatch_ingest::TableName, &'static [&'static str])] {
        &[]
    }
    fn thresholds(&self) -> &'static [Threshold];
    /// Whether the rule reads the other rules' findings (`Context::prior`): such rules run in a
    /// second pass, after every other rule.
    fn after_findings(&self) -> bool {
        false
    }
    /// A scheduling hint: the rule makes a long pass over a large table (every clause, bid,
    /// punch or score sheet). Such rules are started first, so that none is left running alone
    /// at the end of a pass; the output never depends on it.
    fn long(&self) -> bool {
        false
    }
    fn run(&self, ctx: &Context<'_>) -> RuleOutput;
}

/// A code written as a literal in this crate; the registry test runs every one of them.
pub(crate) fn code(s: &str) -> RuleCode {
    RuleCode::new(s).expect("rule codes in this crate are valid literals")
}

/// Every rule, in code order.
pub fn registry() -> Vec<Box<dyn Rule>> {
    let mut v: Vec<Box<dyn Rule>> = vec![
        Box::new(rules::agt_001::AgentInsideBid),
        Box::new(rules::agt_002::ShortDocumentPeriod),
        Box::new(rules::agt_003::LateAwardNotice),
        Box::new(rules::agt_004::LateObjectionAnswer),
        Box::new(rules::agt_005::MonthlyEvaluation),
        Box::new(rules::agt_006::PendingTooLong),
        Box::new(rules::att_001::TwoProjectsAtOnce),
        Box::new(rules::att_002::MonthlyRate),
        Box::new(rules::att_003::ExcessLeave),
        Box::new(rules::att_004::AttendanceFraud),
        Box::new(rules::att_005::ImpossibleTravel),
        Box::new(rules::att_006::NotTheNamedManager),
        Box::new(rules::exp_001::NoRecusal),
        Box::new(rules::exp_002::LateOrAbsent),
        Box::new(rules::exp_003::OutlierScoring),
        Box::new(rules::exp_004::ObjectiveMismatch),
        Box::new(rules::exp_005::CopiedSheets),
        Box::new(rules::exp_007::ExpertYear),
        Box::new(rules::cnt_001::FewBidders),
        Box::new(rules::cnt_002::SingleValidBid),
        Box::new(rules::cnt_003::ConsortiumMemberAlone),
        Box::new(rules::cmp_001::WorksComplaintDeadlines),
        Box::new(rules::cmp_002::ProcurementComplaintDeadlines),
        Box::new(rules::dep_001::WORKS),
        Box::new(rules::dep_002::PROCUREMENT),
        Box::new(rules::dep_003::DepositCaps),
        Box::new(rules::int_001::PostBidInterview),
        Box::new(rules::int_002::NoticeBeforeAnswer),
        Box::new(rules::bid_002::RepeatCollusion),
        Box::new(rules::pol_002::NoticeBeforeDeduction),
        Box::new(rules::pol_003::SuspensionLevel),
        Box::new(rules::prc_001::PriceLadder),
        Box::new(rules::prc_002::CeilingCluster),
        Box::new(rules::prc_004::CeilingAndDoublePrice),
        Box::new(rules::prc_005::TenderRisk),
        Box::new(rules::col_001::SameOwner),
        Box::new(rules::col_002::SameMachine),
        Box::new(rules::col_003::SameLock),
        Box::new(rules::col_004::SameIp),
        Box::new(rules::col_005::SameAuthor),
        Box::new(rules::col_006::SameStaff),
        Box::new(rules::col_007::SameAgent),
        Box::new(rules::col_008::SameBondAccount),
        Box::new(rules::col_009::CrossEmployment),
        Box::new(rules::col_010::SameContact),
        Box::new(rules::col_011::SharedHolder),
        Box::new(rules::col_012::SameFile),
        Box::new(rules::fcr_001::NAMED_BRAND),
        Box::new(rules::fcr_002::REGIONAL_AWARDS),
        Box::new(rules::fcr_003::LOCAL_PRESENCE),
        Box::new(rules::fcr_004::OWNERSHIP_FORM),
        Box::new(rules::fcr_005::Disproportionate),
        Box::new(rules::fcr_006::UNEQUAL_TREATMENT),
        Box::new(rules::fcr_007::TailorMade),
        Box::new(rules::grf_001::Rings),
        Box::new(rules::grf_002::CoverAndRotation),
        Box::new(rules::grf_003::PerennialLosers),
        Box::new(rules::grf_004::CoordinatedWithdrawal),
    ];
    v.sort_by_key(|r| r.code());
    v
}
