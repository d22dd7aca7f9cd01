//! # bidwatch-graph: who is linked to whom, and through what
//!
//! A ring is found through what its members cannot help sharing: the machine that built the bid
//! files, the pricing-software lock, the account that paid the bonds, the project manager lent to a
//! cover bidder, the owner behind two "competitors". This crate reads those values out of the
//! validated [`Dataset`] and links bidders in three steps:
//!
//! 1. **Pair evidence inside a project** ([`Hit`]): within one project, bidders showing the same
//!    value of one [`LinkKind`]. Values are bucketed, never compared pair by pair across the data.
//!    A value shown by many unrelated bidders (a carrier's NAT address, the trading hall's machine,
//!    a template author) is common, not damning: its weight falls with the number of distinct
//!    bidders that show it ([`discount`]). Facts about people and owners are never discounted.
//! 2. **Edges** ([`Edge`]): everything that joins two bidders in any project, combined as
//!    1 − Π(1 − wᵢ), each distinct value once; plus cover bidding across projects ([`Cover`]).
//!    Static facts (one legal representative) only count for bidders that met in a project: two
//!    sister firms that never compete are not a ring.
//! 3. **Rings** ([`Ring`]): connected groups over the edges at or above a threshold, with the
//!    strongest spanning tree and, between every two members, the shortest chain of evidence.
//!
//! The crate knows no rule codes, no thresholds of its own and no output format: the rules crate
//! turns hits, edges and rings into findings, and passes the weights in a [`LinkConfig`].
//! Ids are the dense `u32` keys from ingest; every output is sorted so that the thread count
//! never changes an order.

mod collect;
mod cover;
mod kinds;
mod pairs;
mod rings;

use bidwatch_ingest::Dataset;

pub use collect::{bid_columns_read, Src, Values};
pub use cover::Cover;
pub use kinds::LinkKind;
pub use pairs::{discount, Hit, Skipped};
pub use rings::{combine, Edge, Ring};

/// The weights and thresholds of linking, read from the policy by the caller.
#[derive(Debug, Clone)]
pub struct LinkConfig {
    /// Base weight of a shared value, by [`LinkKind::index`].
    pub weights: [f64; LinkKind::ALL.len()],
    /// A discounted value shown by 2 + h bidders keeps half its weight, h = max(min, share × bidders).
    pub common_half_share: f64,
    pub common_half_min: f64,
    /// h is this many times larger for identifiers of one machine, licence or file.
    pub unique_id_half_factor: f64,
    /// Pairs whose shared value weighs less than this after the discount are counted, not reported.
    pub min_pair_weight: f64,
    /// Edges at or above this weight join a ring.
    pub edge_min: f64,
    /// Phone, e-mail and address together weigh at most this.
    pub contact_cap: f64,
    /// Categories where the statute's presumption applies; elsewhere every hit is a signal.
    pub presumed_categories: Vec<String>,
    /// Document authors that name no one.
    pub generic_authors: Vec<String>,
    /// Upload IPs of the platform itself (the trading hall), never evidence.
    pub ignore_ips: Vec<String>,
    /// A holding above this percentage controls.
    pub control_pct: f64,
    /// Months before the bid in which a person's social insurance counts.
    pub employment_lookback_months: u32,
    /// Cover bidding: meetings, winner's share of them, and the edge weight it adds.
    pub cover_min_meetings: u32,
    pub cover_min_win_share: f64,
    pub cover_weight: f64,
    /// Rings larger than this get paths from their best-connected member only.
    pub max_path_members: usize,
}

impl Default for LinkConfig {
    fn default() -> Self {
        let mut weights = [0.0; LinkKind::ALL.len()];
        for k in LinkKind::ALL {
            weights[k.index()] = match k {
                LinkKind::Mac => 0.5,
                LinkKind::UploadIp => 0.4,
                LinkKind::DocAuthor => 0.5,
                LinkKind::Employment => 0.7,
                LinkKind::Phone | LinkKind::Email | LinkKind::Address => 0.3,
                LinkKind::SharedHolder => 0.5,
                LinkKind::PriceLadder | LinkKind::PriceCluster => 0.35,
                _ => 1.0,
            };
        }
        Self {
            weights,
            common_half_share: 0.05,
            common_half_min: 10.0,
            unique_id_half_factor: 4.0,
            min_pair_weight: 0.2,
            edge_min: 0.6,
            contact_cap: 0.6,
            presumed_categories: vec!["engineering".into(), "procurement".into()],
            generic_authors: ["Administrator", "admin", "user", "微软用户", "微软中国", "Microsoft", "Windows 用户", "Windows User"]
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            ignore_ips: Vec::new(),
            control_pct: 50.0,
            employment_lookback_months: 3,
            cover_min_meetings: 5,
            cover_min_win_share: 0.6,
            cover_weight: 0.3,
            max_path_members: 60,
        }
    }
}

impl LinkConfig {
    pub fn weight(&self, kind: LinkKind) -> f64 {
        self.weights[kind.index()]
    }
}

/// Bids of one project that form a price pattern, found by the caller (the rules crate screens
/// prices). Two bidders in one pattern get a hit of `kind`, which counts for their edge only when
/// they share something else in the same project: a ladder alone can be chance.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub project: u32,
    pub kind: LinkKind,
    /// A short description (the step of a ladder, the spread of a cluster).
    pub label: String,
    /// Organisation key and `bids` row of each bid in the pattern.
    pub bids: Vec<(u32, u64)>,
}

/// Everything linking found.
#[derive(Debug, Default)]
pub struct Linkage {
    pub values: Values,
    /// Pair evidence, sorted by project, then pair, then kind.
    pub hits: Vec<Hit>,
    /// What was too common to report, by [`LinkKind::index`].
    pub skipped: Vec<Skipped>,
    pub covers: Vec<Cover>,
    /// Sorted by pair.
    pub edges: Vec<Edge>,
    /// Largest first.
    pub rings: Vec<Ring>,
    /// Distinct bidders that bid, in every region (the discount measures a value against its
    /// project's region: [`pairs::markets`]).
    pub population: usize,
}

impl Linkage {
    /// The edge between two bidders, if anything links them.
    pub fn edge_between(&self, a: u32, b: u32) -> Option<&Edge> {
        let key = (a.min(b), a.max(b));
        self.edges.binary_search_by(|e| (e.a, e.b).cmp(&key)).ok().map(|i| &self.edges[i])
    }
}

/// Links the bidders of a data set.
pub fn link(ds: &Dataset, cfg: &LinkConfig, groups: &[Group]) -> Linkage {
    find_pairs(ds, cfg).link(ds, cfg, groups)
}

/// The pair evidence inside projects, found before the price patterns are known: what is left of
/// linking once everything read from the frames to find it is gone.
#[derive(Debug)]
pub struct Pairs {
    values: Values,
    hits: Vec<Hit>,
    skipped: Vec<Skipped>,
    bids: Vec<collect::BidRec>,
    population: usize,
}

/// Reads every value that can link two bidders and finds the pairs that share one inside a
/// project: the stage with the largest working memory (every identifier of every bid), so a
/// caller can run it before building anything else that it keeps.
pub fn find_pairs(ds: &Dataset, cfg: &LinkConfig) -> Pairs {
    find_pairs_taking(ds, None, cfg)
}

/// [`find_pairs`], the identifier columns of `bids` that only linking reads given `taken` out of
/// the data set (`Dataset::take`): each is let go of as soon as it is read, not after the pairs
/// (at 10M bids 1.5 GB held through the rest of the collection and the pairs, the run's peak). A
/// column of the collection's that `taken` lacks (or all, with `None`) is read from the data
/// set's `bids`.
pub fn find_pairs_taking(ds: &Dataset, taken: Option<polars::prelude::DataFrame>, cfg: &LinkConfig) -> Pairs {
    let t = std::time::Instant::now();
    let mut c = collect::collect(ds, taken, cfg);
    let (rss_mib, peak_mib) = bidwatch_model::mem::rss_mib().unwrap_or_default();
    tracing::debug!(ms = t.elapsed().as_millis() as u64, values = c.values.len(), rss_mib, peak_mib, "link: collected");
    let t = std::time::Instant::now();
    let users = pairs::users_per_value(&c);
    // A bidder's own values (its representative, phone, address…) that no other bidder shows pair
    // no one: let go once here, not passed over in each project the bidder bids in.
    for items in &mut c.static_items {
        items.retain(|it| users.shared(it.kind, it.value));
    }
    // Distinct bidders among the bids (bidder keys are dense: a flag each).
    let mut seen = vec![false; c.bids.iter().map(|b| b.bidder as usize + 1).max().unwrap_or(0)];
    let population = c.bids.iter().filter(|b| !std::mem::replace(&mut seen[b.bidder as usize], true)).count();
    drop(seen);
    let markets = pairs::markets(&c, population);
    let (mut hits, mut skipped) = pairs::pair_hits(&c, &users, &markets, cfg);
    drop(markets);
    let (rss_mib, peak_mib) = bidwatch_model::mem::rss_mib().unwrap_or_default();
    tracing::debug!(ms = t.elapsed().as_millis() as u64, hits = hits.len(), rss_mib, peak_mib, "link: pairs");
    let collect::Collected { mut values, bids, .. } = c;
    keep_named(&mut values, &mut hits, &mut skipped);
    Pairs { values, hits, skipped, bids, population }
}

impl Pairs {
    /// Adds the pairs of the price patterns, and joins the bidders into edges and rings.
    pub fn link(self, ds: &Dataset, cfg: &LinkConfig, groups: &[Group]) -> Linkage {
        let Pairs { mut values, mut hits, mut skipped, bids, population } = self;
        pairs::group_hits(&mut values, groups, cfg, &mut hits);
        let t = std::time::Instant::now();
        let covers = cover::covers(&bids, ds.projects.len(), cfg);
        tracing::debug!(ms = t.elapsed().as_millis() as u64, covers = covers.len(), "link: cover bidding");
        let t = std::time::Instant::now();
        let edges = rings::edges(&hits, &covers, cfg);
        let order = |k: u32| ds.orgs.resolve(k).unwrap_or_default().to_owned();
        let rings = rings::rings(&edges, &bids, &order, cfg, ds.orgs.len());
        tracing::debug!(ms = t.elapsed().as_millis() as u64, edges = edges.len(), rings = rings.len(), "link: rings");
        keep_named(&mut values, &mut hits, &mut skipped);
        Linkage { values, hits, skipped, covers, edges, rings, population }
    }
}

/// Keeps only the values a hit or a skipped kind's most common value names: linking reads tens of
/// millions of values, the rules and reports need the few that made a hit.
fn keep_named(values: &mut Values, hits: &mut [Hit], skipped: &mut [Skipped]) {
    let all = values.len();
    let ids = hits.iter_mut().map(|h| (h.kind, &mut h.value));
    let tops = skipped.iter_mut().zip(LinkKind::ALL).filter_map(|(s, k)| s.top_value.as_mut().map(|v| (k, v)));
    values.keep_only(ids.chain(tops));
    tracing::debug!(kept = values.len(), of = all, "link: values named by a hit kept");
}
