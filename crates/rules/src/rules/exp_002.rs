//! EXP-002 评标专家迟到、缺席 — an expert late for, or absent from, an evaluation.
//!
//! 《招标投标法实施条例》第七十一条第（二）项 (擅离职守, by analogy) and the provinces' expert
//! tables: lateness = `checked_in_at` − `scheduled_at` in whole minutes. Tiers (a province's table,
//! as data in `rules/policy.toml`): up to `tier1_minutes` (10) deducts `tier1_points` (5), up to
//! `tier2_minutes` (20) `tier2_points` (10), beyond that `late_points` (20); an expert marked absent
//! (`status = absent`) deducts `absent_points` (30). A row marked late without times is late by an
//! unknown margin and takes the first tier. Recused experts are not judged.

use bidwatch_ingest::{frame, TableName};
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, SubjectKind, Text};
use itertools::izip;

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};

#[derive(Debug)]
pub struct LateOrAbsent;

const THRESHOLDS: &[Threshold] = &[
    Threshold { key: "tier1_minutes", default: "10", zh: "第一档迟到上限（分钟）", en: "first lateness tier, up to (minutes)" },
    Threshold { key: "tier1_points", default: "5", zh: "第一档扣分", en: "points for the first tier" },
    Threshold { key: "tier2_minutes", default: "20", zh: "第二档迟到上限（分钟）", en: "second lateness tier, up to (minutes)" },
    Threshold { key: "tier2_points", default: "10", zh: "第二档扣分", en: "points for the second tier" },
    Threshold { key: "late_points", default: "20", zh: "超过第二档的迟到扣分", en: "points for lateness beyond the second tier" },
    Threshold { key: "absent_points", default: "30", zh: "确认参加后缺席扣分", en: "points for an absence after confirming" },
];

impl Rule for LateOrAbsent {
    fn code(&self) -> RuleCode {
        code("EXP-002")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::ExpertAssignments, &[])]
    }

    fn requires_any(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::ExpertAssignments, &["checked_in_at", "status"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let names = crate::rules::expert::Names::load(ctx);
        let c = self.code();
        let t1 = ctx.policy.f64(c, "tier1_minutes", 10.0);
        let p1 = ctx.policy.f64(c, "tier1_points", 5.0);
        let t2 = ctx.policy.f64(c, "tier2_minutes", 20.0);
        let p2 = ctx.policy.f64(c, "tier2_points", 10.0);
        let p3 = ctx.policy.f64(c, "late_points", 20.0);
        let pa = ctx.policy.f64(c, "absent_points", 30.0);
        let mut out = RuleOutput::default();
        let Some(df) = ctx.ds.frame(TableName::ExpertAssignments) else { return out };
        let cells = izip!(
            frame::key_iter(df, "project_id"),
            frame::str_iter(df, "expert_id"),
            frame::i64_iter(df, "scheduled_at"),
            frame::i64_iter(df, "checked_in_at"),
            frame::str_iter(df, "status"),
            frame::row_iter(df)
        );
        for (k, expert, scheduled, checked, st, row) in cells {
            let (Some(k), Some(id)) = (k, expert) else { continue };
            if st == Some("recused") {
                continue;
            }
            let minutes = match (scheduled, checked) {
                (Some(s), Some(t)) if t > s => Some((t - s) / 60_000),
                _ => None,
            };
            let pid = ctx.views.projects.id[k as usize].as_str();
            let who = names.label(id);
            let (points, zh, en) = if st == Some("absent") {
                (pa, "确认参加后缺席".to_owned(), "absent after confirming".to_owned())
            } else if let Some(m) = minutes.filter(|m| *m >= 1) {
                let p = if m as f64 <= t1 {
                    p1
                } else if m as f64 <= t2 {
                    p2
                } else {
                    p3
                };
                (p, format!("迟到 {m} 分钟"), format!("{m} minutes late"))
            } else if st == Some("late") {
                (p1, "标记为迟到，缺少签到时间".to_owned(), "marked late, with no check-in time".to_owned())
            } else {
                continue;
            };
            let message = Text::new(
                format!("评标专家 {who} 在项目 {pid} {zh}，按专家记分表扣 {points} 分"),
                format!("expert {who} was {en} at project {pid}; the expert table deducts {points} points"),
            );
            let fmt = |v: Option<i64>| v.map(frame::fmt_millis);
            out.push(
                Finding::new(c, Severity::Violation, Subject::new(SubjectKind::Expert, id), message)
                    .in_project(pid)
                    .with_points(points)
                    .with_threshold("minutes_late", minutes.map(|m| m as f64))
                    .with_evidence(
                        Evidence::new("expert_assignments", row)
                            .with("expert_id", id)
                            .with("scheduled_at", fmt(scheduled))
                            .with("checked_in_at", fmt(checked))
                            .with("status", st.map(str::to_owned)),
                    ),
            );
        }
        out
    }
}
