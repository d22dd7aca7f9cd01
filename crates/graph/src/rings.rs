//! From pair hits to weighted edges between bidders, and from edges to rings with their evidence
//! paths.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use petgraph::graph::{NodeIndex, UnGraph};
use petgraph::unionfind::UnionFind;

use crate::collect::BidRec;
use crate::cover::Cover;
use crate::kinds::LinkKind;
use crate::pairs::Hit;
use crate::LinkConfig;

/// Everything that joins two bidders across the data.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// Organisation keys, `a < b`.
    pub a: u32,
    pub b: u32,
    /// 1 − Π(1 − wᵢ) over the distinct shared values (each counted once, at its strongest; an upload
    /// IP once per project it was shared in), with contact details capped together, and the
    /// cover-bidding weight when the pair qualifies.
    pub weight: f64,
    /// Indices into the hits, strongest first.
    pub hits: Vec<usize>,
    /// Index into the cover-bidding pairs, when this pair is one.
    pub cover: Option<usize>,
    /// Whether any hit is one the statute presumes.
    pub presumed: bool,
}

/// A group of bidders joined by strong edges.
#[derive(Debug, Clone, PartialEq)]
pub struct Ring {
    /// Organisation keys, sorted by id.
    pub members: Vec<u32>,
    /// Indices into the edges: every edge at or above the ring threshold between two members.
    pub edges: Vec<usize>,
    /// The maximum spanning tree of those edges (indices into the edges): the strongest chain
    /// that holds the ring together.
    pub tree: Vec<usize>,
    /// Project keys where two or more members bid.
    pub projects: Vec<u32>,
    /// For pairs of members: the chain of members that joins them (fewest links, then strongest).
    pub paths: Vec<Vec<u32>>,
    /// Mean weight of the spanning tree's edges.
    pub score: f64,
    pub presumed: bool,
}

/// 1 − Π(1 − wᵢ) over pieces of evidence, with the contact details (phone, e-mail, address)
/// together weighing at most `contact_cap`. Edges and the COL pair findings both combine this way.
pub fn combine(pieces: impl IntoIterator<Item = (LinkKind, f64)>, contact_cap: f64) -> f64 {
    let (mut keep, mut contact_keep) = (1.0, 1.0);
    for (kind, w) in pieces {
        if kind.contact() {
            contact_keep *= 1.0 - w;
        } else {
            keep *= 1.0 - w;
        }
    }
    1.0 - keep * (1.0 - (1.0 - contact_keep).min(contact_cap))
}

pub(crate) fn edges(hits: &[Hit], covers: &[Cover], cfg: &LinkConfig) -> Vec<Edge> {
    let mut by_pair: BTreeMap<(u32, u32), (Vec<usize>, Option<usize>)> = BTreeMap::new();
    for (i, h) in hits.iter().enumerate() {
        by_pair.entry((h.a, h.b)).or_default().0.push(i);
    }
    for (i, c) in covers.iter().enumerate() {
        let key = (c.winner.min(c.loser), c.winner.max(c.loser));
        by_pair.entry(key).or_default().1 = Some(i);
    }
    by_pair
        .into_iter()
        .map(|((a, b), (mut idx, cover))| {
            // Each distinct value counts once, at its strongest; a value observed afresh in each
            // project (an upload IP) counts once per project.
            let mut best: BTreeMap<(LinkKind, u32), (f64, BTreeSet<u32>)> = BTreeMap::new();
            for &i in &idx {
                let h = &hits[i];
                let e = best.entry((h.kind, h.value)).or_insert((0.0, BTreeSet::new()));
                e.0 = e.0.max(h.weight);
                e.1.insert(h.project);
            }
            let pieces = best.iter().map(|((kind, _), (w, projects))| {
                let w = if kind.observed_per_project() { 1.0 - (1.0 - w).powi(projects.len() as i32) } else { *w };
                (*kind, w)
            });
            let mut keep = 1.0 - combine(pieces, cfg.contact_cap);
            if cover.is_some() {
                keep *= 1.0 - cfg.cover_weight;
            }
            idx.sort_by(|x, y| {
                let (hx, hy) = (&hits[*x], &hits[*y]);
                hy.presumed.cmp(&hx.presumed).then(hy.weight.total_cmp(&hx.weight)).then(x.cmp(y))
            });
            let presumed = idx.iter().any(|i| hits[*i].presumed);
            Edge { a, b, weight: 1.0 - keep, hits: idx, cover, presumed }
        })
        .collect()
}

pub(crate) fn rings(edges: &[Edge], bids: &[BidRec], order: &dyn Fn(u32) -> String, cfg: &LinkConfig, n_orgs: usize) -> Vec<Ring> {
    let strong: Vec<usize> = (0..edges.len()).filter(|i| edges[*i].weight >= cfg.edge_min).collect();
    let mut uf = UnionFind::<u32>::new(n_orgs);
    for &i in &strong {
        uf.union(edges[i].a, edges[i].b);
    }
    let mut groups: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for &i in &strong {
        for n in [edges[i].a, edges[i].b] {
            groups.entry(uf.find(n)).or_default().push(n);
        }
    }
    let mut edge_of: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for &i in &strong {
        edge_of.entry(uf.find(edges[i].a)).or_default().push(i);
    }
    let mut ring_of: HashMap<u32, usize> = HashMap::new();
    let mut out: Vec<Ring> = Vec::new();
    for (root, mut members) in groups {
        members.sort_by_key(|m| order(*m));
        members.dedup();
        let ring_edges = edge_of.remove(&root).unwrap_or_default();
        let tree = spanning_tree(edges, &ring_edges, &members, order);
        let score = tree.iter().map(|i| edges[*i].weight).sum::<f64>() / tree.len().max(1) as f64;
        let presumed = tree.iter().any(|i| edges[*i].presumed);
        let paths = paths(edges, &ring_edges, &members, cfg.max_path_members);
        out.push(Ring { members, edges: ring_edges, tree, projects: Vec::new(), paths, score, presumed });
    }
    // Largest first, then by the first member's id.
    out.sort_by(|x, y| y.members.len().cmp(&x.members.len()).then_with(|| order(x.members[0]).cmp(&order(y.members[0]))));
    for (r, ring) in out.iter().enumerate() {
        for m in &ring.members {
            ring_of.insert(*m, r);
        }
    }
    // Projects where two or more members of one ring bid.
    let mut seen: BTreeMap<(usize, u32), Vec<u32>> = BTreeMap::new();
    for b in bids {
        if let Some(r) = ring_of.get(&b.bidder) {
            let v = seen.entry((*r, b.project)).or_default();
            if !v.contains(&b.bidder) {
                v.push(b.bidder);
            }
        }
    }
    for ((r, p), present) in seen {
        if present.len() >= 2 {
            out[r].projects.push(p);
        }
    }
    out
}

/// Kruskal on the ring's edges, strongest first (ties by the members' ids).
fn spanning_tree(edges: &[Edge], ring_edges: &[usize], members: &[u32], order: &dyn Fn(u32) -> String) -> Vec<usize> {
    let pos: HashMap<u32, usize> = members.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    let mut sorted = ring_edges.to_vec();
    sorted.sort_by(|x, y| {
        let (ex, ey) = (&edges[*x], &edges[*y]);
        ey.weight.total_cmp(&ex.weight).then_with(|| (order(ex.a), order(ex.b)).cmp(&(order(ey.a), order(ey.b))))
    });
    let mut uf = UnionFind::<usize>::new(members.len());
    let mut tree = Vec::new();
    for i in sorted {
        let (a, b) = (pos[&edges[i].a], pos[&edges[i].b]);
        if uf.union(a, b) {
            tree.push(i);
        }
    }
    tree
}

/// Between every two members (or, for a ring larger than `max_members`, from its best-connected
/// member to every other), the chain with the fewest links, and among those the strongest.
fn paths(edges: &[Edge], ring_edges: &[usize], members: &[u32], max_members: usize) -> Vec<Vec<u32>> {
    let mut g: UnGraph<u32, f64> = UnGraph::default();
    let nodes: Vec<NodeIndex> = members.iter().map(|m| g.add_node(*m)).collect();
    let pos: HashMap<u32, usize> = members.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    let mut degree = vec![0usize; members.len()];
    for &i in ring_edges {
        let (a, b) = (pos[&edges[i].a], pos[&edges[i].b]);
        // Fewest links first; among equal lengths the path through stronger edges costs less.
        g.add_edge(nodes[a], nodes[b], 1.0 + (1.0 - edges[i].weight) * 1e-3);
        degree[a] += 1;
        degree[b] += 1;
    }
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    if members.len() <= max_members {
        for i in 0..members.len() {
            for j in i + 1..members.len() {
                pairs.push((i, j));
            }
        }
    } else {
        let hub = (0..members.len()).max_by_key(|i| (degree[*i], std::cmp::Reverse(*i))).unwrap_or(0);
        pairs.extend((0..members.len()).filter(|j| *j != hub).map(|j| (hub, j)));
    }
    pairs
        .into_iter()
        .filter_map(|(i, j)| {
            let goal = nodes[j];
            petgraph::algo::astar(&g, nodes[i], |n| n == goal, |e| *e.weight(), |_| 0.0)
                .map(|(_, path)| path.into_iter().map(|n| g[n]).collect())
        })
        .collect()
}
