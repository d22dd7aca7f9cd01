//! EXP-003 评分畸高畸低 — an expert whose subjective scores stand apart from the other experts'.
//!
//! 《招标投标法实施条例》第四十九条第一款 (score objectively, by the published method) and
//! 第七十一条第（三）（八）项. Two tests, on subjective criteria only (`objective` not true):
//! - **one criterion**: for each (project, bidder, criterion) marked by at least `min_experts` (3),
//!   the deviation of an expert's score from the median of the *other* experts, over the criterion's
//!   `max_score`, is at least `max_deviation` (0.3). Criteria without `max_score` are not judged.
//! - **the total**: with at least `min_experts_total` (5) experts, an expert's total for a bidder
//!   lies `total_sd` (2) standard deviations or more from the others' mean (their SD above zero)
//!   and at least `min_total_gap` (0.1) of the total's maximum away (of the others' mean where a
//!   criterion has no maximum): when the others agree to a point, 2 SD alone is a point or two.
//!
//! One finding per expert and project, with every deviating score as evidence. A signal: scoring
//! apart is not wrong by itself (an expert may see what the others missed), but repeated it is the
//! pattern the provinces rate experts on (Jiangsu weighs dispersion at 30 % of the rating).

use std::collections::BTreeMap;

use bidwatch_ingest::TableName;
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, SubjectKind, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::expert::{by_item, median, NameKey, Names, Score};

/// One expert's deviations in one project: (score, others' median, deviation) per criterion, and
/// (bidder, total, others' mean, others' SD) per total.
type Hits<'a> = (Vec<(&'a Score, f64, f64)>, Vec<(String, f64, f64, f64)>);

#[derive(Debug)]
pub struct OutlierScoring;

const THRESHOLDS: &[Threshold] = &[
    Threshold {
        key: "max_deviation",
        default: "0.3",
        zh: "单项得分偏离其他专家中位数的比例上限（占满分）",
        en: "largest deviation of one score from the other experts' median, as a share of the maximum",
    },
    Threshold {
        key: "min_experts", default: "3", zh: "单项比较所需的最少专家数", en: "fewest experts for the per-criterion test"
    },
    Threshold {
        key: "total_sd",
        default: "2",
        zh: "总分偏离其他专家均值的标准差倍数",
        en: "standard deviations of the total from the other experts' mean",
    },
    Threshold {
        key: "min_total_gap",
        default: "0.1",
        zh: "总分偏离至少占总分满分的比例",
        en: "smallest gap of the total, as a share of its maximum",
    },
    Threshold {
        key: "min_experts_total", default: "5", zh: "总分比较所需的最少专家数", en: "fewest experts for the total test"
    },
    Threshold { key: "points", default: "0", zh: "每次扣分（0 = 仅作证据）", en: "points per finding (0 = evidence only)" },
];

impl Rule for OutlierScoring {
    fn code(&self) -> RuleCode {
        code("EXP-003")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Evaluations, &["score"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let names = Names::load(ctx);
        let c = self.code();
        let max_dev = ctx.policy.f64(c, "max_deviation", 0.3);
        let min_experts = ctx.policy.f64(c, "min_experts", 3.0) as usize;
        let k_sd = ctx.policy.f64(c, "total_sd", 2.0);
        let min_total = ctx.policy.f64(c, "min_experts_total", 5.0) as usize;
        let min_gap = ctx.policy.f64(c, "min_total_gap", 0.1);
        let points = ctx.policy.f64(c, "points", 0.0);
        let sc = &ctx.views.scores;
        // The subjective rows project by project (a stable sort keeps each project's rows in source
        // order): each project's sheets and totals are grouped on their own, not all 13.5 M rows of
        // a large county in ordered maps at once (≈ 1 GB at 10M bids).
        let mut all: Vec<&Score> = sc.rows.iter().filter(|s| s.objective != Some(true)).collect();
        all.sort_by_key(|s| s.project);
        // (expert, project) → (criterion hits: (score, median of others, deviation), total hits)
        let mut hits: BTreeMap<(NameKey, usize), Hits<'_>> = BTreeMap::new();
        for rows in all.chunk_by(|a, b| a.project == b.project) {
            for (_, sheet) in by_item(sc, rows.iter().copied()) {
                if sheet.len() < min_experts {
                    continue;
                }
                for s in &sheet {
                    let Some(max) = s.max else { continue };
                    let mut others: Vec<f64> = sheet.iter().filter(|o| o.expert != s.expert).map(|o| o.score).collect();
                    let m = median(&mut others);
                    let dev = (s.score - m).abs() / max;
                    if dev >= max_dev {
                        hits.entry((sc.key(s.expert), s.project as usize)).or_default().0.push((s, m, dev));
                    }
                }
            }
            // totals per (project, bidder, expert), and the largest possible total (None: a
            // criterion without a maximum); names as keys that order as their text
            let mut totals: BTreeMap<(usize, NameKey), BTreeMap<NameKey, f64>> = BTreeMap::new();
            let mut total_max: BTreeMap<(usize, NameKey), BTreeMap<NameKey, Option<f64>>> = BTreeMap::new();
            for &s in rows {
                *totals.entry((s.project as usize, sc.key(s.bidder))).or_default().entry(sc.key(s.expert)).or_default() += s.score;
                total_max.entry((s.project as usize, sc.key(s.bidder))).or_default().insert(sc.key(s.criterion), s.max);
            }
            for ((k, bidder), by_expert) in &totals {
                if by_expert.len() < min_total {
                    continue;
                }
                let full: Option<f64> = total_max.get(&(*k, *bidder)).and_then(|m| m.values().copied().sum());
                for (e, t) in by_expert {
                    let others: Vec<f64> = by_expert.iter().filter(|(o, _)| o != &e).map(|(_, v)| *v).collect();
                    let n = others.len() as f64;
                    let mean = others.iter().sum::<f64>() / n;
                    let sd = (others.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
                    let gap = (t - mean).abs() / full.unwrap_or(mean.abs()).max(f64::EPSILON);
                    if sd > 0.0 && (t - mean).abs() >= k_sd * sd && gap >= min_gap {
                        hits.entry((*e, *k)).or_default().1.push((sc.named(*bidder).to_owned(), *t, mean, sd));
                    }
                }
            }
        }
        let mut out = RuleOutput::default();
        for ((expert, k), (items, tots)) in hits {
            let expert = sc.named(expert);
            let pid = ctx.views.projects.id[k].as_str();
            let who = names.label(expert);
            let worst = items.iter().map(|h| h.2).fold(0.0, f64::max);
            let mut zh = Vec::new();
            let mut en = Vec::new();
            if !items.is_empty() {
                zh.push(format!(
                    "{} 项主观分偏离其他专家中位数达满分的 {:.0}% 以上（最大 {:.0}%）",
                    items.len(),
                    max_dev * 100.0,
                    worst * 100.0
                ));
                en.push(format!(
                    "{} subjective scores lie {:.0}% of the maximum or more from the other experts' median (largest {:.0}%)",
                    items.len(),
                    max_dev * 100.0,
                    worst * 100.0
                ));
            }
            if !tots.is_empty() {
                let who: Vec<&str> = tots.iter().map(|t| t.0.as_str()).collect();
                zh.push(format!("给 {} 的总分偏离其他专家均值 {k_sd} 倍标准差以上", who.join("、")));
                en.push(format!("the totals given to {} lie {k_sd} SD or more from the others' mean", who.join(", ")));
            }
            let message = Text::new(
                format!("评标专家 {who} 在项目 {pid}：{}", zh.join("；")),
                format!("expert {who} at project {pid}: {}", en.join("; ")),
            );
            let mut f = Finding::new(c, Severity::Signal, Subject::new(SubjectKind::Expert, expert), message)
                .in_project(pid)
                .with_points(points)
                .with_score(worst.max(if tots.is_empty() { 0.0 } else { 0.5 }))
                .with_threshold("max_deviation", max_dev)
                .with_threshold("total_sd", k_sd);
            for (s, m, dev) in &items {
                f = f.with_evidence(
                    Evidence::new("evaluations", u64::from(s.row))
                        .with("bidder_id", sc.name(s.bidder))
                        .with("criterion", sc.name(s.criterion))
                        .with("score", s.score)
                        .with("max_score", s.max)
                        .with("others_median", *m)
                        .with("deviation", (dev * 1000.0).round() / 1000.0),
                );
            }
            for (bidder, t, mean, sd) in &tots {
                let r = |v: f64| (v * 100.0).round() / 100.0;
                f = f.with_threshold(format!("total:{bidder}"), format!("{} vs {} ± {}", r(*t), r(*mean), r(*sd)));
                if items.is_empty() {
                    // the total's rows are the expert's sheet for that bidder
                    let of_project =
                        &all[all.partition_point(|s| (s.project as usize) < k)..all.partition_point(|s| s.project as usize <= k)];
                    for s in of_project.iter().filter(|s| sc.name(s.expert) == expert && sc.name(s.bidder) == *bidder) {
                        f = f.with_evidence(
                            Evidence::new("evaluations", u64::from(s.row))
                                .with("bidder_id", sc.name(s.bidder))
                                .with("criterion", sc.name(s.criterion))
                                .with("score", s.score),
                        );
                    }
                }
            }
            out.push(f);
        }
        out
    }
}
