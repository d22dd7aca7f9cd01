//! FCR-007 “量身定做”条款 — a clause tailor-made for one bidder.
//!
//! 《招标投标法实施条例》第三十二条第二款第（二）（七）项; 《政府采购法实施条例》第二十条第（三）项
//! (采购需求中的技术、服务等要求指向特定供应商、特定产品). A clause of a later tender that is a near
//! copy (`min_similarity`, normalised Levenshtein over the text without spaces, punctuation or
//! numbers) of a clause of an earlier tender won by firm X, when X bids on the later one and every
//! earlier tender carrying the clause was won by X. Wording used by `boilerplate_projects` or more
//! tenders is boilerplate and never compared; clauses shorter than `min_chars` neither.
//! Also a clause that names an earlier project (its full name, at least `min_name_chars` long and
//! borne by no other project) that firm X won, when X bids on this one: a requirement written
//! around one firm's record.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use bidwatch_ingest::TableName;
use bidwatch_model::grouped::Grouped;
use bidwatch_model::textset::TextSet;
use bidwatch_model::{RuleCode, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use rayon::prelude::*;

use crate::rules::fcr::{self, Clause};

/// A clause that copies an earlier one: (the clause, the earlier clause, the earlier clause's
/// tender, the firm that won it and bids here, the similarity).
type Copied<'a> = (usize, usize, usize, &'a str, f64);

#[derive(Debug)]
pub struct TailorMade;

const THRESHOLDS: &[Threshold] = &[
    Threshold {
        key: "min_similarity",
        default: "0.9",
        zh: "视为抄录的最低相似度（0–1）",
        en: "similarity (0–1) at which a clause counts as copied",
    },
    Threshold {
        key: "min_chars",
        default: "16",
        zh: "参与比较的条款最少字数（去除标点和数字后）",
        en: "fewest characters (without punctuation and numbers) of a clause compared",
    },
    Threshold {
        key: "boilerplate_projects",
        default: "3",
        zh: "在这么多个项目中出现的措辞视为通用条款",
        en: "wording found in this many tenders is boilerplate",
    },
    Threshold {
        key: "min_name_chars",
        default: "8",
        zh: "条款中点名的既往项目名称的最少字数",
        en: "fewest characters of a past project's name named in a clause",
    },
];

impl Rule for TailorMade {
    fn code(&self) -> RuleCode {
        code("FCR-007")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Clauses, &[]), (TableName::Bids, &[])]
    }

    fn requires_any(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &["is_winner", "rank"])]
    }

    /// A long pass: every clause compared with the clauses its bidders' earlier wins carry.
    fn long(&self) -> bool {
        true
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let rule = self.code();
        let min_sim = ctx.policy.f64(rule, "min_similarity", 0.9);
        let min_chars = ctx.policy.f64(rule, "min_chars", 16.0) as usize;
        let boiler = ctx.policy.f64(rule, "boilerplate_projects", 3.0).max(2.0) as usize;
        let mut out = RuleOutput::default();
        let t = std::time::Instant::now();
        let lap = |what: &str| tracing::debug!(ms = t.elapsed().as_millis() as u64, "FCR-007 {what}");
        // Every clause without its text (3.4 M texts, folded copies, were 0.4 GB at 10M bids):
        // its wording's number instead; a finding reads its clauses' texts again.
        // Distinct wordings, each once (a county's clauses are millions, their wordings near as
        // many), and the clauses of every wording in clause order.
        let mut clauses: Vec<Clause<'_>> = Vec::new();
        let mut at: Vec<u32> = Vec::new();
        let mut wordings = TextSet::new();
        let mut sizes: Vec<u32> = Vec::new();
        let mut wording: Vec<Option<u32>> = Vec::new();
        fcr::each_clause_at(ctx, |i, c| {
            let k = fcr::copy_key(&c.text);
            wording.push((k.chars().count() >= min_chars).then(|| {
                let w = wordings.intern(&k);
                sizes.resize(wordings.len(), 0);
                sizes[w as usize] += 1;
                w
            }));
            at.push(i as u32);
            clauses.push(Clause { text: Cow::Borrowed(""), ..c });
        });
        lap("wordings");
        let placed = wording.iter().enumerate().filter_map(|(i, w)| Some(((*w)?, i as u32)));
        let with_wording = Grouped::build(&sizes, placed, 0u32);
        drop(sizes);
        // Wording used by `boilerplate_projects` tenders or more is boilerplate: never compared.
        let projects_of = |idx: &[u32]| idx.iter().map(|i| clauses[*i as usize].project).collect::<BTreeSet<_>>();
        let mut key_of: Vec<Option<&str>> = vec![None; clauses.len()];
        for (w, idx) in with_wording.iter().enumerate() {
            if projects_of(idx).len() < boiler {
                for i in idx {
                    key_of[*i as usize] = Some(wordings.get(w as u32));
                }
            }
        }
        lap("boilerplate");
        let grams = fcr::Trigrams::of(&key_of);
        lap("trigrams");
        let p = &ctx.views.projects;
        let when = |k: usize| p.published_at[k].unwrap_or(i64::MAX);
        let mut of_project: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (i, c) in clauses.iter().enumerate() {
            if key_of[i].is_some() {
                of_project.entry(c.project).or_default().push(i);
            }
        }
        // A later tender is compared only with the earlier tenders its own bidders won: the rule asks
        // for a copy of a winner's clause, so no other pair can matter (and all pairs would be
        // quadratic in the tenders).
        let later: Vec<(&usize, &Vec<usize>)> = of_project.iter().collect();
        // The compared clauses of each project, by project key (looked up for every earlier win).
        let mut clauses_of: Vec<&[usize]> = vec![&[]; p.id.len()];
        for (&k, v) in &of_project {
            if let Some(slot) = clauses_of.get_mut(k) {
                *slot = v;
            }
        }
        // The tenders each firm won that have clauses compared, earliest first: a later tender
        // reads the wins published before it, a prefix. (Every bid of a firm used to walk all of
        // its wins: a firm that bids on thousands of tenders and wins hundreds made that a square.)
        // By bidder key: looked up for every bid of every tender with clauses, all firms' wins in
        // one vector (a vector each was a header of 24 bytes a firm, 16 MB at 10M bids, read once
        // for every bid, most of them firms without such a win).
        let n_orgs = ctx.ds.orgs.len();
        let wins = ctx
            .views
            .bids
            .iter()
            .enumerate()
            .filter(|(k, _)| clauses_of.get(*k).is_some_and(|c| !c.is_empty()))
            .flat_map(|(k, bids)| bids.iter().filter(|b| b.winner).map(move |b| (b.bidder_key, (when(k), k))))
            .filter(|&(firm, _)| (firm as usize) < n_orgs);
        let mut won = Grouped::by_key(n_orgs, wins);
        won.sort_each_by_key(|&w| w);
        lap("wins");
        let found: Vec<Vec<Copied<'_>>> = later
            .par_iter()
            .map(|(&b, mine)| {
                // (earlier tender, its winner that bids here), sorted and distinct: the earlier
                // tenders in order, each one's winners in order (a vector sorted once, not a
                // tree of trees built for each of 900,000 tenders)
                let mut sources: Vec<(usize, &str)> = Vec::new();
                // wins published strictly before this tender (so never this tender itself)
                let published_here = when(b);
                for bid in &ctx.views.bids[b] {
                    let wins = won.of(bid.bidder_key as usize);
                    let before = wins.partition_point(|&(published, _)| published < published_here);
                    sources.extend(wins[..before].iter().map(|&(_, a)| (a, bid.bidder)));
                }
                sources.sort_unstable();
                sources.dedup();
                let tenders: Vec<&[(usize, &str)]> = sources.chunk_by(|x, y| x.0 == y.0).collect();
                let mut out = Vec::new();
                for &c in mine.iter() {
                    // the earliest earlier clause it copies, with the firm that won there
                    let mut best: Option<(i64, usize, u64, usize, f64, usize)> = None;
                    for (t, winners) in tenders.iter().enumerate() {
                        let a = winners[0].0;
                        for &e in clauses_of[a] {
                            if let Some(sim) = grams.similar(c, e, min_sim) {
                                let key = (when(a), a, clauses[e].row);
                                if best.is_none_or(|x| key < (x.0, x.1, x.2)) {
                                    best = Some((key.0, key.1, key.2, e, sim, t));
                                }
                            }
                        }
                    }
                    let Some((_, a, _, e, sim, t)) = best else { continue };
                    // every earlier tender that uses the same wording was won by the firm
                    let earlier: Vec<usize> = wording[e]
                        .map(|w| {
                            with_wording
                                .of(w as usize)
                                .iter()
                                .map(|i| clauses[*i as usize].project)
                                .filter(|k| *k != b && when(*k) < when(b))
                                .collect()
                        })
                        .unwrap_or_default();
                    let winners_all = |x: &str| earlier.iter().all(|k| ctx.views.bids[*k].iter().any(|w| w.winner && w.bidder == x));
                    let Some(x) = tenders[t].iter().map(|&(_, x)| x).find(|x| winners_all(x)) else { continue };
                    out.push((c, e, a, x, sim));
                }
                out
            })
            .collect();
        // The two clauses' texts of every copy, read in one pass over the table (not inside the
        // parallel search: a polars read there lets the waiting thread take up more of the search).
        let found: Vec<Copied<'_>> = found.into_iter().flatten().collect();
        lap("copies");
        let mut wanted: Vec<usize> = found.iter().flat_map(|&(c, e, ..)| [at[c] as usize, at[e] as usize]).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let texts = fcr::texts_at(ctx, &wanted);
        let with_text = |i: usize| {
            let text = wanted.binary_search(&(at[i] as usize)).ok().map(|w| texts[w].clone()).unwrap_or_default();
            Clause { text: Cow::Owned(text), ..clauses[i].clone() }
        };
        for (c, e, a, x, sim) in found {
            let (first, later) = (&with_text(e), &with_text(c));
            let earlier_pid = &p.id[a];
            let why = Text::new(
                format!("与投标人 {x} 中标的项目 {earlier_pid} 第 {} 条近乎相同（相似度 {sim:.2}），{x} 亦参与本项目投标：疑似为其量身定做", first.clause_no.unwrap_or("—")),
                format!("a near copy (similarity {sim:.2}) of clause {} of project {earlier_pid}, which bidder {x} won; {x} bids here too: possibly tailor-made for it", first.clause_no.unwrap_or("—")),
            );
            out.push(
                fcr::clause_finding(ctx, rule, later, (0, later.text.len()), &why)
                    .with_members(vec![x.to_owned()])
                    .with_evidence(
                        bidwatch_model::Evidence::new("clauses", first.row)
                            .with("project_id", earlier_pid.as_str())
                            .with("clause_no", first.clause_no)
                            .with("text", &*first.text),
                    )
                    .with_threshold("similarity", (sim * 1e4).round() / 1e4)
                    .with_threshold("min_similarity", min_sim)
                    .with_threshold("earlier_project", earlier_pid.as_str()),
            );
        }
        // the comparisons' state goes before the clauses are read again
        drop(grams);
        drop(key_of);
        drop((clauses, at, wordings));
        lap("copies' findings");
        named_projects(ctx, rule, &mut out);
        lap("named projects");
        out
    }
}

/// Clauses that name an earlier project won by a firm that bids on this one.
fn named_projects(ctx: &Context<'_>, rule: RuleCode, out: &mut RuleOutput) {
    let min_chars = ctx.policy.f64(rule, "min_name_chars", 8.0) as usize;
    let p = &ctx.views.projects;
    // Names borne by one project only, long enough to be specific.
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for n in p.name.iter().flatten() {
        *count.entry(n.as_str()).or_default() += 1;
    }
    let named: Vec<(usize, &str)> = p
        .name
        .iter()
        .enumerate()
        .filter_map(|(k, n)| n.as_deref().map(|n| (k, n)))
        .filter(|(_, n)| n.chars().count() >= min_chars && count.get(n) == Some(&1))
        .collect();
    if named.is_empty() {
        return;
    }
    let Ok(ac) = aho_corasick::AhoCorasick::new(named.iter().map(|(_, n)| *n)) else { return };
    // the clauses read again, one at a time
    fcr::each_clause(ctx, |c| {
        for m in ac.find_iter(c.text.as_ref()) {
            let (q, name) = named[m.pattern().as_usize()];
            if q == c.project || p.published_at[q].unwrap_or(i64::MAX) >= p.published_at[c.project].unwrap_or(i64::MIN) {
                continue;
            }
            let winners: BTreeSet<&str> = ctx.views.bids[q].iter().filter(|b| b.winner).map(|b| b.bidder).collect();
            let here: BTreeSet<&str> = ctx.views.bids[c.project].iter().map(|b| b.bidder).collect();
            let Some(x) = winners.intersection(&here).next().copied() else { continue };
            let qid = &p.id[q];
            let why = Text::new(
                format!("点名既往项目“{name}”（{qid}），该项目由 {x} 中标，{x} 亦参与本项目投标：疑似为其量身定做"),
                format!("names the earlier project “{name}” ({qid}), which {x} won; {x} bids here too: possibly tailor-made for it"),
            );
            out.push(
                fcr::clause_finding(ctx, rule, &c, (m.start(), m.end()), &why)
                    .with_members(vec![x.to_owned()])
                    .with_threshold("earlier_project", qid.as_str())
                    .with_threshold("min_name_chars", min_chars as u64),
            );
        }
    });
}
