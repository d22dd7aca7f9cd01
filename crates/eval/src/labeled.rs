//! Real, labeled tenders (`labels.csv`: `project_id, collusive`, and the screens a paper published
//! in `screens.csv`): do our screens agree with the published ones, and how well do the risk score
//! and each single screen tell the rigged tenders from the rest?
//!
//! Only tenders with at least [`MIN_BIDS`] bids count, as in the literature (kurtosis needs four).
//! A published value agrees when it is within its rounding (4 decimals: |ours − published| ≤
//! 0.00005). The area under the ROC curve (AUC) is the Mann–Whitney probability that a rigged
//! tender scores above a clean one, ties counting one half; a single screen is reported in its
//! better direction, with the direction named, because a screen alone has no preferred side —
//! the risk score is reported as it is.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::EvalError;

pub const MIN_BIDS: usize = 4;

/// The screens compared with `screens.csv`: (our name, the published column).
pub const SCREENS: [(&str, &str); 7] =
    [("cv", "CV"), ("spd", "SPD"), ("kurtosis", "KURT"), ("skewness", "SKEW"), ("ks_uniform", "KSTEST"), ("diffp", "DIFFP"), ("rd", "RD")];

/// Screens whose published values must agree (the README explains why DIFFP and RD differ).
pub const REQUIRED: [&str; 5] = ["CV", "SPD", "KURT", "SKEW", "KSTEST"];

/// What bidwatch computed for one tender.
#[derive(Debug, Clone, Default)]
pub struct Tender {
    pub n_bids: usize,
    /// Our screens by our name (`cv`, `spd`, …).
    pub screens: BTreeMap<&'static str, Option<f64>>,
    /// `risk` of `project_risk.csv`.
    pub risk: f64,
    /// The price-screen tender risk (PRC-005), where scored.
    pub tender_risk: Option<f64>,
}

#[derive(Debug, Clone, Default)]
pub struct Labeled {
    pub labels: BTreeMap<String, bool>,
    /// Published screens by project id and column (`CV`, `n_bids`, …).
    pub published: BTreeMap<String, BTreeMap<String, Option<f64>>>,
}

impl Labeled {
    pub fn read(dir: &Path) -> Result<Labeled, EvalError> {
        let mut out = Labeled::default();
        let path = dir.join("labels.csv");
        for (i, row) in read_rows(&path)?.into_iter().enumerate() {
            let id = row.get("project_id").cloned().unwrap_or_default();
            let v = row.get("collusive").map(String::as_str).unwrap_or("");
            let label = match v.trim() {
                "1" | "true" => true,
                "0" | "false" => false,
                other => {
                    return Err(EvalError::Format {
                        path: path.display().to_string(),
                        reason: format!("row {}: collusive is `{other}`, expected 0 or 1", i + 2),
                    })
                }
            };
            out.labels.insert(id, label);
        }
        let path = dir.join("screens.csv");
        if path.exists() {
            for row in read_rows(&path)? {
                let id = row.get("project_id").cloned().unwrap_or_default();
                let values = row
                    .iter()
                    .filter(|(k, _)| k.as_str() != "project_id")
                    .map(|(k, v)| (k.clone(), v.trim().parse::<f64>().ok().filter(|x| x.is_finite())))
                    .collect();
                out.published.insert(id, values);
            }
        }
        Ok(out)
    }
}

fn read_rows(path: &Path) -> Result<Vec<BTreeMap<String, String>>, EvalError> {
    let err = |source| EvalError::Csv { path: path.display().to_string(), source };
    let mut r = csv::Reader::from_path(path).map_err(err)?;
    let headers = r.headers().map_err(err)?.clone();
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(err)?;
        rows.push(headers.iter().zip(rec.iter()).map(|(h, v)| (h.trim_start_matches('\u{feff}').to_owned(), v.to_owned())).collect());
    }
    Ok(rows)
}

/// Area under the ROC curve of `scores` for `labels` (true = positive), ties counting one half;
/// None without both classes. O(n log n).
pub fn auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let pos = labels.iter().filter(|l| **l).count();
    let neg = labels.len() - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|a, b| scores[*a].total_cmp(&scores[*b]));
    // Sum of the positives' mid-ranks (1-based).
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        let mid = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += mid * idx[i..=j].iter().filter(|k| labels[**k]).count() as f64;
        i = j + 1;
    }
    let p = pos as f64;
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * neg as f64))
}

/// One screen's agreement with the published column.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    pub column: &'static str,
    pub agree: usize,
    pub compared: usize,
    /// Up to three tenders that disagree: (id, ours, published).
    pub examples: Vec<(String, Option<f64>, Option<f64>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub tenders: usize,
    pub rigged: usize,
    /// Tenders with a label and at least `MIN_BIDS` bids.
    pub evaluated: usize,
    pub evaluated_rigged: usize,
    pub unlabeled: usize,
    pub bid_counts_agree: (usize, usize),
    pub agreement: Vec<Agreement>,
    pub risk_auc: Option<f64>,
    pub tender_risk_auc: Option<f64>,
    /// (screen column, AUC in the better direction, "low" or "high" = rigged).
    pub screen_auc: Vec<(&'static str, f64, &'static str)>,
}

impl Score {
    /// The best single screen (the highest AUC; the first in [`SCREENS`] order on a tie).
    pub fn best_screen(&self) -> Option<&(&'static str, f64, &'static str)> {
        self.screen_auc.iter().fold(None, |best: Option<&(&str, f64, &str)>, s| match best {
            Some(b) if b.1 >= s.1 => Some(b),
            _ => Some(s),
        })
    }

    /// Every required screen agrees on every tender compared.
    pub fn screens_agree(&self) -> bool {
        self.agreement.iter().filter(|a| REQUIRED.contains(&a.column)).all(|a| a.agree == a.compared)
    }
}

pub fn score(lab: &Labeled, tenders: &BTreeMap<String, Tender>) -> Score {
    let mut rows: Vec<(&String, &Tender, bool)> = Vec::new();
    let mut unlabeled = 0;
    for (id, t) in tenders {
        match lab.labels.get(id) {
            Some(l) if t.n_bids >= MIN_BIDS => rows.push((id, t, *l)),
            Some(_) => {}
            None => unlabeled += 1,
        }
    }
    let labels: Vec<bool> = rows.iter().map(|r| r.2).collect();
    let mut agreement = Vec::new();
    let mut bid_counts = (0, 0);
    for (id, t, _) in &rows {
        if let Some(n) = lab.published.get(*id).and_then(|p| p.get("n_bids").copied().flatten()) {
            bid_counts.1 += 1;
            bid_counts.0 += usize::from((n - t.n_bids as f64).abs() < 0.5);
        }
    }
    for (ours, column) in SCREENS {
        let mut a = Agreement { column, agree: 0, compared: 0, examples: Vec::new() };
        for (id, t, _) in &rows {
            let Some(published) = lab.published.get(*id) else { continue };
            let Some(pv) = published.get(column) else { continue };
            let ov = t.screens.get(ours).copied().flatten();
            a.compared += 1;
            let same = match (ov, *pv) {
                (Some(o), Some(p)) => (o - p).abs() <= 0.5e-4 + 1e-9,
                (None, None) => true,
                _ => false,
            };
            if same {
                a.agree += 1;
            } else if a.examples.len() < 3 {
                a.examples.push(((*id).clone(), ov, *pv));
            }
        }
        agreement.push(a);
    }
    let risk: Vec<f64> = rows.iter().map(|r| r.1.risk).collect();
    let tender: Vec<f64> = rows.iter().map(|r| r.1.tender_risk.unwrap_or(0.0)).collect();
    let mut screen_auc = Vec::new();
    for (ours, column) in SCREENS {
        // A tender without the screen (all bids equal leaves skewness undefined) is left out of
        // that screen's AUC, not given a made-up value.
        let (v, l): (Vec<f64>, Vec<bool>) = rows.iter().filter_map(|r| r.1.screens.get(ours).copied().flatten().map(|x| (x, r.2))).unzip();
        if let Some(high) = auc(&v, &l) {
            let (a, dir) = if high >= 0.5 { (high, "high") } else { (1.0 - high, "low") };
            screen_auc.push((column, a, dir));
        }
    }
    Score {
        tenders: tenders.len(),
        rigged: lab.labels.values().filter(|l| **l).count(),
        evaluated: rows.len(),
        evaluated_rigged: labels.iter().filter(|l| **l).count(),
        unlabeled,
        bid_counts_agree: bid_counts,
        agreement,
        risk_auc: auc(&risk, &labels),
        tender_risk_auc: auc(&tender, &labels),
        screen_auc,
    }
}

pub fn render(name: &str, s: &Score) -> String {
    let mut o = String::new();
    let f = |x: Option<f64>| x.map_or("—".to_owned(), |v| format!("{v:.3}"));
    let _ = writeln!(o, "labeled data: {name}");
    let _ = writeln!(
        o,
        "  tenders {} ({} labeled rigged), evaluated {} with ≥ {MIN_BIDS} bids ({} rigged){}",
        s.tenders,
        s.rigged,
        s.evaluated,
        s.evaluated_rigged,
        if s.unlabeled > 0 { format!(", {} without a label", s.unlabeled) } else { String::new() }
    );
    let _ = writeln!(o, "screens vs screens.csv (|ours − published| ≤ 0.00005):");
    let _ = writeln!(o, "  {:<8} {:>5}/{:<5}", "n_bids", s.bid_counts_agree.0, s.bid_counts_agree.1);
    for a in &s.agreement {
        let note = if REQUIRED.contains(&a.column) { "" } else { "  (not required: the paper's variant differs)" };
        let _ = writeln!(o, "  {:<8} {:>5}/{:<5}{note}", a.column, a.agree, a.compared);
        if REQUIRED.contains(&a.column) {
            for (id, ours, publ) in &a.examples {
                let _ = writeln!(o, "      {id}: ours {} published {}", f(*ours), f(*publ));
            }
        }
    }
    let _ = writeln!(o, "AUC, rigged vs the rest (tenders with ≥ {MIN_BIDS} bids):");
    let _ = writeln!(o, "  {:<28} {}", "risk (project_risk.csv)", f(s.risk_auc));
    let _ = writeln!(o, "  {:<28} {}", "tender risk (PRC-005)", f(s.tender_risk_auc));
    for (c, a, dir) in &s.screen_auc {
        let _ = writeln!(o, "  {:<28} {a:.3}", format!("{c} ({dir} = rigged)"));
    }
    if let (Some(best), Some(r)) = (s.best_screen(), s.risk_auc) {
        let _ = writeln!(o, "  best single screen {} {:.3}; risk − best = {:+.3}", best.0, best.1, r - best.1);
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_ties_as_half() {
        assert_eq!(auc(&[0.1, 0.2, 0.3, 0.4], &[false, false, true, true]), Some(1.0));
        assert_eq!(auc(&[0.4, 0.3, 0.2, 0.1], &[false, false, true, true]), Some(0.0));
        assert_eq!(auc(&[0.5, 0.5], &[false, true]), Some(0.5));
        // pairs (pos, neg): (0.3 > 0.1), (0.3 = 0.3 → ½), (0.2 > 0.1), (0.2 < 0.3) → 2.5 / 4
        assert_eq!(auc(&[0.1, 0.3, 0.3, 0.2], &[false, false, true, true]), Some(0.625));
        assert_eq!(auc(&[0.1], &[true]), None);
    }

    #[test]
    fn scores_agreement_and_auc_of_a_small_folder() {
        let mut lab = Labeled::default();
        let mut tenders = BTreeMap::new();
        for (i, (rigged, cv)) in [(true, 0.01), (true, 0.02), (false, 0.10), (false, 0.20), (false, 0.15)].into_iter().enumerate() {
            let id = format!("T{i}");
            lab.labels.insert(id.clone(), rigged);
            let mut published = BTreeMap::new();
            published.insert("CV".to_owned(), Some(cv));
            published.insert("n_bids".to_owned(), Some(5.0));
            lab.published.insert(id.clone(), published);
            let mut screens = BTreeMap::new();
            // T4 disagrees in the fourth decimal
            screens.insert("cv", Some(if i == 4 { cv + 0.0002 } else { cv + 0.00004 }));
            tenders.insert(id, Tender { n_bids: 5, screens, risk: 1.0 - cv, tender_risk: None });
        }
        tenders.insert("T9".to_owned(), Tender { n_bids: 3, ..Tender::default() });
        lab.labels.insert("T9".to_owned(), true);
        let s = score(&lab, &tenders);
        assert_eq!(s.evaluated, 5);
        let cv = &s.agreement[0];
        assert_eq!((cv.column, cv.agree, cv.compared), ("CV", 4, 5));
        assert_eq!(cv.examples[0].0, "T4");
        assert_eq!(s.risk_auc, Some(1.0));
        assert_eq!(s.screen_auc[0], ("CV", 1.0, "low"));
        assert!(!s.screens_agree());
        assert!(render("t", &s).contains("risk − best = +0.000"));
    }
}
