//! Cover bidding across projects (GRF-002 a): two bidders meet again and again, one of them wins
//! most of those tenders and the other never does.
//!
//! Counting every co-bidding pair would cost the square of the bidders of every project. Instead:
//! first, for each project with a winner, the winner is paired with each other bidder (one count
//! per losing bid); only pairs where the same firm won often enough to pass the thresholds go on,
//! and their meetings are counted by merging the two firms' sorted project lists.

use bidwatch_model::grouped::Grouped;

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
    use rayon::slice::ParallelSliceMut;
    let min_wins = (f64::from(cfg.cover_min_meetings) * cfg.cover_min_win_share).ceil().max(1.0) as u32;
    let by_project = Grouped::by_key(n_projects, bids.iter().filter(|b| !b.withdrawn).map(|b| (b.project, b)));
    let n_firms = bids.iter().map(|b| b.bidder as usize + 1).max().unwrap_or(0);
    // Each firm's projects and the projects it won, in project order; and one (winner, loser)
    // entry per losing bid, sorted and counted (a hash map of ten million pairs was most of the
    // stage's time).
    let mut firm_project: Vec<(u32, u32)> = Vec::new();
    let mut firm_won: Vec<(u32, u32)> = Vec::new();
    let mut won_against: Vec<u64> = Vec::new();
    let (mut firms, mut winners) = (Vec::new(), Vec::new());
    for p in 0..n_projects {
        let list = by_project.of(p);
        firms.clear();
        firms.extend(list.iter().map(|b| b.bidder));
        firms.sort_unstable();
        firms.dedup();
        firm_project.extend(firms.iter().map(|&f| (f, p as u32)));
        winners.clear();
        winners.extend(list.iter().filter(|b| b.winner).map(|b| b.bidder));
        winners.sort_unstable();
        winners.dedup();
        for &w in &winners {
            firm_won.push((w, p as u32));
            won_against.extend(firms.iter().filter(|l| winners.binary_search(l).is_err()).map(|&l| (u64::from(w) << 32) | u64::from(l)));
        }
    }
    drop(by_project);
    let projects_of = Grouped::by_key(n_firms, firm_project.iter().copied());
    let won = Grouped::by_key(n_firms, firm_won.iter().copied());
    drop((firm_project, firm_won));
    won_against.par_sort_unstable();
    let mut candidates: Vec<(u32, u32)> = Vec::new();
    for run in won_against.chunk_by(|a, b| a == b) {
        if run.len() as u64 >= u64::from(min_wins) {
            candidates.push(((run[0] >> 32) as u32, run[0] as u32));
        }
    }
    drop(won_against);
    let mut out = Vec::new();
    for (w, l) in candidates {
        let meet = intersect(projects_of.of(w as usize), projects_of.of(l as usize));
        if (meet.len() as u32) < cfg.cover_min_meetings {
            continue;
        }
        let wins = intersect(&meet, won.of(w as usize)).len() as u32;
        let loser_wins = intersect(&meet, won.of(l as usize)).len();
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
