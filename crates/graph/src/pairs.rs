//! Pair evidence inside a project: bidders that show the same value of one kind.
//!
//! Within each project the items of its bids and bidders are sorted by (kind, value); every run
//! of two or more bidders is a bucket and gives its pairs. No loop over all pairs of bidders is
//! ever made: a project of 150 bidders costs a sort of its few thousand items.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use bidwatch_model::grouped::Grouped;

use crate::collect::{Collected, Item, Role, Src, NONE};
use crate::kinds::LinkKind;
use crate::LinkConfig;

/// Two bidders of one project that share one value.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub project: u32,
    /// Organisation keys, `a < b`.
    pub a: u32,
    pub b: u32,
    pub kind: LinkKind,
    pub value: u32,
    /// How many distinct bidders in the data show this value.
    pub users: u32,
    /// The bidders of the project's market that `users` was measured against ([`markets`]); 0 for
    /// a kind that is not discounted.
    pub market: u32,
    /// The value's weight after the commonness discount.
    pub weight: f64,
    /// The discount applied (1 = none).
    pub discount: f64,
    /// Whether the statute presumes collusion here (kind, category, and the value is not common).
    pub presumed: bool,
    /// The rows of `a` and of `b` that show the value.
    pub rows: [(Src, u64); 2],
}

/// Pairs that shared a value too common to count, by kind: how many, and the most common value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Skipped {
    pub pairs: u64,
    pub top_value: Option<u32>,
    pub top_users: u32,
    pub top_weight: f64,
}

/// The weight left to a value of `kind` shown by `users` distinct bidders, in a project whose
/// market counts `population` bidders ([`markets`]).
///
/// 1 / (1 + ((users − 2)⁺ / h)²) with h = max(`half_min`, `half_share` × population): a value two
/// bidders share keeps its full weight; one shown by 2 + h bidders keeps half; one shown by a
/// large share of the market (a carrier's NAT address) keeps almost nothing. For identifiers of
/// one machine, licence or file h is `unique_id_half_factor` times larger.
pub fn discount(kind: LinkKind, users: u32, population: usize, cfg: &LinkConfig) -> f64 {
    let factor = if kind.unique_id() { cfg.unique_id_half_factor.max(1.0) } else { 1.0 };
    let h = factor * cfg.common_half_min.max(cfg.common_half_share * population as f64).max(1.0);
    let excess = (f64::from(users) - 2.0).max(0.0) / h;
    1.0 / (1.0 + excess * excess)
}

/// How many distinct bidders show each value, by kind and value id.
#[derive(Debug)]
pub(crate) struct Users {
    /// Where each kind's values start in `counts`, and how many it had when counted.
    offsets: Vec<usize>,
    sizes: Vec<usize>,
    counts: Vec<u32>,
    /// A bit per value, at the same place as its count: set when two or more distinct bidders show
    /// it. Only such a value can pair two bidders; the bits (1.6 MB at 10M bids) stay in the cache
    /// where the counts (50 MB) would not.
    shared: Vec<u64>,
}

impl Users {
    /// Whether two or more distinct bidders show the value (false for one interned after the count).
    pub(crate) fn shared(&self, kind: LinkKind, value: u32) -> bool {
        let k = kind.index();
        (value as usize) < self.sizes[k] && {
            let at = self.offsets[k] + value as usize;
            self.shared[at / 64] & (1 << (at % 64)) != 0
        }
    }

    /// Distinct bidders showing the value (0 for a value interned after the count).
    pub(crate) fn get(&self, kind: LinkKind, value: u32) -> u32 {
        let k = kind.index();
        if (value as usize) < self.sizes[k] {
            self.counts[self.offsets[k] + value as usize]
        } else {
            0
        }
    }
}

/// Counts the distinct bidders of every value, kind by kind: the (value, bidder) pairs of the
/// kind's items, sorted (in parallel) and deduplicated. Sorting reads memory in order; counting
/// bidder by bidder into a table of all values was tried and is slower at 10M bids (a cache miss
/// per item). One kind at a time holds a few million pairs, not every item's (0.9 GB at 10M).
pub(crate) fn users_per_value(c: &Collected) -> Users {
    let sizes: Vec<usize> = LinkKind::ALL.iter().map(|k| c.values.count(*k)).collect();
    let offsets: Vec<usize> = sizes.iter().scan(0, |acc, s| Some(std::mem::replace(acc, *acc + s))).collect();
    let mut counts = vec![0u32; sizes.iter().sum()];
    let mut pairs: Vec<u64> = Vec::new();
    for kind in LinkKind::ALL {
        let pair = |value: u32, bidder: u32| (u64::from(value) << 32) | u64::from(bidder);
        pairs.clear();
        c.bid_values.each_of_kind(kind, &c.bids, |value, bidder| pairs.push(pair(value, bidder)));
        for items in &c.static_items {
            pairs.extend(items.iter().filter(|i| i.kind == kind).map(|i| pair(i.value, i.bidder)));
        }
        // Staff items are all of one kind: read once, not once per kind (14 M items at 10M bids).
        if kind == LinkKind::Personnel {
            pairs.extend(c.personnel.values().flatten().map(|i| pair(i.value, i.bidder)));
        }
        pairs.par_sort_unstable();
        pairs.dedup();
        let of_kind = &mut counts[offsets[kind.index()]..offsets[kind.index()] + sizes[kind.index()]];
        for p in &pairs {
            of_kind[(p >> 32) as usize] += 1;
        }
    }
    let mut shared = vec![0u64; counts.len().div_ceil(64)];
    for (at, _) in counts.iter().enumerate().filter(|(_, &n)| n >= 2) {
        shared[at / 64] |= 1 << (at % 64);
    }
    Users { offsets, sizes, counts, shared }
}

/// The market of each project, the bidders a value's users are measured against: the distinct
/// bidders of the projects of its region, or `population` (every bidder) where the project names
/// no region.
///
/// A county's data is one market. A province's or a country's is many: measured against every
/// bidder of a country (680,000 firms at 10M bids, so h = 34,000), a city carrier's exit address
/// used by 500 of the city's 3,000 firms would keep nearly its whole weight, and every pair of
/// them bidding together would be reported. A value's users are still counted in all the data: an
/// address used by many firms anywhere is common wherever it shows.
pub(crate) fn markets(c: &Collected, population: usize) -> Vec<u32> {
    let whole = u32::try_from(population).unwrap_or(u32::MAX);
    let regions = c.project_region.iter().filter(|&&r| r != NONE).map(|&r| r as usize + 1).max().unwrap_or(0);
    if regions == 1 && c.project_region.iter().all(|&r| r == 0) {
        // one region named by every project: the whole data is its market
        return vec![whole; c.project_region.len()];
    }
    let mut size = vec![0u32; regions];
    if regions > 0 {
        // (region, bidder) once each: sorted and deduplicated, 8 bytes a placed bid meanwhile
        let mut seen: Vec<u64> = c
            .bids
            .iter()
            .filter_map(|b| {
                let r = c.project_region[b.project as usize];
                (r != NONE).then(|| (u64::from(r) << 32) | u64::from(b.bidder))
            })
            .collect();
        seen.par_sort_unstable();
        seen.dedup();
        for rb in seen {
            size[(rb >> 32) as usize] += 1;
        }
    }
    c.project_region.iter().map(|&r| if r == NONE { whole } else { size[r as usize] }).collect()
}

/// All hits of every project, in project order; and what was skipped as too common. `markets`: the
/// bidders each project's values are measured against ([`markets`]).
pub(crate) fn pair_hits(c: &Collected, users: &Users, markets: &[u32], cfg: &LinkConfig) -> (Vec<Hit>, Vec<Skipped>) {
    // Bids by project, in bid order within each.
    let n_projects = c.project_day.len();
    let by_project = Grouped::by_key(n_projects, c.bids.iter().enumerate().map(|(i, b)| (b.project, i as u32)));
    let mut hits = Vec::new();
    let mut skipped = vec![Skipped::default(); LinkKind::ALL.len()];
    let sole = sole_employers(&c.employment);
    // A block of projects at a time, side by side within the block and gathered in project order:
    // every project's result held at once (a `Skipped` per kind each) was ≈ 0.6 GB at 10M bids.
    for first in (0..n_projects).step_by(PROJECT_BLOCK) {
        let block: Vec<(Vec<Hit>, Vec<Skipped>)> = (first..n_projects.min(first + PROJECT_BLOCK))
            .into_par_iter()
            .map(|p| project_hits(c, p as u32, by_project.of(p), users, markets[p] as usize, &sole, cfg))
            .collect();
        for (h, s) in block {
            hits.extend(h);
            for (acc, s) in skipped.iter_mut().zip(s) {
                acc.pairs += s.pairs;
                if s.top_users > acc.top_users || (s.top_users == acc.top_users && s.top_value < acc.top_value) {
                    acc.top_value = s.top_value;
                    acc.top_users = s.top_users;
                    acc.top_weight = s.top_weight;
                }
            }
        }
    }
    (hits, skipped)
}

/// Projects whose pairs are found side by side before their results are gathered.
const PROJECT_BLOCK: usize = 4096;

/// Each person's one employer, when every month of their insurance was paid by it ([`NONE`]: by
/// more than one, or none).
fn sole_employers(employment: &crate::collect::Insurance) -> Vec<u32> {
    employment
        .iter()
        .map(|paid| match paid.split_first() {
            Some((first, rest)) if rest.iter().all(|m| m.employer == first.employer) => first.employer,
            _ => NONE,
        })
        .collect()
}

fn project_hits(
    c: &Collected,
    p: u32,
    bids: &[u32],
    users: &Users,
    market: usize,
    sole: &[u32],
    cfg: &LinkConfig,
) -> (Vec<Hit>, Vec<Skipped>) {
    let mut skipped = vec![Skipped::default(); LinkKind::ALL.len()];
    let mut hits = Vec::new();
    if bids.len() < 2 {
        return (hits, skipped);
    }
    // Consortium mates are one bidder; a firm's own second bid is no pair.
    let mut consortium: HashMap<u32, u32> = HashMap::new();
    let mut bidders: Vec<u32> = Vec::new();
    for &i in bids {
        let b = &c.bids[i as usize];
        bidders.push(b.bidder);
        if let Some(cid) = b.consortium {
            consortium.insert(b.bidder, cid);
        }
    }
    bidders.sort_unstable();
    bidders.dedup();
    if bidders.len() < 2 {
        return (hits, skipped);
    }
    let mates = |a: u32, b: u32| matches!((consortium.get(&a), consortium.get(&b)), (Some(x), Some(y)) if x == y);
    let presumed_category = c.project_category[p as usize].as_deref().is_some_and(|cat| cfg.presumed_categories.iter().any(|x| x == cat));

    // Only the values two or more bidders show anywhere: a value of one bidder pairs no one, and
    // most of a project's values are its bidders' own (their machines, accounts and staff, shown
    // in each of their bids). Leaving them out before the sort leaves its order as it was.
    let shared = |it: &Item| users.shared(it.kind, it.value);
    let mut items: Vec<Item> = Vec::new();
    for &i in bids {
        c.bid_values.items_of(i as usize, &c.bids[i as usize], &mut items, shared);
    }
    for &b in &bidders {
        // a bidder's own values are kept only where shared ([`crate::find_pairs_taking`])
        items.extend_from_slice(&c.static_items[b as usize]);
        if let Some(v) = c.personnel.get(&(p, b)) {
            items.extend(v.iter().filter(|it| shared(it)));
        }
    }
    // Sorted as their keys, bare numbers that hold every field (a key made at each comparison
    // was a third of this function's time at 10M bids).
    let mut keys: Vec<u128> = items.iter().map(Item::order_key).collect();
    keys.sort_unstable();
    for (it, &k) in items.iter_mut().zip(&keys) {
        *it = Item::from_key(k);
    }
    drop(keys);

    // The first row of each (bidder, role) of a run of one value.
    let mut firsts: Vec<&Item> = Vec::new();
    let mut start = 0;
    while start < items.len() {
        let (kind, value) = (items[start].kind, items[start].value);
        let mut end = start + 1;
        while end < items.len() && items[end].kind == kind && items[end].value == value {
            end += 1;
        }
        let run = &items[start..end];
        start = end;
        // A value one row shows links no one (most values of a project).
        if run.len() < 2 {
            continue;
        }
        // Items are sorted by bidder, role, source, row.
        firsts.clear();
        for it in run {
            if firsts.last().is_none_or(|l| l.bidder != it.bidder || l.role != it.role) {
                firsts.push(it);
            }
        }
        if firsts.len() < 2 {
            continue;
        }
        let u = users.get(kind, value);
        let d = if kind.discounted() { discount(kind, u, market, cfg) } else { 1.0 };
        // The same uncommon network identity (IP, MAC) in three or more bids of one project: each
        // further bid makes chance less likely, so a pair's weight compounds with the others who
        // share it. Names do not compound (Chinese names repeat: three 王芳 are no ring), nor do
        // common values (discounted below half: a NAT shared by twelve means nothing more).
        let n_firms = {
            let mut b: Vec<u32> = firsts.iter().map(|i| i.bidder).collect();
            b.dedup();
            b.len()
        };
        let base = cfg.weight(kind) * d;
        let weight = if n_firms >= 3 && d >= 0.5 && kind.network() { 1.0 - (1.0 - base).powi(n_firms as i32 - 1) } else { base };
        for (x, ia) in firsts.iter().enumerate() {
            for ib in &firsts[x + 1..] {
                if ia.bidder == ib.bidder || mates(ia.bidder, ib.bidder) || !roles_match(kind, ia.role, ib.role) {
                    continue;
                }
                if weight < cfg.min_pair_weight {
                    let s = &mut skipped[kind.index()];
                    s.pairs += 1;
                    if u > s.top_users || (u == s.top_users && Some(value) < s.top_value) {
                        s.top_value = Some(value);
                        s.top_users = u;
                        s.top_weight = weight;
                    }
                    continue;
                }
                let (lo, hi) = if ia.bidder < ib.bidder { (ia, ib) } else { (ib, ia) };
                hits.push(Hit {
                    project: p,
                    a: lo.bidder,
                    b: hi.bidder,
                    kind,
                    value,
                    users: u,
                    market: if kind.discounted() { u32::try_from(market).unwrap_or(u32::MAX) } else { 0 },
                    weight,
                    discount: d,
                    presumed: kind.statutory() && presumed_category && d >= 0.5,
                    rows: [(lo.src, u64::from(lo.row)), (hi.src, u64::from(hi.row))],
                });
            }
        }
    }
    employment_hits(c, p, &bidders, &mates, sole, cfg, &mut hits);
    // A shared person who controls both firms is COL-001, not also COL-011.
    let controlled: HashSet<(u32, u32, &str)> = hits
        .iter()
        .filter(|h| h.kind == LinkKind::Controller)
        .map(|h| (h.a, h.b, c.values.get(h.kind, h.value).strip_prefix("person:").unwrap_or("")))
        .collect();
    hits.retain(|h| h.kind != LinkKind::SharedHolder || !controlled.contains(&(h.a, h.b, c.values.get(h.kind, h.value))));
    hits.sort_by_key(|x| (x.a, x.b, x.kind, x.value, x.rows));
    hits.dedup_by(|x, y| (x.a, x.b, x.kind, x.value) == (y.a, y.b, y.kind, y.value));
    (hits, skipped)
}

/// Directed kinds match a payer with an owner only; a controlled firm matches its controller or a
/// sister firm under the same controller, never two firms that are each only themselves.
fn roles_match(kind: LinkKind, a: Role, b: Role) -> bool {
    match kind {
        LinkKind::BondFromOther => a != b,
        LinkKind::Controller => !(a == Role::Owner && b == Role::Owner),
        _ => a == b,
    }
}

/// COL-009: a person named in A's bid paid social insurance by B in the months before the bid.
/// `sole`: each person's one employer ([`sole_employers`]).
fn employment_hits(
    c: &Collected,
    p: u32,
    bidders: &[u32],
    mates: &dyn Fn(u32, u32) -> bool,
    sole: &[u32],
    cfg: &LinkConfig,
    hits: &mut Vec<Hit>,
) {
    // The bid's month and the `lookback` months before it (a month is taken as 31 days); any month
    // where the project has no day.
    let window = match c.project_day[p as usize] {
        Some(d) => d - 31 * (i64::from(cfg.employment_lookback_months) + 1)..=d,
        None => i64::MIN..=i64::MAX,
    };
    let presumed = false;
    for &a in bidders {
        let Some(staff) = c.personnel.get(&(p, a)) else {
            continue;
        };
        for it in staff {
            // Insured by A alone (most staff): no other employer, and A's own months are never
            // read (each person's months lie apart from the next one's: a wait on memory each).
            if sole.get(it.value as usize) == Some(&a) {
                continue;
            }
            // A person's months are in time order (`collect`): only the window's are read.
            let paid = c.employment.of(it.value as usize);
            let from = paid.partition_point(|m| i64::from(m.month) < *window.start());
            let in_window = paid[from..].iter().take_while(|m| i64::from(m.month) <= *window.end());
            // The latest month in the window, per employer.
            let mut best: HashMap<u32, (i32, u32)> = HashMap::new();
            for m in in_window {
                if m.employer == a || bidders.binary_search(&m.employer).is_err() || mates(a, m.employer) {
                    continue;
                }
                let e = best.entry(m.employer).or_insert((m.month, m.row));
                if (m.month, std::cmp::Reverse(m.row)) > (e.0, std::cmp::Reverse(e.1)) {
                    *e = (m.month, m.row);
                }
            }
            let mut found: Vec<_> = best.into_iter().collect();
            found.sort_unstable();
            for (b, (_, row)) in found {
                let (lo, hi, rows) = if a < b {
                    (a, b, [(it.src, u64::from(it.row)), (Src::Employment, u64::from(row))])
                } else {
                    (b, a, [(Src::Employment, u64::from(row)), (it.src, u64::from(it.row))])
                };
                hits.push(Hit {
                    project: p,
                    a: lo,
                    b: hi,
                    kind: LinkKind::Employment,
                    value: it.value,
                    users: 0,
                    market: 0,
                    weight: cfg.weight(LinkKind::Employment),
                    discount: 1.0,
                    presumed,
                    rows,
                });
            }
        }
    }
}

/// Pair hits from price patterns, kept only for pairs that already share something else in the
/// same project; the hits stay sorted by project, pair and kind.
pub(crate) fn group_hits(values: &mut crate::collect::Values, groups: &[crate::Group], cfg: &LinkConfig, hits: &mut Vec<Hit>) {
    let linked: HashSet<(u32, u32, u32)> = hits.iter().map(|h| (h.project, h.a, h.b)).collect();
    let mut extra = Vec::new();
    for g in groups {
        let value = values.intern(g.kind, &g.label);
        for (i, (a, ra)) in g.bids.iter().enumerate() {
            for (b, rb) in &g.bids[i + 1..] {
                if a == b {
                    continue;
                }
                let (lo, hi) = if a < b { ((*a, *ra), (*b, *rb)) } else { ((*b, *rb), (*a, *ra)) };
                if !linked.contains(&(g.project, lo.0, hi.0)) {
                    continue;
                }
                extra.push(Hit {
                    project: g.project,
                    a: lo.0,
                    b: hi.0,
                    kind: g.kind,
                    value,
                    users: 0,
                    market: 0,
                    weight: cfg.weight(g.kind),
                    discount: 1.0,
                    presumed: false,
                    rows: [(Src::Bids, lo.1), (Src::Bids, hi.1)],
                });
            }
        }
    }
    if extra.is_empty() {
        return;
    }
    hits.extend(extra);
    hits.sort_by_key(|x| (x.project, x.a, x.b, x.kind, x.value, x.rows));
    hits.dedup_by(|x, y| (x.project, x.a, x.b, x.kind, x.value) == (y.project, y.a, y.b, y.kind, y.value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_has_a_sole_employer_only_when_every_month_is_its() {
        use crate::collect::Paid;
        let month = |employer: u32, month: i32| Paid { employer, month, row: 0 };
        // person 0: two months at 7; person 1: at 7, then at 8; person 2: no months; person 3: one at 9
        let months = [(0, month(7, 1)), (0, month(7, 2)), (1, month(7, 1)), (1, month(8, 2)), (3, month(9, 1))];
        let employment = Grouped::by_key(4, months.into_iter());
        assert_eq!(sole_employers(&employment), vec![7, NONE, NONE, 9]);
    }

    #[test]
    fn the_discount_halves_at_two_plus_h_users() {
        let cfg = LinkConfig::default();
        let ip = LinkKind::UploadIp;
        assert_eq!(discount(ip, 2, 900, &cfg), 1.0);
        let h = (cfg.common_half_share * 900.0).max(cfg.common_half_min);
        assert!((discount(ip, 2 + h as u32, 900, &cfg) - 0.5).abs() < 0.01);
        assert!(discount(ip, 135, 900, &cfg) < 0.15);
        assert!(discount(ip, 28, 900, &cfg) > 0.6);
        // A machine code shared by 28 firms is still nearly whole; by a third of the market it is not.
        assert!(discount(LinkKind::MachineCode, 28, 344, &cfg) > 0.85);
        assert!(discount(LinkKind::MachineCode, 115, 344, &cfg) < 0.4);
        // Monotone.
        let mut last = 1.0;
        for u in 0..2000 {
            let d = discount(ip, u, 900, &cfg);
            assert!(d <= last + 1e-12 && d > 0.0);
            last = d;
        }
    }
}
