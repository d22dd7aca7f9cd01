//! GRF-001 围标团伙识别 — a bid ring: bidders joined by evidence across projects.
//!
//! 《招标投标法实施条例》第三十九条、第四十条; 《政府采购法实施条例》第七十四条. Bidders are joined
//! by an edge that combines every piece of pair evidence between them (1 − Π(1 − wᵢ), each shared
//! value once, at its strongest, with cover bidding); every connected group over edges of weight
//! at least `edge_min` is a ring. The finding lists all members, the projects where two or more of
//! them bid, the strongest spanning chain as evidence rows, and between every two members the
//! shortest chain of evidence that joins them.

use bidwatch_graph::{Edge, LinkKind, Linkage, Ring};
use bidwatch_ingest::TableName;
use bidwatch_model::{EvidencePath, Finding, PathStep, RuleCode, Severity, Subject, SubjectKind, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::col;

#[derive(Debug)]
pub struct Rings;

const THRESHOLDS: &[Threshold] = &[
    Threshold { key: "edge_min", default: "0.6", zh: "两家投标人的合并证据权重达到该值即相连", en: "combined evidence weight at which two bidders are joined" },
    Threshold {
        key: "min_pair_weight",
        default: "0.2",
        zh: "降权后低于该权重的共用值只计数、不报告",
        en: "shared values weighing less than this after the discount are counted, not reported",
    },
    Threshold {
        key: "common_half_share",
        default: "0.05",
        zh: "常见值降权：被 2+h 家投标人使用时权重减半，h 取项目所在市场投标人数的该比例（市场：项目所在区域的投标人；项目未填区域时为全部投标人）",
        en: "commonness discount: a value used by 2+h bidders keeps half its weight; h is this share of the project's market (the bidders of its region; all bidders where the project names no region)",
    },
    Threshold { key: "common_half_min", default: "10", zh: "h 的最小值（家）", en: "smallest h (bidders)" },
    Threshold {
        key: "unique_id_half_factor",
        default: "4",
        zh: "机器码、加密锁号、文件创建标识码的 h 放大倍数（无正当理由被多家共用）",
        en: "h is this many times larger for machine codes, lock serials and file-creation ids (nothing innocent makes many firms share them)",
    },
    Threshold {
        key: "presumed_categories",
        default: "[\"engineering\", \"procurement\"]",
        zh: "适用法定推定的交易类型；其他类型（产权、土地、商城）只作线索",
        en: "categories where the statutory presumption applies; elsewhere (property, land, e-mall) signals only",
    },
    Threshold {
        key: "max_path_members",
        default: "60",
        zh: "成员超过该数的团伙只列出从核心成员出发的证据链",
        en: "rings larger than this list evidence chains from their best-connected member only",
    },
];

impl Rule for Rings {
    fn code(&self) -> RuleCode {
        code("GRF-001")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &[])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let mut out = RuleOutput::default();
        for ring in &ctx.graph.rings {
            out.push(ring_finding(ctx, self.code(), ring));
        }
        out
    }
}

/// The id a ring is known by: its first member's id, stable while that member stays in it.
pub(crate) fn ring_id(ctx: &Context<'_>, ring: &Ring) -> String {
    format!("RING-{}", col::bidder_id(ctx, ring.members[0]))
}

/// The ring (index into the graph's rings) of every bidder that is in one, by bidder id. Asked of
/// every bid (10 M at 10M bids, nearly all of bidders in no ring): a fast hasher, not SipHash.
pub(crate) fn ring_of(ctx: &Context<'_>) -> std::collections::HashMap<String, usize, foldhash::fast::FixedState> {
    let mut out = std::collections::HashMap::default();
    for (r, ring) in ctx.graph.rings.iter().enumerate() {
        for m in &ring.members {
            out.insert(col::bidder_id(ctx, *m), r);
        }
    }
    out
}

/// What an edge rests on, as a path step (its strongest hit, or cover bidding).
fn step(ctx: &Context<'_>, g: &Linkage, from: u32, to: u32, e: &Edge) -> PathStep {
    let (from_id, to_id) = (col::bidder_id(ctx, from), col::bidder_id(ctx, to));
    if let Some(h) = e.hits.first().map(|i| &g.hits[*i]) {
        PathStep {
            from: from_id,
            to: to_id,
            code: col::code_of(h.kind),
            field: h.kind.field().to_owned(),
            value: col::raw_value(g, h),
            project_id: Some(ctx.views.projects.id[h.project as usize].clone()),
            weight: round4(e.weight),
        }
    } else {
        let c = e.cover.map(|i| &g.covers[i]);
        PathStep {
            from: from_id,
            to: to_id,
            code: code("GRF-002"),
            field: "bids.is_winner".to_owned(),
            value: c.map(|c| format!("{}/{}", c.wins, c.meetings)).unwrap_or_default(),
            project_id: None,
            weight: round4(e.weight),
        }
    }
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

fn ring_finding(ctx: &Context<'_>, rule: RuleCode, ring: &Ring) -> Finding {
    let g = ctx.graph;
    let members: Vec<String> = ring.members.iter().map(|m| col::bidder_id(ctx, *m)).collect();
    let projects: Vec<String> = ring.projects.iter().map(|p| ctx.views.projects.id[*p as usize].clone()).collect();
    let severity = if ring.presumed { Severity::Presumed } else { Severity::Signal };
    let names = |max: usize| {
        let mut v: Vec<String> = ring.members.iter().take(max).map(|m| col::bidder_label(ctx, *m)).collect();
        if ring.members.len() > max {
            v.push(format!("… (+{})", ring.members.len() - max));
        }
        v
    };
    // The strongest link, in words.
    let strongest = ring.tree.first().map(|i| &g.edges[*i]).and_then(|e| e.hits.first().map(|h| (e, &g.hits[*h])));
    let (why_zh, why_en) = match strongest {
        Some((e, h)) => {
            let (a, b, v, p) = (
                col::bidder_label(ctx, e.a),
                col::bidder_label(ctx, e.b),
                col::shown_value(g, h),
                &ctx.views.projects.id[h.project as usize],
            );
            (
                format!("最强的一环：{a} 与 {b} {}（{v}，项目 {p}）", h.kind.label(true)),
                format!("strongest link: {a} and {b}: {} ({v}, project {p})", h.kind.label(false)),
            )
        }
        None => (String::new(), String::new()),
    };
    let message = Text::new(
        format!(
            "{} 家投标人经相互关联的证据构成疑似围标团伙，其中两家以上共同参与 {} 个项目：{}。{why_zh}",
            members.len(),
            projects.len(),
            names(8).join("、")
        ),
        format!(
            "{} bidders joined by evidence form a suspected bid ring; two or more of them bid together in {} project(s): {}. {why_en}",
            members.len(),
            projects.len(),
            names(8).join(", ")
        ),
    );
    let mut f = Finding::new(rule, severity, Subject::new(SubjectKind::Ring, ring_id(ctx, ring)), message)
        .with_members(members)
        .with_projects(projects)
        .with_score(ring.score)
        .with_threshold("edge_min", ctx.graph_cfg.edge_min)
        .with_threshold("ring_edges", ring.edges.len() as u64)
        .with_threshold("tree_mean_weight", round4(ring.score));
    for &i in &ring.tree {
        let e = &g.edges[i];
        if let Some(h) = e.hits.first().map(|h| &g.hits[*h]) {
            for ev in col::hit_evidence(ctx, g, h) {
                f = col::merge_evidence(f, ev.with("project_id", ctx.views.projects.id[h.project as usize].as_str()));
            }
        }
    }
    let kinds: std::collections::BTreeSet<LinkKind> =
        ring.edges.iter().flat_map(|i| g.edges[*i].hits.iter().map(|h| g.hits[*h].kind)).collect();
    f = f.with_threshold("link_kinds", kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(";"));
    let codes: std::collections::BTreeSet<String> = kinds.iter().map(|k| col::code_of(*k).to_string()).collect();
    f = f.with_threshold("link_codes", codes.into_iter().collect::<Vec<_>>().join(";"));
    f.paths = ring
        .paths
        .iter()
        .filter(|p| p.len() >= 2)
        .map(|p| {
            let steps = p.windows(2).filter_map(|w| g.edge_between(w[0], w[1]).map(|e| step(ctx, g, w[0], w[1], e))).collect();
            EvidencePath { from: col::bidder_id(ctx, p[0]), to: col::bidder_id(ctx, p[p.len() - 1]), steps }
        })
        .collect();
    f
}
