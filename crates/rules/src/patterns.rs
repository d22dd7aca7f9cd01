//! Price patterns inside one project: ladders (PRC-001) and clusters under the ceiling (PRC-002).
//!
//! Both are computed once per run, before the pairs inside projects are joined into edges, because
//! the graph uses them as corroboration: two bidders whose prices sit on one ladder *and* who
//! uploaded from one IP are far more likely a ring than either fact alone (the 新疆高院 case upheld
//! exactly that pair of facts).
//!
//! **Ladder.** Prices are compared in cents. Three or more bids of distinct bidders whose prices
//! step by the same amount (to the cent: `p, p+d, p+2d`, an arithmetic ladder) or by the same
//! ratio (to the rounding of a cent: `p, p·r, p·r²`, a geometric ladder). The bids need not be
//! neighbours: honest bids may fall between the rungs. Each maximal ladder is reported once.
//!
//! **Cluster.** Among the bids at or above `min_share` of the ceiling, the largest set whose
//! spread (max − min) / mean is at most `max_spread`, when it holds at least `min_bids` bids.
//! Projects without a ceiling are not screened.

use std::collections::BTreeSet;

/// One price of a project: its bid's index in the project's list, and the bidder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Priced<'a> {
    pub index: usize,
    pub bidder: &'a str,
    pub price: f64,
}

/// A set of bids (indices into the project's list) that form a pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub bids: Vec<usize>,
    /// Arithmetic step in yuan, or the ratio of a geometric ladder; the spread of a cluster.
    pub step: f64,
    pub geometric: bool,
}

fn cents(p: f64) -> i64 {
    (p * 100.0).round() as i64
}

/// Maximal ladders of at least `min_len` bids of distinct bidders.
///
/// Every pair of price levels (a, b) is a possible first step, so a project of n levels asks
/// about n²/2 pairs, and nearly every pair stops at two rungs. A pair is therefore first asked for
/// its third rung (b + d, or b·r), and for the rung before a (which would make it no ladder's
/// start) only when it has one. Those searches are made from where the same search for the
/// previous b ended: as b rises, each target moves by a rung or two, where a binary search took
/// log n steps each time (the same answers; a test holds them to it).
pub fn ladders(prices: &[Priced<'_>], min_len: usize) -> Vec<Pattern> {
    // A price that rounds to no cent is no level: a geometric step from it would be infinite.
    let mut sorted: Vec<(i64, usize, &str)> =
        prices.iter().filter(|p| p.price.is_finite()).map(|p| (cents(p.price), p.index, p.bidder)).filter(|x| x.0 > 0).collect();
    sorted.sort_unstable();
    // One bid per price level: the first in order (equal prices are not a step).
    sorted.dedup_by_key(|x| x.0);
    let n = sorted.len();
    let min_len = min_len.max(3);
    if n < min_len {
        return Vec::new();
    }
    let levels: Vec<i64> = sorted.iter().map(|x| x.0).collect();
    let found = |i: usize, target: i64, tol: i64| (i < n && (levels[i] - target).abs() <= tol).then_some(i);
    let find = |target: i64, tol: i64| -> Option<usize> { found(levels.partition_point(|c| *c < target - tol), target, tol) };
    let mut seen: BTreeSet<Vec<usize>> = BTreeSet::new();
    let mut out = Vec::new();
    // One buffer for every pair's chain.
    let mut chain: Vec<usize> = Vec::new();
    for i in 0..n {
        let a = levels[i];
        // Where each search of this i's pairs ended: the next rung and the rung before,
        // arithmetic and geometric.
        let (mut next_d, mut before_d, mut next_r, mut before_r) = (i, i, i, i);
        for j in i + 1..n {
            let b = levels[j];
            // Arithmetic: exact to the cent; a ladder only from the pair that starts it.
            let d = b - a;
            let third = found(seek(&levels, &mut next_d, b + d), b + d, 0);
            if let Some(k) = third {
                if found(seek(&levels, &mut before_d, a - d), a - d, 0).is_none() {
                    chain.clear();
                    chain.extend([i, j, k]);
                    while let Some(k) = find(levels[*chain.last().unwrap_or(&j)] + d, 0) {
                        chain.push(k);
                    }
                    push(&mut out, &mut seen, &sorted, &chain, min_len, d as f64 / 100.0, false);
                }
            }
            // Geometric: the same ratio, to the rounding of a cent on each side.
            let r = b as f64 / a as f64;
            if r > 1.0 {
                // The ratio of two prices rounded to the cent is off by up to 1/a relatively, so
                // a rung predicted from `last` is off by up to last/a + ½ cent.
                let tol = |last: f64| (last / a as f64).ceil() as i64 + 1;
                let rung_after = |last: f64, at: &mut usize| {
                    let (target, tol) = ((last * r).round() as i64, tol(last));
                    found(seek(&levels, at, target - tol), target, tol)
                };
                let Some(k) = rung_after(b as f64, &mut next_r).filter(|k| *k != i && *k != j) else { continue };
                let prev = (a as f64 / r).round() as i64;
                let t = tol(a as f64);
                if found(seek(&levels, &mut before_r, prev - t), prev, t).is_none() {
                    chain.clear();
                    chain.extend([i, j, k]);
                    loop {
                        let last = levels[*chain.last().unwrap_or(&j)] as f64;
                        match find((last * r).round() as i64, tol(last)) {
                            Some(k) if !chain.contains(&k) => chain.push(k),
                            _ => break,
                        }
                    }
                    // A geometric ladder that is also arithmetic was reported as arithmetic.
                    let arithmetic = chain.windows(3).all(|w| levels[w[1]] - levels[w[0]] == levels[w[2]] - levels[w[1]]);
                    if !arithmetic {
                        push(&mut out, &mut seen, &sorted, &chain, min_len, (r * 1e6).round() / 1e6, true);
                    }
                }
            }
        }
    }
    out
}

/// The first place in `levels` (ascending) whose level is at least `lo`, as a binary search finds
/// it, searched from `at` (where a search for a nearby target ended) and left there.
fn seek(levels: &[i64], at: &mut usize, lo: i64) -> usize {
    let mut i = (*at).min(levels.len());
    while i > 0 && levels[i - 1] >= lo {
        i -= 1;
    }
    while i < levels.len() && levels[i] < lo {
        i += 1;
    }
    *at = i;
    i
}

fn push(
    out: &mut Vec<Pattern>,
    seen: &mut BTreeSet<Vec<usize>>,
    sorted: &[(i64, usize, &str)],
    chain: &[usize],
    min_len: usize,
    step: f64,
    geometric: bool,
) {
    if chain.len() < min_len {
        return;
    }
    let bidders: BTreeSet<&str> = chain.iter().map(|k| sorted[*k].2).collect();
    if bidders.len() < min_len {
        return;
    }
    let mut bids: Vec<usize> = chain.iter().map(|k| sorted[*k].1).collect();
    bids.sort_unstable();
    if seen.insert(bids.clone()) {
        out.push(Pattern { bids, step, geometric });
    }
}

/// The largest set of bids at or above `min_share` of the ceiling within `max_spread`.
pub fn cluster(prices: &[Priced<'_>], ceiling: f64, min_share: f64, max_spread: f64, min_bids: usize) -> Option<Pattern> {
    if !(ceiling.is_finite() && ceiling > 0.0) {
        return None;
    }
    let mut near: Vec<(f64, usize)> =
        prices.iter().filter(|p| p.price.is_finite() && p.price >= min_share * ceiling).map(|p| (p.price, p.index)).collect();
    near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut best: Option<(usize, usize)> = None;
    let mut lo = 0;
    for hi in 0..near.len() {
        let spread = |lo: usize| {
            let w = &near[lo..=hi];
            let mean = w.iter().map(|x| x.0).sum::<f64>() / w.len() as f64;
            (near[hi].0 - near[lo].0) / mean
        };
        while lo < hi && spread(lo) > max_spread {
            lo += 1;
        }
        if best.is_none_or(|(l, h)| hi - lo > h - l) {
            best = Some((lo, hi));
        }
    }
    let (lo, hi) = best?;
    if hi + 1 - lo < min_bids.max(2) {
        return None;
    }
    let w = &near[lo..=hi];
    let mean = w.iter().map(|x| x.0).sum::<f64>() / w.len() as f64;
    let mut bids: Vec<usize> = w.iter().map(|x| x.1).collect();
    bids.sort_unstable();
    Some(Pattern { bids, step: (w[w.len() - 1].0 - w[0].0) / mean, geometric: false })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn priced(ps: &[f64]) -> Vec<Priced<'static>> {
        const NAMES: [&str; 12] = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"];
        ps.iter().enumerate().map(|(i, p)| Priced { index: i, bidder: NAMES[i % 12], price: *p }).collect()
    }

    #[test]
    fn a_price_under_half_a_cent_is_no_level() {
        // 0.003 yuan rounds to no cent: a ratio from it was infinite and its tolerance overflowed
        let p = priced(&[148.43, 1683.41, 0.003, 296.86, 593.72]);
        let found = ladders(&p, 3);
        assert!(found.iter().all(|l| !l.bids.contains(&2)), "{found:?}");
        assert_eq!(found, ladders_by_binary_search(&p, 3));
    }

    #[test]
    fn an_arithmetic_ladder_between_honest_bids_is_found_once() {
        // Rungs 950,000 / 964,000 / 978,000 with honest bids between them.
        let p = priced(&[950_000.0, 957_321.55, 964_000.0, 971_002.13, 978_000.0, 1_003_500.0]);
        let l = ladders(&p, 3);
        assert_eq!(l.len(), 1, "{l:?}");
        assert_eq!(l[0].bids, vec![0, 2, 4]);
        assert_eq!(l[0].step, 14_000.0);
        assert!(!l[0].geometric);
    }

    #[test]
    fn a_geometric_ladder_is_found() {
        let base = 812_345.67_f64;
        let p = priced(&[base, (base * 1.015 * 100.0).round() / 100.0, (base * 1.015 * 1.015 * 100.0).round() / 100.0, 900_001.0]);
        let l = ladders(&p, 3);
        assert_eq!(l.len(), 1, "{l:?}");
        assert!(l[0].geometric);
        assert_eq!(l[0].bids, vec![0, 1, 2]);
    }

    #[test]
    fn random_prices_and_one_bidders_prices_make_no_ladder() {
        assert!(ladders(&priced(&[950_000.12, 961_234.56, 978_000.99, 990_101.01]), 3).is_empty());
        // Three equal steps, but two of the bids are one bidder's.
        let p = vec![
            Priced { index: 0, bidder: "A", price: 100.0 },
            Priced { index: 1, bidder: "A", price: 200.0 },
            Priced { index: 2, bidder: "B", price: 300.0 },
        ];
        assert!(ladders(&p, 3).is_empty());
        assert!(ladders(&priced(&[5.0, 5.0, 5.0]), 3).is_empty());
    }

    #[test]
    fn a_cluster_under_the_ceiling_is_the_largest_tight_group() {
        let p = priced(&[972_000.0, 981_000.0, 985_000.0, 990_000.0, 900_000.0, 960_000.0]);
        let c = cluster(&p, 1_000_000.0, 0.97, 0.02, 3).expect("cluster");
        assert_eq!(c.bids, vec![0, 1, 2, 3]);
        assert!(cluster(&p, 1_000_000.0, 0.97, 0.005, 3).is_none());
        assert!(cluster(&p, f64::NAN, 0.97, 0.02, 3).is_none());
    }

    #[test]
    fn seeking_from_anywhere_is_a_binary_search() {
        let levels = [3, 5, 5, 9, 12, 12, 12, 20];
        for lo in 0..25 {
            for start in 0..=levels.len() + 2 {
                let mut at = start;
                assert_eq!(seek(&levels, &mut at, lo), levels.partition_point(|c| *c < lo), "lo {lo} from {start}");
            }
        }
    }

    /// The ladders as every pair's searches were made before: the reference for [`ladders`].
    fn ladders_by_binary_search(prices: &[Priced<'_>], min_len: usize) -> Vec<Pattern> {
        let mut sorted: Vec<(i64, usize, &str)> =
            prices.iter().filter(|p| p.price.is_finite()).map(|p| (cents(p.price), p.index, p.bidder)).filter(|x| x.0 > 0).collect();
        sorted.sort_unstable();
        // One bid per price level: the first in order (equal prices are not a step).
        sorted.dedup_by_key(|x| x.0);
        let n = sorted.len();
        let min_len = min_len.max(3);
        if n < min_len {
            return Vec::new();
        }
        let levels: Vec<i64> = sorted.iter().map(|x| x.0).collect();
        let find = |target: i64, tol: i64| -> Option<usize> {
            let i = levels.partition_point(|c| *c < target - tol);
            (i < n && (levels[i] - target).abs() <= tol).then_some(i)
        };
        let mut seen: BTreeSet<Vec<usize>> = BTreeSet::new();
        let mut out = Vec::new();
        // One buffer for every pair's chain: a project of n prices tries n²/2 pairs, nearly all of
        // which stop at two rungs.
        let mut chain: Vec<usize> = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                let (a, b) = (levels[i], levels[j]);
                // Arithmetic: exact to the cent; skip unless i starts the ladder.
                let d = b - a;
                if find(a - d, 0).is_none() {
                    chain.clear();
                    chain.extend([i, j]);
                    while let Some(k) = find(levels[*chain.last().unwrap_or(&j)] + d, 0) {
                        chain.push(k);
                    }
                    push(&mut out, &mut seen, &sorted, &chain, min_len, d as f64 / 100.0, false);
                }
                // Geometric: the same ratio, to the rounding of a cent on each side.
                let r = b as f64 / a as f64;
                if r > 1.0 {
                    // The ratio of two prices rounded to the cent is off by up to 1/a relatively, so
                    // a rung predicted from `last` is off by up to last/a + ½ cent.
                    let tol = |last: f64| (last / a as f64).ceil() as i64 + 1;
                    let prev = (a as f64 / r).round() as i64;
                    if find(prev, tol(a as f64)).is_none() {
                        chain.clear();
                        chain.extend([i, j]);
                        loop {
                            let last = levels[*chain.last().unwrap_or(&j)] as f64;
                            match find((last * r).round() as i64, tol(last)) {
                                Some(k) if !chain.contains(&k) => chain.push(k),
                                _ => break,
                            }
                        }
                        // A geometric ladder that is also arithmetic was reported as arithmetic.
                        let arithmetic = chain.windows(3).all(|w| levels[w[1]] - levels[w[0]] == levels[w[2]] - levels[w[1]]);
                        if !arithmetic {
                            push(&mut out, &mut seen, &sorted, &chain, min_len, (r * 1e6).round() / 1e6, true);
                        }
                    }
                }
            }
        }
        out
    }

    /// Prices with ladders in them: a base, steps of a few sizes, ratios, and noise.
    fn laddered() -> impl Strategy<Value = Vec<f64>> {
        (1_000.0f64..1e7, 1u32..5_000, 1.001f64..1.2, proptest::collection::vec((0u8..4, 0u32..9, -50i64..50), 0..30)).prop_map(
            |(base, step, ratio, picks)| {
                picks
                    .into_iter()
                    .map(|(how, k, noise)| match how {
                        0 => base + f64::from(step) * f64::from(k),
                        1 => ((base * ratio.powi(k as i32)) * 100.0).round() / 100.0,
                        2 => base + f64::from(step) * f64::from(k) + noise as f64 / 100.0,
                        _ => base * (1.0 + noise as f64 / 1_000.0),
                    })
                    .collect()
            },
        )
    }

    proptest! {
        /// The searches from where the last ended find what binary searches found: the same
        /// ladders, in the same order.
        #[test]
        fn ladders_are_those_of_binary_searches(ps in laddered(), min_len in 3usize..5) {
            let p = priced(&ps);
            prop_assert_eq!(ladders(&p, min_len), ladders_by_binary_search(&p, min_len));
        }

        #[test]
        fn ladders_of_any_prices_are_those_of_binary_searches(ps in proptest::collection::vec(0.0f64..2e3, 0..40)) {
            let p = priced(&ps);
            prop_assert_eq!(ladders(&p, 3), ladders_by_binary_search(&p, 3));
        }

        #[test]
        fn patterns_never_panic_and_name_real_bids(ps in proptest::collection::vec(-1e12f64..1e12, 0..40), ceiling in -1e12f64..1e12) {
            let p = priced(&ps);
            for l in ladders(&p, 3) {
                prop_assert!(l.bids.len() >= 3);
                prop_assert!(l.bids.iter().all(|b| *b < ps.len()));
            }
            if let Some(c) = cluster(&p, ceiling, 0.97, 0.02, 3) {
                prop_assert!(c.bids.iter().all(|b| *b < ps.len()));
            }
        }
    }
}
