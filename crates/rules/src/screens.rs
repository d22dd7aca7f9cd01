//! Price screens: statistics of one tender's bids that cartels distort.
//!
//! For one project, take its bids that were not withdrawn (valid and rejected bids alike: a cover
//! bid rejected at evaluation is still a price the bidder chose), sorted b₁ ≤ b₂ ≤ … ≤ bₙ.
//! The definitions are those of the published screening literature, as checked against the
//! labeled data sets (`shared/data/labeled/README.md`):
//!
//! | screen | definition | empty when |
//! |---|---|---|
//! | `cv` | sample standard deviation (n − 1) / mean | n < 2, mean = 0 |
//! | `spd` | (bₙ − b₁) / b₁ | n < 2, b₁ = 0 |
//! | `diffp` | (second-lowest *distinct* bid − b₁) / b₁ | fewer than 2 distinct bids, b₁ = 0 |
//! | `rd` | (b₂ − b₁) / s, s = sample sd of the losing bids b₂…bₙ (textbook relative distance) | n < 3, s = 0 |
//! | `kurtosis` | bias-corrected excess kurtosis (Excel `KURT`) | n < 4, sd = 0 |
//! | `skewness` | bias-corrected skewness (Excel `SKEW`) | n < 3, sd = 0 |
//! | `ks_uniform` | Kolmogorov–Smirnov statistic of (b − b₁)/(bₙ − b₁) against U[0, 1] | n < 2, bₙ = b₁ |
//!
//! Edge cases, the same in both implementations below:
//! - **ties** count as separate bids everywhere except `diffp`, which looks for the next *distinct*
//!   price (two bids of 100 and one of 103 give diffp = 0.03, not 0);
//! - **n < 3**: only `cv`, `spd`, `diffp` and `ks_uniform` exist for two bids; one bid has no screen;
//! - **all bids equal** (sd ≤ 10⁻¹² · |mean|): cv = spd = 0, and `diffp`, `rd`, `kurtosis`,
//!   `skewness`, `ks_uniform` are empty — they are undefined, not zero;
//! - **a zero lowest bid** leaves `spd` and `diffp` empty (division by b₁); non-finite prices are
//!   dropped before anything is computed.
//!
//! [`by_project`] computes the screens of every project in one polars group-by over the bids frame
//! (no loop over rows); [`compute`] is the same arithmetic on one slice, the reference the group-by
//! is tested against. Both go through [`Moments`], so the edge cases above live in one place.

use polars::prelude::*;

/// The screens of one tender.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Screens {
    pub n_bids: usize,
    pub cv: Option<f64>,
    pub spd: Option<f64>,
    pub diffp: Option<f64>,
    pub rd: Option<f64>,
    pub kurtosis: Option<f64>,
    pub skewness: Option<f64>,
    pub ks_uniform: Option<f64>,
}

/// Relative tolerance under which a standard deviation counts as zero (all bids equal up to
/// floating-point noise).
const ZERO_SD: f64 = 1e-12;

/// The aggregates of one tender's sorted bids b₁ ≤ … ≤ bₙ that the screens are made of.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    pub n: usize,
    pub mean: f64,
    /// Sample standard deviation (n − 1); NaN for n < 2.
    pub sd: f64,
    pub lo: f64,
    pub hi: f64,
    /// The second-lowest distinct bid, if any.
    pub next_distinct: Option<f64>,
    /// b₂, the second-lowest bid (ties included).
    pub second: f64,
    /// Sample standard deviation of b₂…bₙ; NaN for n < 3.
    pub sd_losing: f64,
    /// Σ zᵢ³ and Σ zᵢ⁴ with zᵢ = (bᵢ − mean)/sd.
    pub z3: f64,
    pub z4: f64,
    /// maxᵢ ((i + 1)/n − uᵢ) and maxᵢ (uᵢ − i/n) with uᵢ = (bᵢ − b₁)/(bₙ − b₁), i from 0.
    pub ks_above: f64,
    pub ks_below: f64,
}

impl Moments {
    /// The moments of bids already sorted ascending.
    pub fn of_sorted(b: &[f64]) -> Moments {
        let n = b.len();
        if n == 0 {
            return Moments::default();
        }
        let nf = n as f64;
        let mean = b.iter().sum::<f64>() / nf;
        let sd_of = |x: &[f64]| {
            let m = x.iter().sum::<f64>() / x.len() as f64;
            (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() as f64 - 1.0)).sqrt()
        };
        let sd = if n >= 2 { sd_of(b) } else { f64::NAN };
        let (lo, hi) = (b[0], b[n - 1]);
        let z = |p: i32| b.iter().map(|x| ((x - mean) / sd).powi(p)).sum::<f64>();
        let u = |x: f64| (x - lo) / (hi - lo);
        let ks_above = b.iter().enumerate().map(|(i, x)| (i as f64 + 1.0) / nf - u(*x)).fold(f64::NEG_INFINITY, f64::max);
        let ks_below = b.iter().enumerate().map(|(i, x)| u(*x) - i as f64 / nf).fold(f64::NEG_INFINITY, f64::max);
        Moments {
            n,
            mean,
            sd,
            lo,
            hi,
            next_distinct: b.iter().copied().find(|x| *x > lo),
            second: b.get(1).copied().unwrap_or(f64::NAN),
            sd_losing: if n >= 3 { sd_of(&b[1..]) } else { f64::NAN },
            z3: z(3),
            z4: z(4),
            ks_above,
            ks_below,
        }
    }

    /// The screens these moments give, with every edge case of the module documentation.
    pub fn screens(&self) -> Screens {
        let n = self.n;
        let mut s = Screens { n_bids: n, ..Screens::default() };
        if n < 2 {
            return s;
        }
        let (m, lo, hi) = (self.mean, self.lo, self.hi);
        let tiny = ZERO_SD * m.abs().max(1.0);
        // NaN counts as flat: partial_cmp gives None
        let flat = self.sd.partial_cmp(&tiny) != Some(std::cmp::Ordering::Greater);
        if m != 0.0 {
            s.cv = Some(if flat { 0.0 } else { self.sd / m });
        }
        if lo != 0.0 {
            s.spd = Some(if flat { 0.0 } else { (hi - lo) / lo });
            s.diffp = self.next_distinct.filter(|_| !flat).map(|x2| (x2 - lo) / lo);
        }
        if n >= 3 && self.sd_losing > tiny {
            s.rd = Some((self.second - lo) / self.sd_losing);
        }
        if !flat {
            let nf = n as f64;
            if n >= 3 {
                s.skewness = Some(nf / ((nf - 1.0) * (nf - 2.0)) * self.z3);
            }
            if n >= 4 {
                let a = nf * (nf + 1.0) / ((nf - 1.0) * (nf - 2.0) * (nf - 3.0));
                let c = 3.0 * (nf - 1.0) * (nf - 1.0) / ((nf - 2.0) * (nf - 3.0));
                s.kurtosis = Some(a * self.z4 - c);
            }
            if hi > lo {
                s.ks_uniform = Some(self.ks_above.max(self.ks_below).clamp(0.0, 1.0));
            }
        }
        s
    }
}

/// Computes the screens of bids that are already sorted ascending.
pub fn compute_sorted(b: &[f64]) -> Screens {
    Moments::of_sorted(b).screens()
}

/// Computes the screens of bids in any order (non-finite values are dropped).
pub fn compute(bids: &[f64]) -> Screens {
    let mut b: Vec<f64> = bids.iter().copied().filter(|x| x.is_finite()).collect();
    b.sort_by(f64::total_cmp);
    compute_sorted(&b)
}

/// The screens of every project, indexed by project key (`n_projects` long), in one polars
/// group-by over a bids frame with `project_id` (ingest's keys) or `project_key`, `price` and
/// optionally `status`. Withdrawn bids
/// and non-finite prices are left out, as in [`compute`].
pub fn by_project(bids: &DataFrame, n_projects: usize) -> PolarsResult<Vec<Screens>> {
    in_blocks(bids, n_projects, SCREEN_BLOCK)
}

/// [`by_project`], `block` projects at a time.
fn in_blocks(bids: &DataFrame, n_projects: usize, block: usize) -> PolarsResult<Vec<Screens>> {
    let mut out = vec![Screens::default(); n_projects];
    if bids.height() == 0 {
        return Ok(out);
    }
    // The project key: ingest's id column read as its keys, or (a frame built by hand) `project_key`.
    let key = match bids.column("project_id").map(|c| c.dtype()) {
        Ok(DataType::Categorical(..)) => col("project_id").to_physical().alias("project_key"),
        _ => col("project_key"),
    };
    let mut keep = col("price").is_not_null().and(col("price").is_finite()).and(col("project_key").is_not_null());
    if bids.column("status").is_ok() {
        keep = keep.and(col("status").is_null().or(col("status").neq(lit("withdrawn"))));
    }
    let mut columns = vec![key, col("price").cast(DataType::Float64)];
    if bids.column("status").is_ok() {
        columns.push(col("status"));
    }
    // The standing bids' keys and prices only, sorted by project and price once; then a block of
    // projects at a time — a slice of that — gets its window columns and aggregations: over every
    // bid at once they held 1.5 GB beside the views at 10M bids. A project's screens read its own
    // bids only, so the blocks give the same numbers.
    let sorted = bids
        .clone()
        .lazy()
        .select(columns)
        .filter(keep)
        .select([col("project_key"), col("price")])
        .sort(["project_key", "price"], SortMultipleOptions::default())
        .collect()?;
    let keys = sorted.column("project_key")?.cast(&DataType::UInt32)?;
    let keys = keys.u32()?;
    let block = block.max(1) as u64;
    let (mut start, mut n) = (0usize, 0usize);
    let mut current: Option<u64> = None;
    for k in keys.iter() {
        let b = k.map(|k| u64::from(k) / block);
        if b != current && n > 0 {
            screen_block(sorted.slice(start as i64, n), &mut out)?;
            (start, n) = (start + n, 0);
        }
        current = b;
        n += 1;
    }
    if n > 0 {
        screen_block(sorted.slice(start as i64, n), &mut out)?;
    }
    Ok(out)
}

/// Projects per block of [`by_project`] (at 10M bids, some 700,000 bids a block).
const SCREEN_BLOCK: usize = 1 << 16;

/// The screens of the projects of `rows` (standing bids' `project_key` and `price`, sorted by
/// both), written into their slots of `out`.
fn screen_block(rows: DataFrame, out: &mut [Screens]) -> PolarsResult<()> {
    // Each bid gets its project's aggregates beside it (window expressions) and its rank i
    // (0-based) in the project; every screen is then a plain aggregation of a column. Per-group
    // expressions (a sort, a slice, a filter in each of 900,000 groups) took 15 s at 10M bids.
    let k = || col("project_key");
    let p = || col("price");
    let i = || col("i");
    let rows = rows.lazy().with_columns([
        len().over([k()])?.cast(DataType::Float64).alias("n"),
        p().mean().over([k()])?.alias("g_mean"),
        p().std(1).over([k()])?.alias("g_sd"),
        p().min().over([k()])?.alias("g_lo"),
        p().max().over([k()])?.alias("g_hi"),
        int_range(lit(0), len(), 1, DataType::Int64).over([k()])?.cast(DataType::Float64).alias("i"),
    ]);
    let u = || (p() - col("g_lo")) / (col("g_hi") - col("g_lo"));
    let z = |k: i32| ((p() - col("g_mean")) / col("g_sd")).pow(k).sum();
    let none = || lit(NULL).cast(DataType::Float64);
    let agg = rows
        .group_by([k()])
        .agg([
            len().cast(DataType::UInt32).alias("n"),
            p().mean().alias("mean"),
            p().std(1).alias("sd"),
            p().min().alias("lo"),
            p().max().alias("hi"),
            when(p().gt(col("g_lo"))).then(p()).otherwise(none()).min().alias("next_distinct"),
            when(i().eq(lit(1.0))).then(p()).otherwise(none()).max().alias("second"),
            when(i().gt_eq(lit(1.0))).then(p()).otherwise(none()).std(1).alias("sd_losing"),
            z(3).alias("z3"),
            z(4).alias("z4"),
            ((i() + lit(1.0)) / col("n") - u()).max().alias("ks_above"),
            (u() - i() / col("n")).max().alias("ks_below"),
        ])
        .collect()?;
    let f = |name: &str| -> PolarsResult<Vec<Option<f64>>> { Ok(agg.column(name)?.f64()?.iter().collect()) };
    let keys: Vec<Option<u32>> = agg.column("project_key")?.u32()?.iter().collect();
    let counts: Vec<Option<u32>> = agg.column("n")?.u32()?.iter().collect();
    let [mean, sd, lo, hi, next, second, sd_losing, z3, z4, ka, kb] =
        ["mean", "sd", "lo", "hi", "next_distinct", "second", "sd_losing", "z3", "z4", "ks_above", "ks_below"].map(f);
    let (mean, sd, lo, hi, next, second, sd_losing, z3, z4, ka, kb) =
        (mean?, sd?, lo?, hi?, next?, second?, sd_losing?, z3?, z4?, ka?, kb?);
    let nan = |v: Option<f64>| v.unwrap_or(f64::NAN);
    for r in 0..agg.height() {
        let Some(slot) = keys[r].and_then(|k| out.get_mut(k as usize)) else { continue };
        let m = Moments {
            n: counts[r].unwrap_or(0) as usize,
            mean: nan(mean[r]),
            sd: nan(sd[r]),
            lo: nan(lo[r]),
            hi: nan(hi[r]),
            next_distinct: next[r],
            second: nan(second[r]),
            sd_losing: nan(sd_losing[r]),
            z3: nan(z3[r]),
            z4: nan(z4[r]),
            ks_above: nan(ka[r]),
            ks_below: nan(kb[r]),
        };
        *slot = m.screens();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 5e-5)
    }

    /// Hand-checked: bids 100, 102, 103, 110, 125 (mean 108, Σ(x − m)² = 418).
    /// sd = √(418/4) = 10.2225 → CV = 0.094653; SPD = 25/100 = 0.25; DIFFP = 2/100 = 0.02;
    /// losing bids 102, 103, 110, 125 have sd 10.6145 → RD = 2/10.6145 = 0.188422;
    /// SKEW = 5/(4·3)·Σz³ = 1.586702; KURT = 5·6/(4·3·2)·Σz⁴ − 3·16/(3·2) = 2.250910;
    /// KS: u = 0, .08, .12, .4, 1 → D = max(i/n − uᵢ, uᵢ − (i−1)/n) = 0.6 − 0.12 = 0.48.
    #[test]
    fn hand_checked_tender() {
        let s = compute(&[110.0, 100.0, 125.0, 102.0, 103.0]);
        assert_eq!(s.n_bids, 5);
        assert!(close(s.cv, 0.094653), "{s:?}");
        assert!(close(s.spd, 0.25));
        assert!(close(s.diffp, 0.02));
        assert!(close(s.rd, 0.188422), "{s:?}");
        assert!(close(s.skewness, 1.586702), "{s:?}");
        assert!(close(s.kurtosis, 2.250910), "{s:?}");
        assert!(close(s.ks_uniform, 0.48), "{s:?}");
    }

    #[test]
    fn small_and_degenerate_tenders() {
        assert_eq!(compute(&[]), Screens::default());
        let one = compute(&[5.0]);
        assert_eq!((one.n_bids, one.cv), (1, None));
        let equal = compute(&[7.0, 7.0, 7.0, 7.0]);
        assert_eq!(equal.cv, Some(0.0));
        assert_eq!(equal.spd, Some(0.0));
        assert_eq!((equal.diffp, equal.rd, equal.kurtosis, equal.skewness, equal.ks_uniform), (None, None, None, None, None));
        let three = compute(&[1.0, 2.0, 4.0]);
        assert!(three.kurtosis.is_none() && three.skewness.is_some());
        let ties = compute(&[10.0, 10.0, 11.0, 12.0]);
        assert!(close(ties.diffp, 0.1));
        let zero = compute(&[0.0, 1.0, 2.0]);
        assert!(zero.spd.is_none() && zero.diffp.is_none() && zero.cv.is_some());
    }

    fn group_by(projects: &[Vec<(f64, &str)>]) -> Vec<Screens> {
        let mut key = Vec::new();
        let mut price = Vec::new();
        let mut status = Vec::new();
        for (k, bids) in projects.iter().enumerate() {
            for (p, st) in bids {
                key.push(k as u32);
                price.push(*p);
                status.push(*st);
            }
        }
        let df = DataFrame::new_infer_height(vec![
            Column::new("project_key".into(), key),
            Column::new("price".into(), price),
            Column::new("status".into(), status),
        ])
        .expect("frame");
        let whole = by_project(&df, projects.len()).expect("group-by");
        // in blocks of one, two or three projects the same numbers, bit for bit
        for block in 1..=3 {
            assert_eq!(in_blocks(&df, projects.len(), block).expect("group-by in blocks"), whole, "blocks of {block}");
        }
        whole
    }

    fn agree(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
            (None, None) => true,
            _ => false,
        }
    }

    #[test]
    fn group_by_leaves_out_withdrawn_bids_and_keeps_empty_projects() {
        let s = group_by(&[
            vec![(110.0, "valid"), (100.0, "valid"), (125.0, "rejected"), (102.0, "valid"), (103.0, "valid"), (1.0, "withdrawn")],
            vec![],
        ]);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].n_bids, 5);
        assert!(close(s[0].cv, 0.094653) && close(s[0].ks_uniform, 0.48) && close(s[0].rd, 0.188422), "{:?}", s[0]);
        assert_eq!(s[1], Screens::default());
    }

    proptest! {
        /// The polars group-by gives the reference arithmetic's screens on every project.
        #[test]
        fn group_by_agrees_with_the_reference(projects in proptest::collection::vec(
            proptest::collection::vec((prop_oneof![Just(100.0f64), Just(250.5), 1.0f64..1e9], prop_oneof![Just("valid"), Just("rejected"), Just("withdrawn")]), 0..12), 1..8)) {
            let got = group_by(&projects);
            for (k, bids) in projects.iter().enumerate() {
                let standing: Vec<f64> = bids.iter().filter(|b| b.1 != "withdrawn").map(|b| b.0).collect();
                let want = compute(&standing);
                let g = got[k];
                prop_assert_eq!(g.n_bids, want.n_bids);
                for (a, b) in [(g.cv, want.cv), (g.spd, want.spd), (g.diffp, want.diffp), (g.rd, want.rd), (g.kurtosis, want.kurtosis), (g.skewness, want.skewness), (g.ks_uniform, want.ks_uniform)] {
                    prop_assert!(agree(a, b), "project {k}: {g:?} vs {want:?}");
                }
            }
        }

        #[test]
        fn screens_are_finite_and_bounded(bids in proptest::collection::vec(0.0f64..1e10, 0..40)) {
            let s = compute(&bids);
            for v in [s.cv, s.spd, s.diffp, s.rd, s.kurtosis, s.skewness, s.ks_uniform].into_iter().flatten() {
                prop_assert!(v.is_finite());
            }
            if let Some(ks) = s.ks_uniform { prop_assert!((0.0..=1.0).contains(&ks)); }
        }

        #[test]
        fn screens_do_not_depend_on_order(mut bids in proptest::collection::vec(1.0f64..1e6, 0..20)) {
            let a = compute(&bids);
            bids.reverse();
            prop_assert_eq!(a, compute(&bids));
        }
    }
}
