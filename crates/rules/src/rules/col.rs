//! What the COL rules share: the linking configuration read from the policy, and one finding per
//! pair of bidders per project from the graph's pair evidence.

use bidwatch_graph::{Hit, LinkConfig, LinkKind, Linkage, Src};
use bidwatch_model::text::mask;
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, Text};

use crate::catalog::Policy;
use crate::registry::{code, Context, RuleOutput};

/// The rule that reports a kind of link.
pub(crate) fn code_of(kind: LinkKind) -> RuleCode {
    code(match kind {
        LinkKind::LegalRep | LinkKind::Controller => "COL-001",
        LinkKind::MachineCode | LinkKind::Mac => "COL-002",
        LinkKind::LockSerial | LinkKind::FileCreateId => "COL-003",
        LinkKind::UploadIp => "COL-004",
        LinkKind::DocAuthor => "COL-005",
        LinkKind::Personnel => "COL-006",
        LinkKind::AuthorizedRep => "COL-007",
        LinkKind::BondAccount | LinkKind::BondFromOther => "COL-008",
        LinkKind::Employment => "COL-009",
        LinkKind::Phone | LinkKind::Email | LinkKind::Address => "COL-010",
        LinkKind::SharedHolder => "COL-011",
        LinkKind::PriceLadder => "PRC-001",
        LinkKind::PriceCluster => "PRC-002",
        LinkKind::DocHash => "COL-012",
    })
}

/// The policy key holding a kind's base weight, in its rule's table.
fn weight_key(kind: LinkKind) -> &'static str {
    match kind {
        LinkKind::MachineCode => "machine_code_weight",
        LinkKind::Mac => "mac_weight",
        LinkKind::PriceLadder => "link_weight",
        _ => "weight",
    }
}

/// The linking configuration from the policy (defaults where it is silent).
pub(crate) fn link_config(policy: &Policy) -> LinkConfig {
    let mut cfg = LinkConfig::default();
    for kind in LinkKind::ALL {
        let default = cfg.weight(kind);
        cfg.weights[kind.index()] = policy.f64(code_of(kind), weight_key(kind), default).clamp(0.0, 1.0);
    }
    let grf1 = code("GRF-001");
    cfg.edge_min = policy.f64(grf1, "edge_min", cfg.edge_min);
    cfg.min_pair_weight = policy.f64(grf1, "min_pair_weight", cfg.min_pair_weight);
    cfg.common_half_share = policy.f64(grf1, "common_half_share", cfg.common_half_share);
    cfg.common_half_min = policy.f64(grf1, "common_half_min", cfg.common_half_min);
    cfg.unique_id_half_factor = policy.f64(grf1, "unique_id_half_factor", cfg.unique_id_half_factor);
    cfg.max_path_members = policy.f64(grf1, "max_path_members", cfg.max_path_members as f64) as usize;
    let cats: Vec<&str> = cfg.presumed_categories.iter().map(String::as_str).collect();
    cfg.presumed_categories = policy.strings(grf1, "presumed_categories", &cats);
    cfg.control_pct = policy.f64(code("COL-001"), "control_pct", cfg.control_pct);
    let authors: Vec<&str> = cfg.generic_authors.iter().map(String::as_str).collect();
    cfg.generic_authors = policy.strings(code("COL-005"), "generic_authors", &authors);
    cfg.ignore_ips = policy.strings(code("COL-004"), "ignore_ips", &[]);
    cfg.employment_lookback_months = policy.f64(code("COL-009"), "lookback_months", 3.0) as u32;
    cfg.contact_cap = policy.f64(code("COL-010"), "cap", cfg.contact_cap);
    let grf2 = code("GRF-002");
    cfg.cover_min_meetings = policy.f64(grf2, "min_meetings", f64::from(cfg.cover_min_meetings)) as u32;
    cfg.cover_min_win_share = policy.f64(grf2, "min_win_share", cfg.cover_min_win_share);
    cfg.cover_weight = policy.f64(grf2, "cover_weight", cfg.cover_weight);
    cfg
}

/// A bidder as a sentence names it: its name, else its id.
pub(crate) fn bidder_label(ctx: &Context<'_>, key: u32) -> String {
    let id = ctx.ds.orgs.resolve(key).unwrap_or_default();
    match ctx.views.bidder_names.get(key as usize).and_then(Option::as_deref) {
        // ASCII brackets: the same label stands in the Chinese and the English sentence.
        Some(name) => format!("{name} ({id})"),
        None => id.to_owned(),
    }
}

/// "name (id)" for a bidder id as written in the bids, or the id alone.
pub(crate) fn label_of(ctx: &Context<'_>, id: &str) -> String {
    match ctx.ds.orgs.get(id) {
        Some(key) => bidder_label(ctx, key),
        None => id.to_owned(),
    }
}

pub(crate) fn bidder_id(ctx: &Context<'_>, key: u32) -> String {
    ctx.ds.orgs.resolve(key).unwrap_or_default().to_owned()
}

/// The shared value as the data wrote it (controller values lose their internal tag).
pub(crate) fn raw_value(g: &Linkage, h: &Hit) -> String {
    let v = g.values.get(h.kind, h.value);
    v.strip_prefix("org:").or_else(|| v.strip_prefix("person:")).unwrap_or(v).to_owned()
}

/// The shared value as a sentence shows it: personal identifiers masked.
pub(crate) fn shown_value(g: &Linkage, h: &Hit) -> String {
    let v = raw_value(g, h);
    let org_controller = h.kind == LinkKind::Controller && g.values.get(h.kind, h.value).starts_with("org:");
    if h.kind.personal() && !org_controller {
        mask(&v)
    } else {
        v
    }
}

/// The column an evidence row of a hit shows the value in.
fn column(kind: LinkKind, src: Src) -> &'static str {
    match (src, kind) {
        (Src::Bidders, LinkKind::BondFromOther) => "basic_account",
        (Src::Bidders, LinkKind::Controller) => "bidder_id",
        (Src::Shareholders, _) => "holder_id",
        (Src::BidPersonnel | Src::Employment, _) => "person_id",
        _ => kind.field().split('.').nth(1).unwrap_or("value"),
    }
}

/// The two evidence rows of a hit.
pub(crate) fn hit_evidence(ctx: &Context<'_>, g: &Linkage, h: &Hit) -> [Evidence; 2] {
    let value = raw_value(g, h);
    let side = |bidder: u32, (src, row): (Src, u64)| {
        let mut e = Evidence::new(src.table(), row).with(column(h.kind, src), value.as_str());
        if src == Src::Employment {
            e = e.with("employer_id", bidder_id(ctx, bidder));
        } else if !(src == Src::Bidders && h.kind == LinkKind::Controller) {
            e = e.with("bidder_id", bidder_id(ctx, bidder));
        }
        if h.kind.discounted() {
            e = e.with("bidders_with_value", u64::from(h.users));
        }
        e
    };
    [side(h.a, h.rows[0]), side(h.b, h.rows[1])]
}

/// One finding per project and pair of bidders, from the hits of `kinds`.
pub(crate) fn pair_findings(ctx: &Context<'_>, rule: RuleCode, kinds: &[LinkKind]) -> RuleOutput {
    let g = ctx.graph;
    let mut out = RuleOutput::default();
    let hits: Vec<&Hit> = g.hits.iter().filter(|h| kinds.contains(&h.kind)).collect();
    let mut start = 0;
    while start < hits.len() {
        let first = hits[start];
        let mut end = start + 1;
        while end < hits.len() && (hits[end].project, hits[end].a, hits[end].b) == (first.project, first.a, first.b) {
            end += 1;
        }
        out.push(pair_finding(ctx, rule, &hits[start..end]));
        start = end;
    }
    for kind in kinds {
        let s = &g.skipped[kind.index()];
        let Some(v) = s.top_value else { continue };
        let shown = if kind.personal() { mask(g.values.get(*kind, v)) } else { g.values.get(*kind, v).to_owned() };
        out.notes.push(Text::new(
            format!(
                "{} 对投标人{}，但该值为常见值未作报告（最常见：{shown}，数据中 {} 家投标人使用，降权后权重 {:.3}）",
                s.pairs,
                kind.label(true),
                s.top_users,
                s.top_weight
            ),
            format!(
                "{} pair(s) of bidders had {}, a value too common to report (most common: {shown}, used by {} bidders, weight {:.3} after the discount)",
                s.pairs,
                kind.label(false),
                s.top_users,
                s.top_weight
            ),
        ));
    }
    out
}

fn pair_finding(ctx: &Context<'_>, rule: RuleCode, hits: &[&Hit]) -> Finding {
    let g = ctx.graph;
    let first = hits[0];
    let pid = ctx.views.projects.id[first.project as usize].as_str();
    let (a, b) = (bidder_label(ctx, first.a), bidder_label(ctx, first.b));
    let presumed = hits.iter().any(|h| h.presumed);
    let severity = if presumed { Severity::Presumed } else { Severity::Signal };
    // Combined as the edges are, with the contact cap in force.
    let score = bidwatch_graph::combine(hits.iter().map(|h| (h.kind, h.weight)), ctx.graph_cfg.contact_cap);
    let what = |zh: bool| {
        hits.iter()
            .map(|h| {
                // said only when it lowers the weight as printed (a value three bidders show in a
                // market of thousands keeps 0.999 of it: "×1.00" would say nothing); the factor,
                // not the weight, which several firms sharing one network address raise again
                let common = if h.discount < 0.995 && h.users > 2 {
                    if zh {
                        format!("，数据中 {} 家投标人使用，所在市场共 {} 家，按常见程度降权 ×{:.2}", h.users, h.market, h.discount)
                    } else {
                        format!(
                            ", used by {} bidders in the data, {} in the project's market, discounted ×{:.2} as common",
                            h.users, h.market, h.discount
                        )
                    }
                } else {
                    String::new()
                };
                if zh {
                    format!("{}（{}{common}）", h.kind.label(zh), shown_value(g, h))
                } else {
                    format!("{} ({}{common})", h.kind.label(zh), shown_value(g, h))
                }
            })
            .collect::<Vec<_>>()
            .join(if zh { "；" } else { "; " })
    };
    let message = Text::new(format!("项目 {pid}：{a} 与 {b} {}", what(true)), format!("project {pid}: {a} and {b}: {}", what(false)));
    let mut f = Finding::new(rule, severity, Subject::project(pid), message)
        .in_project(pid)
        .with_members(vec![bidder_id(ctx, first.a), bidder_id(ctx, first.b)])
        .with_score(score);
    for h in hits {
        for e in hit_evidence(ctx, g, h) {
            f = merge_evidence(f, e);
        }
        f = f.with_threshold(format!("weight.{}", h.kind), ctx.graph_cfg.weight(h.kind));
        if h.kind.discounted() {
            f = f.with_threshold(format!("discount.{}", h.kind), (h.discount * 1e4).round() / 1e4);
        }
    }
    if !presumed && hits.iter().any(|h| h.kind.statutory()) {
        let category = ctx.views.projects.category[first.project as usize].clone().unwrap_or_default();
        f = f.with_threshold(
            "presumption_not_applied",
            if hits.iter().any(|h| h.kind.statutory() && h.discount < 0.5) { "common value" } else { "category" },
        );
        f = f.with_threshold("category", category);
    }
    f
}

/// Adds an evidence row, or its values to the row already there (one bid row shows several values).
pub(crate) fn merge_evidence(mut f: Finding, e: Evidence) -> Finding {
    if let Some(have) = f.evidence.iter_mut().find(|x| x.table == e.table && x.row == e.row) {
        have.values.extend(e.values);
        f
    } else {
        f.with_evidence(e)
    }
}
