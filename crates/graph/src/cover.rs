//! Cover bidding across projects (GRF-002 a): two bidders meet again and again, one of them wins
//! most of those tenders and the other never does.
//!
//! Counting every co-bidding pair would cost the square of the bidders of every project. Instead:
//! first, for each project with a winner, the winner is paired with each other bidder (one count
//! per losing bid); only pairs where the same firm won often enough to pass the thresholds go on,
//! and their meetings are counted by merging the two firms' sorted project lists.

use std::collections::HashMap;

use crate::collect::BidRec;
use crate::LinkConfig;

/// A pair that meets often, where one wins and the other never does.
#[derive(Debug, Clone, PartialEq)]
pub struct Cover {
    pub winner: u32,
    pub loser: u32,
    /// Projects where both bid (not withdrawn).
    pub meetings: u32,
    /// Of those, won by `winner`.
    pub wins: u32,
    /// Project keys of the meetings, sorted.
    pub projects: Vec<u32>,
}

pub(crate) fn covers(bids: &[BidRec], n_projects: usize, cfg: &LinkConfig) -> Vec<Cover> {
    let min_wins = (f64::from(cfg.cover_min_meetings) * cfg.cover_min_win_share).ceil().max(1.0) as u32;
    let mut by_project: Vec<Vec<&BidRec>> = vec![Vec::new(); n_projects];
    for b in bids.iter().filter(|b| !b.withdrawn) {
        if let Some(v) = by_project.get_mut(b.project as usize) {
            v.push(b);
        }
    }
    let mut won_against: HashMap<(u32, u32), u32> = HashMap::new();
    let mut projects_of: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut won: HashMap<u32, Vec<u32>> = HashMap::new();
    for (p, list) in by_project.iter().enumerate() {
        let mut firms: Vec<u32> = list.iter().map(|b| b.bidder).collect();
        firms.sort_unstable();
        firms.dedup();
        for f in &firms {
            projects_of.entry(*f).or_default().push(p as u32);
        }
        let mut winners: Vec<u32> = list.iter().filter(|b| b.winner).map(|b| b.bidder).collect();
        winners.sort_unstable();
        winners.dedup();
        for w in &winners {
            won.entry(*w).or_default().push(p as u32);
            for l in firms.iter().filter(|l| !winners.contains(l)) {
                *won_against.entry((*w, *l)).or_default() += 1;
            }
        }
    }
    let mut candidates: Vec<(u32, u32)> = won_against.into_iter().filter(|(_, n)| *n >= min_wins).map(|(k, _)| k).collect();
    candidates.sort_unstable();
    let empty = Vec::new();
    let mut out = Vec::new();
    for (w, l) in candidates {
        let pw = projects_of.get(&w).unwrap_or(&empty);
        let pl = projects_of.get(&l).unwrap_or(&empty);
        let meet = intersect(pw, pl);
        if (meet.len() as u32) < cfg.cover_min_meetings {
            continue;
        }
        let wins = intersect(&meet, won.get(&w).unwrap_or(&empty)).len() as u32;
        let loser_wins = intersect(&meet, won.get(&l).unwrap_or(&empty)).len();
        if loser_wins == 0 && f64::from(wins) >= cfg.cover_min_win_share * meet.len() as f64 {
            out.push(Cover { winner: w, loser: l, meetings: meet.len() as u32, wins, projects: meet });
        }
    }
    out
}

/// The common elements of two sorted lists.
fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bid(project: u32, bidder: u32, winner: bool) -> BidRec {
        BidRec { project, bidder, consortium: None, withdrawn: false, winner, at: 0 }
    }

    #[test]
    fn a_loser_that_always_meets_the_same_winner_is_a_cover() {
        let cfg = LinkConfig::default();
        let mut bids = Vec::new();
        for p in 0..6 {
            bids.push(bid(p, 1, p < 4));
            bids.push(bid(p, 2, false));
            bids.push(bid(p, 3, p >= 4));
        }
        let c = covers(&bids, 6, &cfg);
        // 1 won 4 of 6 meetings with 2 (≥ 60 %) and 2 never won: a cover. 3 won 2 of 6: not.
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].winner, c[0].loser, c[0].meetings, c[0].wins), (1, 2, 6, 4));
    }

    #[test]
    fn intersect_sorted() {
        assert_eq!(intersect(&[1, 3, 5, 7], &[2, 3, 7, 9]), vec![3, 7]);
        assert!(intersect(&[], &[1]).is_empty());
    }
}
