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
//! Ties count as separate bids everywhere except `diffp`. All bids equal gives cv = spd = 0 and
//! leaves the shape screens empty (they are undefined, not zero).

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

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Sample standard deviation (n − 1).
fn sd(x: &[f64]) -> Option<f64> {
    if x.len() < 2 {
        return None;
    }
    let m = mean(x);
    let ss: f64 = x.iter().map(|v| (v - m) * (v - m)).sum();
    Some((ss / (x.len() - 1) as f64).sqrt())
}

/// Relative tolerance under which a standard deviation counts as zero (all bids equal up to
/// floating-point noise).
const ZERO_SD: f64 = 1e-12;

/// Computes the screens of bids that are already sorted ascending.
pub fn compute_sorted(b: &[f64]) -> Screens {
    let n = b.len();
    let mut s = Screens { n_bids: n, ..Screens::default() };
    if n < 2 {
        return s;
    }
    let m = mean(b);
    let sdv = sd(b).unwrap_or(0.0);
    let lo = b[0];
    let hi = b[n - 1];
    let flat = sdv <= ZERO_SD * m.abs().max(1.0);
    if m != 0.0 {
        s.cv = Some(if flat { 0.0 } else { sdv / m });
    }
    if lo != 0.0 {
        s.spd = Some((hi - lo) / lo);
        s.diffp = b.iter().find(|x| **x > lo).map(|x2| (x2 - lo) / lo);
    }
    if n >= 3 {
        if let Some(sl) = sd(&b[1..]) {
            if sl > ZERO_SD * m.abs().max(1.0) {
                s.rd = Some((b[1] - lo) / sl);
            }
        }
    }
    if !flat {
        let nf = n as f64;
        let z = |p: i32| b.iter().map(|x| ((x - m) / sdv).powi(p)).sum::<f64>();
        if n >= 3 {
            s.skewness = Some(nf / ((nf - 1.0) * (nf - 2.0)) * z(3));
        }
        if n >= 4 {
            let a = nf * (nf + 1.0) / ((nf - 1.0) * (nf - 2.0) * (nf - 3.0));
            let c = 3.0 * (nf - 1.0) * (nf - 1.0) / ((nf - 2.0) * (nf - 3.0));
            s.kurtosis = Some(a * z(4) - c);
        }
    }
    if hi > lo {
        let range = hi - lo;
        let nf = n as f64;
        let d = b
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let u = (x - lo) / range;
                ((i as f64 + 1.0) / nf - u).max(u - i as f64 / nf)
            })
            .fold(0.0_f64, f64::max);
        s.ks_uniform = Some(d);
    }
    s
}

/// Computes the screens of bids in any order (NaN values are ignored).
pub fn compute(bids: &[f64]) -> Screens {
    let mut b: Vec<f64> = bids.iter().copied().filter(|x| x.is_finite()).collect();
    b.sort_by(f64::total_cmp);
    compute_sorted(&b)
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

    proptest! {
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
