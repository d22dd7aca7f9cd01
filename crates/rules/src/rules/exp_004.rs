//! EXP-004 客观分不一致、评审错误 — experts who give different marks on an objective criterion, or a
//! mark outside the criterion's range.
//!
//! 《招标投标法实施条例》第七十一条第（三）项 (not scoring by the published standard and method).
//! An objective criterion (`objective = true`: price score, certificates, past contracts) has one
//! right mark for a bidder, so every expert should give the same one. For each (project, bidder,
//! objective criterion) the mark most experts gave is taken as agreed (ties: no majority); an expert
//! who gave another mark, or a mark below 0 or above `max_score` on any criterion, is reported with
//! `points` (10, the 打分错误 tier). Without a majority every expert of the item is reported.

use std::collections::BTreeMap;

use bidwatch_ingest::TableName;
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, SubjectKind, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::expert::{by_item, same_mark, NameKey, Names, Score};

#[derive(Debug)]
pub struct ObjectiveMismatch;

const THRESHOLDS: &[Threshold] =
    &[Threshold { key: "points", default: "10", zh: "每个项目的扣分", en: "points per expert and project" }];

/// Why one score is wrong.
enum Wrong {
    Differs { agreed: Option<f64> },
    OutOfRange,
}

impl Rule for ObjectiveMismatch {
    fn code(&self) -> RuleCode {
        code("EXP-004")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Evaluations, &["score"])]
    }

    fn requires_any(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Evaluations, &["objective", "max_score"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let names = Names::load(ctx);
        let c = self.code();
        let points = ctx.policy.f64(c, "points", 10.0);
        let sc = &ctx.views.scores;
        let all = &sc.rows;
        // by (expert, project), the expert as a key that orders as the name ([`NameKey`])
        let mut wrong: BTreeMap<(NameKey, usize), Vec<(&Score, Wrong)>> = BTreeMap::new();
        for s in all {
            if s.score < 0.0 || s.max.is_some_and(|m| s.score > m + 0.005) {
                wrong.entry((sc.key(s.expert), s.project as usize)).or_default().push((s, Wrong::OutOfRange));
            }
        }
        for (_, sheet) in by_item(sc, all.iter().filter(|s| s.objective == Some(true))) {
            if sheet.len() < 2 || sheet.iter().all(|s| same_mark(s.score, sheet[0].score)) {
                continue;
            }
            // the mark most experts gave, if one mark has more votes than any other
            let mut votes: Vec<(f64, usize)> = Vec::new();
            for s in &sheet {
                match votes.iter_mut().find(|(v, _)| same_mark(*v, s.score)) {
                    Some(v) => v.1 += 1,
                    None => votes.push((s.score, 1)),
                }
            }
            votes.sort_by_key(|v| std::cmp::Reverse(v.1));
            let agreed = (votes.len() == 1 || votes[0].1 > votes[1].1).then_some(votes[0].0);
            for s in sheet {
                if agreed.is_some_and(|a| same_mark(a, s.score)) {
                    continue;
                }
                // found already as out of range
                if wrong.get(&(sc.key(s.expert), s.project as usize)).is_some_and(|v| v.iter().any(|(o, _)| o.row == s.row)) {
                    continue;
                }
                wrong.entry((sc.key(s.expert), s.project as usize)).or_default().push((s, Wrong::Differs { agreed }));
            }
        }
        let mut out = RuleOutput::default();
        for ((expert, k), list) in wrong {
            let expert = sc.named(expert);
            let pid = ctx.views.projects.id[k].as_str();
            let who = names.label(expert);
            let differs = list.iter().filter(|(_, w)| matches!(w, Wrong::Differs { .. })).count();
            let range = list.len() - differs;
            let mut zh = Vec::new();
            let mut en = Vec::new();
            if differs > 0 {
                zh.push(format!("{differs} 项客观分与其他专家不一致"));
                en.push(format!("{differs} objective scores differ from the other experts'"));
            }
            if range > 0 {
                zh.push(format!("{range} 项得分超出分值范围"));
                en.push(format!("{range} scores fall outside the criterion's range"));
            }
            let message = Text::new(
                format!("评标专家 {who} 在项目 {pid}：{}", zh.join("，")),
                format!("expert {who} at project {pid}: {}", en.join(", ")),
            );
            let mut f = Finding::new(c, Severity::Violation, Subject::new(SubjectKind::Expert, expert), message)
                .in_project(pid)
                .with_points(points);
            for (s, w) in &list {
                let e = Evidence::new("evaluations", u64::from(s.row))
                    .with("bidder_id", sc.name(s.bidder))
                    .with("criterion", sc.name(s.criterion))
                    .with("score", s.score)
                    .with("max_score", s.max);
                f = f.with_evidence(match w {
                    Wrong::Differs { agreed } => e.with("agreed_score", *agreed),
                    Wrong::OutOfRange => e.with("problem", "out_of_range"),
                });
            }
            out.push(f);
        }
        out
    }
}
