//! Tender risk from the price screens, relative to comparable tenders — no labels at run time.
//!
//! A screen value means little on its own: ten bids on a 200-million road spread differently from
//! four quotes for office chairs. So every tender is compared with its **reference group**:
//!
//! 1. tenders with at least `min_bids` standing bids and at least one screen value are *eligible*;
//! 2. each falls in a group by trading category and **size band** (its estimate, else its ceiling,
//!    else the median of its bids, against the `size_bands` boundaries in yuan); a band with fewer
//!    than `min_group` eligible tenders is compared with its whole category instead, and a category
//!    that small with every eligible tender;
//! 3. within the group, each screen of `screens` becomes a mid-rank percentile p ∈ [0, 1] (ties
//!    share their rank; a group of one gives 0.5) and a **component**: 1 − p for a screen read
//!    `low` (tighter than comparable tenders is suspicious: CV, SPD, SKEW in every labeled market we
//!    measured), p for `high`, |2p − 1| for `both` (unusual either way, for a market where rigging
//!    spreads bids out); a missing value (all bids equal leaves skewness undefined) is skipped;
//! 4. the **screen score** is the mean of the components;
//! 5. the **bidders' record**: cartels repeat, so a firm whose *other* tenders look rigged makes
//!    this one more suspicious. For each bidder of the tender that bid in other eligible tenders,
//!    the mean screen score of those other tenders; their mean over the tender's bidders is the
//!    record r (absent when no bidder has another tender — one id per bid, as in the Ticino data);
//! 6. **tender risk** = (1 − `firm_weight`) · screen score + `firm_weight` · r, or the screen score
//!    alone without a record.
//!
//! 0.5 is an ordinary tender of its group; 1 is the tightest tender of its group, with bidders whose
//! every other tender was the tightest of its own. The parts are kept so that a finding can say
//! which screens drove the score and against which group. The whole computation is sorts and
//! per-project sums: O(n log n) in tenders plus O(bids).

use std::collections::BTreeMap;

use crate::catalog::Policy;
use crate::registry::{code, Views};
use crate::{ScreenTable, Screens};

/// A screen the score reads, by the name used in `policy.toml` and in `screens.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Screen {
    Cv,
    Spd,
    Diffp,
    Rd,
    Kurtosis,
    Skewness,
    KsUniform,
}

impl Screen {
    pub const ALL: [Screen; 7] =
        [Screen::Cv, Screen::Spd, Screen::Diffp, Screen::Rd, Screen::Kurtosis, Screen::Skewness, Screen::KsUniform];

    pub fn name(self) -> &'static str {
        match self {
            Screen::Cv => "cv",
            Screen::Spd => "spd",
            Screen::Diffp => "diffp",
            Screen::Rd => "rd",
            Screen::Kurtosis => "kurtosis",
            Screen::Skewness => "skewness",
            Screen::KsUniform => "ks_uniform",
        }
    }

    pub fn label(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Screen::Cv, true) => "变异系数",
            (Screen::Spd, true) => "极差率",
            (Screen::Diffp, true) => "最低两价差",
            (Screen::Rd, true) => "相对距离",
            (Screen::Kurtosis, true) => "峰度",
            (Screen::Skewness, true) => "偏度",
            (Screen::KsUniform, true) => "KS 统计量",
            (Screen::Cv, false) => "coefficient of variation",
            (Screen::Spd, false) => "spread",
            (Screen::Diffp, false) => "gap of the two lowest",
            (Screen::Rd, false) => "relative distance",
            (Screen::Kurtosis, false) => "kurtosis",
            (Screen::Skewness, false) => "skewness",
            (Screen::KsUniform, false) => "KS statistic",
        }
    }

    pub fn parse(s: &str) -> Option<Screen> {
        Screen::ALL.into_iter().find(|x| x.name() == s)
    }

    pub fn value(self, s: &Screens) -> Option<f64> {
        match self {
            Screen::Cv => s.cv,
            Screen::Spd => s.spd,
            Screen::Diffp => s.diffp,
            Screen::Rd => s.rd,
            Screen::Kurtosis => s.kurtosis,
            Screen::Skewness => s.skewness,
            Screen::KsUniform => s.ks_uniform,
        }
    }
}

/// Which side of the reference group is suspicious.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Low,
    High,
    Both,
}

impl Direction {
    fn component(self, p: f64) -> f64 {
        match self {
            Direction::Low => 1.0 - p,
            Direction::High => p,
            Direction::Both => (2.0 * p - 1.0).abs(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Direction::Low => "low",
            Direction::High => "high",
            Direction::Both => "both",
        }
    }
}

/// The settings of the score, read from `[rules."PRC-005"]` of the policy.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskConfig {
    /// Screens and the side that is suspicious, e.g. `cv:low`.
    pub screens: Vec<(Screen, Direction)>,
    /// Size-band boundaries in yuan, ascending.
    pub size_bands: Vec<f64>,
    pub min_group: usize,
    pub min_bids: usize,
    pub firm_weight: f64,
}

pub const DEFAULT_SCREENS: &[&str] = &["cv:low", "spd:low", "skewness:low"];
pub const DEFAULT_BANDS: &[&str] = &["1000000", "4000000", "30000000"];

impl RiskConfig {
    /// Reads the settings; a screen spec that does not parse is returned as an error message.
    pub fn from_policy(policy: &Policy) -> Result<RiskConfig, String> {
        let c = code("PRC-005");
        let mut screens = Vec::new();
        for spec in policy.strings(c, "screens", DEFAULT_SCREENS) {
            let (name, dir) = spec.split_once(':').unwrap_or((spec.as_str(), "low"));
            let screen = Screen::parse(name.trim()).ok_or_else(|| {
                format!("PRC-005 screens: unknown screen `{name}` (expected one of cv, spd, diffp, rd, kurtosis, skewness, ks_uniform)")
            })?;
            let dir = match dir.trim() {
                "low" => Direction::Low,
                "high" => Direction::High,
                "both" => Direction::Both,
                other => return Err(format!("PRC-005 screens: direction `{other}` of `{name}` is not low, high or both")),
            };
            screens.push((screen, dir));
        }
        let mut size_bands = Vec::new();
        for b in policy.strings(c, "size_bands", DEFAULT_BANDS) {
            size_bands.push(b.trim().parse::<f64>().map_err(|_| format!("PRC-005 size_bands: `{b}` is not an amount in yuan"))?);
        }
        size_bands.sort_by(f64::total_cmp);
        Ok(RiskConfig {
            screens,
            size_bands,
            min_group: policy.f64(c, "min_group", 30.0).max(1.0) as usize,
            min_bids: policy.f64(c, "min_bids", 3.0).max(2.0) as usize,
            firm_weight: policy.f64(c, "firm_weight", 0.5).clamp(0.0, 1.0),
        })
    }
}

/// The group a tender was compared with.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Group {
    /// None: every eligible tender (the category itself was too small).
    pub category: Option<String>,
    /// Index into the size bands (0 = below the first boundary); None: the whole category.
    pub band: Option<usize>,
}

impl Group {
    /// "工程建设 · 400万–3000万元" / "engineering · 4,000,000–30,000,000 yuan".
    pub fn label(&self, bands: &[f64], zh: bool) -> String {
        let cat = match &self.category {
            Some(c) => crate::rules::category_label(c, zh).to_owned(),
            None => (if zh { "全部类型" } else { "all categories" }).to_owned(),
        };
        let Some(b) = self.band else { return cat };
        let amount = |x: f64| {
            if zh {
                format!("{}万", x / 1e4)
            } else {
                let digits = format!("{:.0}", x);
                let mut grouped = String::new();
                for (i, c) in digits.chars().enumerate() {
                    if i > 0 && (digits.len() - i) % 3 == 0 {
                        grouped.push(',');
                    }
                    grouped.push(c);
                }
                grouped
            }
        };
        let lo = b.checked_sub(1).and_then(|i| bands.get(i)).copied();
        let hi = bands.get(b).copied();
        let unit = if zh { "元" } else { " yuan" };
        let range = match (lo, hi) {
            (None, Some(h)) => format!("< {}{unit}", amount(h)),
            (Some(l), Some(h)) => format!("{}–{}{unit}", amount(l), amount(h)),
            (Some(l), None) => format!("≥ {}{unit}", amount(l)),
            (None, None) => return cat,
        };
        format!("{cat} · {range}")
    }
}

/// One screen's part in a tender's score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Part {
    pub screen: Screen,
    pub direction: Direction,
    pub value: f64,
    /// Mid-rank percentile in the reference group.
    pub percentile: f64,
    /// The component it adds to the screen score (1 − p for `low`).
    pub component: f64,
}

/// The bidders' record in their other tenders.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Record {
    pub mean: f64,
    /// Bidders with at least one other eligible tender.
    pub bidders: usize,
    /// Their other tenders, counted once per bidder and tender.
    pub tenders: usize,
}

/// The score of one tender, with what made it.
#[derive(Debug, Clone, PartialEq)]
pub struct TenderRisk {
    pub score: f64,
    pub screen_score: f64,
    pub group: Group,
    /// Eligible tenders in the reference group.
    pub group_size: usize,
    pub parts: Vec<Part>,
    pub record: Option<Record>,
}

impl TenderRisk {
    /// The parts that pushed the score up most, strongest first: components of 0.8 and above.
    pub fn drivers(&self) -> Vec<&Part> {
        let mut d: Vec<&Part> = self.parts.iter().filter(|p| p.component >= 0.8).collect();
        d.sort_by(|a, b| b.component.total_cmp(&a.component).then(a.screen.cmp(&b.screen)));
        d
    }
}

/// Tender risk of every project, by project key; None where the tender is not eligible.
#[derive(Debug, Clone, Default)]
pub struct RiskTable {
    pub by_project: Vec<Option<TenderRisk>>,
    pub config: Option<RiskConfig>,
}

/// Mid-rank percentiles of `values` (ties share their mean rank), in [0, 1]; one value gives 0.5.
pub fn percentiles(values: &[f64]) -> Vec<f64> {
    let n = values.len();
    let mut out = vec![0.5; n];
    if n < 2 {
        return out;
    }
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|a, b| values[*a].total_cmp(&values[*b]).then(a.cmp(b)));
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && values[idx[j + 1]] == values[idx[i]] {
            j += 1;
        }
        let p = (i + j) as f64 / 2.0 / (n - 1) as f64;
        for k in &idx[i..=j] {
            out[*k] = p;
        }
        i = j + 1;
    }
    out
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

pub(crate) fn compute(views: &Views, screens: &ScreenTable, cfg: &RiskConfig) -> RiskTable {
    let n = screens.by_project.len();
    let mut by_project: Vec<Option<TenderRisk>> = vec![None; n];
    // 1. eligible tenders and their band
    let eligible: Vec<usize> = (0..n)
        .filter(|&k| {
            let s = &screens.by_project[k];
            s.n_bids >= cfg.min_bids && cfg.screens.iter().any(|(x, _)| x.value(s).is_some())
        })
        .collect();
    let band_of = |k: usize| {
        let size = views.projects.estimate[k].or(views.projects.ceiling[k]).filter(|x| *x > 0.0).or_else(|| {
            median(views.bids.get(k).map(|b| b.iter().filter(|b| !b.withdrawn()).map(|b| b.price).collect()).unwrap_or_default())
        });
        size.map(|s| cfg.size_bands.iter().take_while(|b| **b <= s).count())
    };
    // 2. reference groups: category · band, else category, else all
    let mut fine: BTreeMap<(Option<String>, Option<usize>), Vec<usize>> = BTreeMap::new();
    let mut by_cat: BTreeMap<Option<String>, Vec<usize>> = BTreeMap::new();
    for &k in &eligible {
        let cat = views.projects.category[k].clone();
        by_cat.entry(cat.clone()).or_default().push(k);
        fine.entry((cat, band_of(k))).or_default().push(k);
    }
    // Each group: the tenders it scores, and the population they are ranked in (a small band is
    // ranked among its whole category, a small category among every eligible tender).
    let mut groups: BTreeMap<Group, Vec<usize>> = BTreeMap::new();
    for ((cat, band), members) in fine {
        let group = if band.is_some() && members.len() >= cfg.min_group {
            Group { category: cat, band }
        } else if by_cat.get(&cat).map_or(0, Vec::len) >= cfg.min_group {
            Group { category: cat, band: None }
        } else {
            Group { category: None, band: None }
        };
        groups.entry(group).or_default().extend(members);
    }
    let population = |g: &Group, members: &[usize]| -> Vec<usize> {
        match (&g.category, g.band) {
            (_, Some(_)) => members.to_vec(),
            (Some(_), None) => by_cat.get(&g.category).cloned().unwrap_or_default(),
            (None, None) => eligible.clone(),
        }
    };
    // 3–4. percentiles and the screen score
    let mut parts: Vec<Vec<Part>> = vec![Vec::new(); n];
    let mut group_of: Vec<Option<(Group, usize)>> = vec![None; n];
    for (group, members) in &groups {
        let pop = population(group, members);
        for &k in members {
            group_of[k] = Some((group.clone(), pop.len()));
        }
        let scored: std::collections::HashSet<usize> = members.iter().copied().collect();
        for &(screen, direction) in &cfg.screens {
            let have: Vec<(usize, f64)> = pop.iter().filter_map(|&k| screen.value(&screens.by_project[k]).map(|v| (k, v))).collect();
            let values: Vec<f64> = have.iter().map(|(_, v)| *v).collect();
            for ((k, value), p) in have.into_iter().zip(percentiles(&values)) {
                if scored.contains(&k) {
                    parts[k].push(Part { screen, direction, value, percentile: p, component: direction.component(p) });
                }
            }
        }
    }
    let screen_score: Vec<Option<f64>> =
        parts.iter().map(|p| (!p.is_empty()).then(|| p.iter().map(|x| x.component).sum::<f64>() / p.len() as f64)).collect();
    // 5. the bidders' record in their other tenders: each bidder's sum and count of screen scores
    // over its scored tenders, less this tender's own (a bidder's tenders summed again for each
    // of them was quadratic in its tenders: a firm with thousands of bids at 10M).
    // A bidder's record by its key (a number, not its id hashed at each of its bids); each
    // tender's bidders in their ids' order, as the means are summed in it.
    // (`bidder_names` holds a place for every organisation key)
    let mut record_of: Vec<(f64, usize)> = vec![(0.0, 0); views.bidder_names.len()];
    let mut bidders_of: Vec<Vec<u32>> = vec![Vec::new(); n];
    for &k in &eligible {
        let mut ids: Vec<(&str, u32)> = views.bids[k].iter().filter(|b| !b.withdrawn()).map(|b| (b.bidder, b.bidder_key)).collect();
        ids.sort_unstable();
        ids.dedup();
        if let Some(s) = screen_score[k] {
            for &(_, key) in &ids {
                let r = &mut record_of[key as usize];
                r.0 += s;
                r.1 += 1;
            }
        }
        bidders_of[k] = ids.into_iter().map(|(_, key)| key).collect();
    }
    for &k in &eligible {
        let Some(s) = screen_score[k] else { continue };
        let Some((group, group_size)) = group_of[k].take() else { continue };
        let mut means = Vec::new();
        let mut tenders = 0;
        for &key in &bidders_of[k] {
            // This tender is among the bidder's scored tenders: the others are the rest.
            let (sum, count) = record_of[key as usize];
            if count > 1 {
                tenders += count - 1;
                means.push((sum - s) / (count - 1) as f64);
            }
        }
        let record =
            (!means.is_empty()).then(|| Record { mean: means.iter().sum::<f64>() / means.len() as f64, bidders: means.len(), tenders });
        let score = match record {
            Some(r) => (1.0 - cfg.firm_weight) * s + cfg.firm_weight * r.mean,
            None => s,
        };
        let mut p = std::mem::take(&mut parts[k]);
        p.sort_by_key(|x| x.screen);
        by_project[k] = Some(TenderRisk { score, screen_score: s, group, group_size, parts: p, record });
    }
    RiskTable { by_project, config: Some(cfg.clone()) }
}

/// "cv:low" for a screen spec, as the policy writes it.
pub fn spec(screen: Screen, direction: Direction) -> String {
    format!("{}:{}", screen.name(), direction.name())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn percentiles_share_ties_and_span_zero_to_one() {
        assert_eq!(percentiles(&[3.0, 1.0, 2.0]), vec![1.0, 0.0, 0.5]);
        assert_eq!(percentiles(&[1.0, 1.0, 2.0, 3.0]), vec![1.0 / 6.0, 1.0 / 6.0, 2.0 / 3.0, 1.0]);
        assert_eq!(percentiles(&[7.0]), vec![0.5]);
        assert!(percentiles(&[]).is_empty());
    }

    #[test]
    fn directions() {
        assert_eq!(Direction::Low.component(0.1), 0.9);
        assert_eq!(Direction::High.component(0.1), 0.1);
        assert!((Direction::Both.component(0.1) - 0.8).abs() < 1e-12);
        assert_eq!(Direction::Both.component(0.5), 0.0);
    }

    proptest! {
        #[test]
        fn percentiles_are_bounded_and_monotone(v in proptest::collection::vec(-1e6f64..1e6, 0..50)) {
            let p = percentiles(&v);
            for i in 0..v.len() {
                prop_assert!((0.0..=1.0).contains(&p[i]));
                for j in 0..v.len() {
                    if v[i] < v[j] { prop_assert!(p[i] < p[j]); }
                    if v[i] == v[j] { prop_assert_eq!(p[i], p[j]); }
                }
            }
        }
    }
}
