//! POL-002 约谈告知 — no deduction takes effect without an interview notice before it.
//!
//! The bureau's policy (the issue's "an interview notice is due before any deduction takes
//! effect"), within 《招标投标法实施条例》第七十八条's credit system: every ledger deduction of a
//! bidder, expert or agent is preceded by a prior-notice interview (`interviews`, kind
//! `prior_notice`) of the same subject, at most `notice_window_days` before it. An effective
//! deduction without one is a violation of the procedure; a pending one without one is a signal
//! (the notice is due before it takes effect). One finding per deduction.
//!
//! And the level: when a subject's live score (POL-003's validity window) reaches its notice level
//! — bidder 6, expert 10, agent 21 points — a notice is due; without one within
//! `notice_window_days` of the crossing, a signal. Once per crossing; the level re-arms when the
//! score falls back below it.
//!
//! And this run's own findings: a finding with points (EXP, AGT, ATT rules) is a deduction the
//! bureau may record; a subject with such findings and no notice since the earliest of them (less
//! the window) is due one first — one signal per subject with the points proposed. This part reads
//! the other rules' findings, so POL-002 runs in the second pass.

use bidwatch_ingest::{frame::fmt_millis, TableName};
use bidwatch_model::{Finding, RuleCode, Severity, Subject, SubjectKind, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::ledger::{as_of, by_subject, counted, crossings, ledger_evidence, Entry, DAY_MS};

#[derive(Debug)]
pub struct NoticeBeforeDeduction;

const THRESHOLDS: &[Threshold] = &[
    Threshold {
        key: "notice_window_days",
        default: "90",
        zh: "约谈告知早于扣分、或晚于达到约谈线的最长天数",
        en: "longest time a notice may precede a deduction, or follow a crossing of the notice level, in days",
    },
    Threshold { key: "bidder_level", default: "6", zh: "投标人约谈线（有效记分）", en: "bidder notice level (live points)" },
    Threshold {
        key: "expert_level", default: "10", zh: "评标专家约谈线（有效记分）", en: "expert notice level (live points)"
    },
    Threshold {
        key: "agent_level", default: "21", zh: "代理机构约谈线（有效扣分）", en: "agent notice level (live points deducted)"
    },
];

/// A subject's findings with points, each with the time of its project.
type Proposed<'a> = Vec<(&'a Finding, Option<i64>)>;

type Notices = std::collections::BTreeMap<(String, String), Vec<(i64, u64)>>;

impl NoticeBeforeDeduction {
    /// A live score that reached the subject's notice level calls for a notice (once per crossing,
    /// re-armed when the score falls back): a signal when no prior notice follows within the window.
    fn crossings(&self, ctx: &Context<'_>, all: &[Entry], notices: &Notices) -> Vec<Finding> {
        let c = self.code();
        let window = ctx.policy.f64(c, "notice_window_days", 90.0) as i64;
        // the validity of points is POL-003's setting: one window for both levels
        let validity = ctx.policy.f64(code("POL-003"), "validity_days", 365.0) as i64;
        let Some(now) = as_of(all, notices) else { return Vec::new() };
        let mut out = Vec::new();
        for ((kind, id), list) in by_subject(all) {
            let level = match kind {
                "bidder" => ctx.policy.f64(c, "bidder_level", 6.0),
                "expert" => ctx.policy.f64(c, "expert_level", 10.0),
                "agent" => ctx.policy.f64(c, "agent_level", 21.0),
                _ => continue,
            };
            let given = notices.get(&(kind.to_owned(), id.to_owned()));
            for (t, score) in crossings(&list, level, validity, now) {
                if given.is_some_and(|v| v.iter().any(|(n, _)| *n >= t - window * DAY_MS && *n <= t + window * DAY_MS)) {
                    continue;
                }
                let message = Text::new(
                    format!(
                        "{} {id} 有效记分于 {} 达到 {score} 分（约谈线 {level} 分），没有约谈告知记录",
                        kind_label(kind, true),
                        fmt_millis(t)
                    ),
                    format!(
                        "{} {id}'s live score reached {score} points on {} (notice level {level}) and no interview notice is on record",
                        kind_label(kind, false),
                        fmt_millis(t)
                    ),
                );
                let mut f = Finding::new(c, Severity::Signal, subject(kind, id), message)
                    .with_threshold("level", level)
                    .with_threshold("live_score", score)
                    .with_threshold("crossed_at", fmt_millis(t))
                    .with_threshold("notice_window_days", window as u64);
                for e in counted(&list, t, validity) {
                    f = f.with_evidence(ledger_evidence(e));
                }
                out.push(f);
            }
        }
        out
    }
}

pub(crate) fn subject(kind: &str, id: &str) -> Subject {
    let kind = match kind {
        "expert" => SubjectKind::Expert,
        "agent" => SubjectKind::Agent,
        "person" => SubjectKind::Person,
        _ => SubjectKind::Bidder,
    };
    Subject::new(kind, id)
}

pub(crate) fn kind_label(kind: &str, zh: bool) -> &str {
    match (kind, zh) {
        ("bidder", true) => "投标人",
        ("expert", true) => "评标专家",
        ("agent", true) => "代理机构",
        ("person", true) => "人员",
        (k, _) => k,
    }
}

impl Rule for NoticeBeforeDeduction {
    fn code(&self) -> RuleCode {
        code("POL-002")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        // the ledger is optional: without it, only this run's proposed deductions are judged
        &[(TableName::Interviews, &["held_at"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn after_findings(&self) -> bool {
        true
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let window = ctx.policy.f64(self.code(), "notice_window_days", 90.0) as i64;
        let notices = &ctx.views.notices;
        let mut out = RuleOutput::default();
        let all = &ctx.views.ledger;
        for e in all.iter().cloned() {
            if e.status == "revoked" || !matches!(e.subject_kind.as_str(), "bidder" | "expert" | "agent") {
                continue;
            }
            let key = (e.subject_kind.clone(), e.subject_id.clone());
            let prior = notices.get(&key).and_then(|v| v.iter().rev().find(|(t, _)| *t <= e.at && *t >= e.at - window * DAY_MS));
            if prior.is_some() {
                continue;
            }
            let effective = e.status == "effective";
            let who = (kind_label(&e.subject_kind, true), kind_label(&e.subject_kind, false));
            let message = if effective {
                Text::new(
                    format!(
                        "{} {} 因 {} 扣 {} 分，于 {} 生效，此前 {window} 天内没有约谈告知记录",
                        who.0,
                        e.subject_id,
                        e.rule_code,
                        e.points,
                        fmt_millis(e.at)
                    ),
                    format!(
                        "{} {} lost {} points for {}, effective {}, with no interview notice in the {window} days before",
                        who.1,
                        e.subject_id,
                        e.points,
                        e.rule_code,
                        fmt_millis(e.at)
                    ),
                )
            } else {
                Text::new(
                    format!("{} {} 因 {} 拟扣 {} 分（待生效），生效前须先约谈告知", who.0, e.subject_id, e.rule_code, e.points),
                    format!(
                        "{} {} faces a pending deduction of {} points for {}: the interview notice is due before it takes effect",
                        who.1, e.subject_id, e.points, e.rule_code
                    ),
                )
            };
            let severity = if effective { Severity::Violation } else { Severity::Signal };
            out.push(
                Finding::new(self.code(), severity, subject(&e.subject_kind, &e.subject_id), message)
                    .with_threshold("notice_window_days", window as u64)
                    .with_evidence(ledger_evidence(&e)),
            );
        }
        out.extend(self.crossings(ctx, all, notices));
        out.extend(self.proposed(ctx, all, notices));
        out
    }
}

impl NoticeBeforeDeduction {
    /// This run's findings that carry points are deductions the bureau may record: each subject
    /// with such findings and no prior notice since the earliest of them (less the window) is due
    /// one before any of them takes effect — one signal per subject, with the total proposed.
    /// Deductions already in the ledger (same subject and rule) are judged as ledger rows.
    fn proposed(&self, ctx: &Context<'_>, all: &[Entry], notices: &Notices) -> Vec<Finding> {
        let window = ctx.policy.f64(self.code(), "notice_window_days", 90.0) as i64;
        let p = &ctx.views.projects;
        let mut by_subject: std::collections::BTreeMap<(&str, &str), Proposed<'_>> = std::collections::BTreeMap::new();
        // (subject kind, subject, rule) of every ledger row: one lookup per finding, not a scan
        let recorded: std::collections::HashSet<(&str, &str, &str)> =
            all.iter().map(|e| (e.subject_kind.as_str(), e.subject_id.as_str(), e.rule_code.as_str())).collect();
        for f in ctx.prior.iter().filter(|f| f.points.is_some()) {
            let kind = f.subject.kind.as_str();
            if !matches!(kind, "bidder" | "expert" | "agent") {
                continue;
            }
            if recorded.contains(&(kind, f.subject.id.as_str(), f.code.to_string().as_str())) {
                continue;
            }
            let k = f.project_id.as_deref().and_then(|id| ctx.ds.projects.get(id)).map(|k| k as usize);
            let at = k.and_then(|k| p.opened_at[k].or(p.published_at[k]));
            by_subject.entry((kind, f.subject.id.as_str())).or_default().push((f, at));
        }
        let mut out = Vec::new();
        for ((kind, id), list) in by_subject {
            let earliest = list.iter().filter_map(|(_, t)| *t).min();
            let given = notices.get(&(kind.to_owned(), id.to_owned()));
            if given.is_some_and(|v| v.iter().any(|(n, _)| earliest.is_none_or(|e| *n >= e - window * DAY_MS))) {
                continue;
            }
            let total: f64 = list.iter().filter_map(|(f, _)| f.points).sum();
            let mut codes: Vec<String> = list.iter().map(|(f, _)| f.code.to_string()).collect();
            codes.sort();
            codes.dedup();
            let message = Text::new(
                format!(
                    "{} {id} 本次检出 {} 项应扣分事项（{}），合计 {total} 分；记分前须先约谈告知",
                    kind_label(kind, true),
                    list.len(),
                    codes.join("、")
                ),
                format!(
                    "{} {id}: this run found {} deductible event(s) ({}), {total} points in all; an interview notice is due before they are recorded",
                    kind_label(kind, false),
                    list.len(),
                    codes.join(", ")
                ),
            );
            let mut f = Finding::new(self.code(), Severity::Signal, subject(kind, id), message)
                .with_threshold("proposed_points", total)
                .with_threshold("case", "proposed")
                .with_projects(list.iter().filter_map(|(f, _)| f.project_id.clone()).collect());
            for (g, _) in &list {
                for e in g.evidence.iter().take(1) {
                    f = f.with_evidence(e.clone().with("rule_code", g.code.to_string()).with("points", g.points));
                }
            }
            out.push(f);
        }
        out
    }
}
