//! Unannounced-inspection draws (随机抽查): projects drawn at random, with a chance that grows with
//! their risk, reproducible from the run and the seed, and recorded.
//!
//! Weighted sampling without replacement by the Efraimidis–Spirakis method: each project gets the
//! key u^(1/w) with u uniform from a ChaCha8 stream seeded by `seed`, in project-id order, and the
//! `n` largest keys are drawn. The weight is `floor + risk`, so a project of no risk can still be
//! drawn (an inspection that visits only flagged projects teaches everyone where not to look).
//! The same risks, seed and n give the same draw on any machine.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A project that may be drawn: its id, category and risk of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub project_id: String,
    pub category: Option<String>,
    pub risk: f64,
    /// The screens and codes that made the risk, as recorded.
    pub drivers: String,
}

/// Draws `n` of `candidates` (all when there are fewer), in the order drawn. `floor` is the weight
/// of a project of no risk (0.05: one twentieth of a certain one).
pub fn weighted_draw(candidates: &[Candidate], n: usize, seed: u64, floor: f64) -> Vec<Candidate> {
    let mut order: Vec<&Candidate> = candidates.iter().collect();
    order.sort_by(|a, b| a.project_id.cmp(&b.project_id));
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut keyed: Vec<(f64, &Candidate)> = order
        .into_iter()
        .map(|c| {
            let w = floor.max(1e-6) + c.risk.clamp(0.0, 1.0);
            // u in (0, 1]: ln u ≤ 0, and the key's log is ln(u) / w
            let u: f64 = 1.0 - rng.random::<f64>();
            (u.ln() / w, c)
        })
        .collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.project_id.cmp(&b.1.project_id)));
    keyed.into_iter().take(n).map(|(_, c)| c.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> Vec<Candidate> {
        (0..200)
            .map(|i| Candidate {
                project_id: format!("P{i:03}"),
                category: Some(if i % 2 == 0 { "engineering" } else { "procurement" }.into()),
                risk: if i < 20 { 0.9 } else { 0.0 },
                drivers: String::new(),
            })
            .collect()
    }

    #[test]
    fn same_seed_same_draw_and_riskier_projects_come_up_more() {
        let p = pool();
        assert_eq!(weighted_draw(&p, 10, 7, 0.05), weighted_draw(&p, 10, 7, 0.05));
        assert_ne!(weighted_draw(&p, 10, 7, 0.05), weighted_draw(&p, 10, 8, 0.05));
        // over many seeds, the 20 risky projects (weight 0.95 against 0.05) fill most draws
        let risky: usize = (0..200).map(|s| weighted_draw(&p, 10, s, 0.05).iter().filter(|c| c.risk > 0.5).count()).sum();
        assert!(risky > 200 * 10 * 6 / 10, "{risky}");
        // and a project of no risk is still drawn sometimes
        let calm: usize = (0..200).map(|s| weighted_draw(&p, 10, s, 0.05).iter().filter(|c| c.risk == 0.0).count()).sum();
        assert!(calm > 0);
        // no project twice; the input order does not matter
        let d = weighted_draw(&p, 50, 3, 0.05);
        let mut ids: Vec<&str> = d.iter().map(|c| c.project_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 50);
        let mut rev = p.clone();
        rev.reverse();
        assert_eq!(weighted_draw(&rev, 50, 3, 0.05), d);
        assert_eq!(weighted_draw(&p, 500, 3, 0.05).len(), 200);
    }
}
