//! INT-001 大额工程第一中标候选人标后约谈 — the post-bid interview of the first candidate of a large
//! works contract, before the award notice.
//!
//! The bureau's own policy (no national article): for every engineering project whose winning price
//! is at least `min_price` (30,000,000 yuan), the first candidate is interviewed (`interviews` row:
//! kind `post_bid`, subject the bidder, the project) before the award notice goes out. Reported:
//! a notice issued with no interview or before it (violation), and a project awaiting its notice
//! with no interview yet (signal: the interview is due — the bureau's to-do list). Related statute:
//! 《招标投标法实施条例》第五十六条 (a candidate's changed circumstances are reviewed before the notice).

use bidwatch_ingest::{frame, TableName};
use bidwatch_model::{Evidence, Finding, Money, RuleCode, Severity, Subject, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::deadline::day;

#[derive(Debug)]
pub struct PostBidInterview;

const THRESHOLDS: &[Threshold] = &[
    Threshold {
        key: "min_price",
        default: "30000000",
        zh: "需要约谈的最低中标价（元）",
        en: "lowest winning price that needs the interview (yuan)",
    },
    Threshold { key: "categories", default: "[\"engineering\"]", zh: "适用的交易类型", en: "categories the policy covers" },
];

impl Rule for PostBidInterview {
    fn code(&self) -> RuleCode {
        code("INT-001")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Interviews, &["held_at"]), (TableName::Projects, &["category"])]
    }

    fn requires_any(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &["is_winner", "rank"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let min_price = ctx.policy.f64(self.code(), "min_price", 30_000_000.0);
        let categories = ctx.policy.strings(self.code(), "categories", &["engineering"]);
        let p = &ctx.views.projects;
        let mut out = RuleOutput::default();
        // (project key, bidder id) → the earliest post-bid interview (time, row)
        let mut held: std::collections::HashMap<(u32, String), (i64, u64)> = std::collections::HashMap::new();
        if let Some(df) = ctx.ds.frame(TableName::Interviews) {
            let kind = frame::strs(df, "kind");
            let subject_kind = frame::strs(df, "subject_kind");
            let subject = frame::strs(df, "subject_id");
            let project = frame::keys(df, "project_id");
            let at = frame::i64s(df, "held_at");
            let rows = frame::rows(df);
            for i in 0..df.height() {
                if kind[i].as_deref() != Some("post_bid") || subject_kind[i].as_deref() != Some("bidder") {
                    continue;
                }
                let (Some(k), Some(s), Some(t)) = (project[i], subject[i].clone(), at[i]) else { continue };
                let e = held.entry((k, s)).or_insert((t, rows[i]));
                if t < e.0 {
                    *e = (t, rows[i]);
                }
            }
        }
        for (k, bids) in ctx.views.bids.iter().enumerate() {
            if !p.category[k].as_deref().is_some_and(|c| categories.iter().any(|x| x == c)) {
                continue;
            }
            let Some(first) = bids.iter().find(|b| b.winner && !b.withdrawn()) else { continue };
            if first.price < min_price {
                continue;
            }
            let pid = p.id[k].as_str();
            let who = crate::rules::col::label_of(ctx, first.bidder);
            let interview = held.get(&(k as u32, first.bidder.to_string())).copied();
            let notice = p.award_notice_at[k];
            let fmt = |ms: i64| frame::fmt_millis(ms);
            let (severity, zh, en) = match (interview, notice) {
                (Some((t, _)), Some(n)) if t < n => continue,
                (Some(_), None) => continue,
                (Some((t, _)), Some(n)) => (
                    Severity::Violation,
                    format!("约谈在 {} 进行，晚于中标通知书（{}）", fmt(t), fmt(n)),
                    format!("the interview on {} came after the award notice ({})", fmt(t), fmt(n)),
                ),
                (None, Some(n)) => (
                    Severity::Violation,
                    format!("中标通知书已于 {} 发出，没有约谈记录", fmt(n)),
                    format!("the award notice went out on {} with no interview on record", fmt(n)),
                ),
                (None, None) => (
                    Severity::Signal,
                    "尚未约谈，应在发出中标通知书前完成".to_owned(),
                    "no interview yet: it is due before the award notice".to_owned(),
                ),
            };
            let message = Text::new(
                format!("项目 {pid}：第一中标候选人 {who} 中标价 {} 元，不低于 {} 元，须标后约谈；{zh}", Money(first.price), Money(min_price)),
                format!(
                    "project {pid}: the first candidate {who} won at {} yuan, at least {} yuan, and must be interviewed after the bid; {en}",
                    Money(first.price),
                    Money(min_price)
                ),
            );
            let mut f = Finding::new(self.code(), severity, Subject::project(pid), message)
                .in_project(pid)
                .with_members(vec![first.bidder.to_string()])
                .with_threshold("min_price", min_price)
                .with_evidence(first.evidence())
                .with_evidence(Evidence::new("projects", p.row[k]).with("project_id", pid).with("award_notice_at", notice.map(fmt)));
            if let Some((t, row)) = interview {
                f = f.with_evidence(Evidence::new("interviews", row).with("held_at", fmt(t)));
            }
            if let Some(d) = notice.and_then(day) {
                f = f.with_threshold("award_notice_day", d.to_string());
            }
            out.push(f);
        }
        out
    }
}
