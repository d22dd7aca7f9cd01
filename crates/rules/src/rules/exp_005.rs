//! EXP-005 评分雷同 — several experts of one committee who give identical subjective scores to every
//! bidder.
//!
//! 《招标投标法实施条例》第四十九条 (each member scores independently) and 第七十一条第（八）项.
//! For each project, an expert's sheet is the vector of subjective scores (`objective` not true) over
//! every (bidder, criterion) the committee marked. At least `min_experts` (3) experts with the same
//! sheet to the cent, over at least `min_bidders` (2) bidders and with at least two distinct marks
//! in it (a sheet of full marks everywhere says nothing), is reported on the project with the experts
//! as members. A signal: the audit pattern of one expert's sheet copied by the others.

use std::collections::BTreeMap;

use bidwatch_ingest::TableName;
use bidwatch_model::grouped::Grouped;
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::expert::{NameKey, Names};

/// One expert's sheet: (bidder, criterion) → (mark in cents, row); names as keys that order as
/// their text.
type Sheet = BTreeMap<(NameKey, NameKey), (i64, u64)>;
/// The marks of a sheet in item order, without the rows.
type Marks = Vec<((NameKey, NameKey), i64)>;

#[derive(Debug)]
pub struct CopiedSheets;

const THRESHOLDS: &[Threshold] = &[
    Threshold { key: "min_experts", default: "3", zh: "评分完全相同的最少专家数", en: "fewest experts with identical sheets" },
    Threshold { key: "min_bidders", default: "2", zh: "评分表覆盖的最少投标人数", en: "fewest bidders the sheets cover" },
];

impl Rule for CopiedSheets {
    fn code(&self) -> RuleCode {
        code("EXP-005")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Evaluations, &["score"])]
    }

    /// A long pass: every score sheet, compared expert with expert.
    fn long(&self) -> bool {
        true
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let names = Names::load(ctx);
        let c = self.code();
        let min_experts = ctx.policy.f64(c, "min_experts", 3.0) as usize;
        let min_bidders = ctx.policy.f64(c, "min_bidders", 2.0) as usize;
        let sc = &ctx.views.scores;
        // A project at a time: the sheets of every project at once (13.5 M scores at 10M bids, in
        // nested maps) held 1.4 GB.
        let subjective = sc.rows.iter().enumerate().filter(|(_, s)| s.objective != Some(true)).map(|(i, s)| (s.project, i as u32));
        let by_project = Grouped::by_key(ctx.views.projects.id.len(), subjective);
        let mut out = RuleOutput::default();
        for (k, rows) in by_project.iter().enumerate() {
            let mut experts: BTreeMap<NameKey, Sheet> = BTreeMap::new();
            for s in rows.iter().map(|&i| &sc.rows[i as usize]) {
                experts
                    .entry(sc.key(s.expert))
                    .or_default()
                    .insert((sc.key(s.bidder), sc.key(s.criterion)), ((s.score * 100.0).round() as i64, u64::from(s.row)));
            }
            // experts by identical sheet (the marks only, in item order)
            let mut same: BTreeMap<Marks, Vec<NameKey>> = BTreeMap::new();
            for (e, sheet) in &experts {
                same.entry(sheet.iter().map(|(item, (v, _))| (*item, *v)).collect()).or_default().push(*e);
            }
            for (sheet, group) in same {
                let bidders: std::collections::BTreeSet<NameKey> = sheet.iter().map(|((b, _), _)| *b).collect();
                let marks: std::collections::BTreeSet<i64> = sheet.iter().map(|(_, v)| *v).collect();
                if group.len() < min_experts || bidders.len() < min_bidders || marks.len() < 2 {
                    continue;
                }
                let pid = ctx.views.projects.id[k].as_str();
                let names: Vec<String> = group.iter().map(|e| names.label(sc.named(*e))).collect();
                let message = Text::new(
                    format!(
                        "项目 {pid}：{} 名评标专家（{}）对 {} 个投标人的 {} 项主观分完全相同",
                        group.len(),
                        names.join("、"),
                        bidders.len(),
                        sheet.len()
                    ),
                    format!(
                        "project {pid}: {} experts ({}) gave identical subjective scores on all {} items of {} bidders",
                        group.len(),
                        names.join(", "),
                        sheet.len(),
                        bidders.len()
                    ),
                );
                let mut f = Finding::new(c, Severity::Signal, Subject::project(pid), message)
                    .in_project(pid)
                    .with_members(group.iter().map(|e| sc.named(*e).to_owned()).collect())
                    .with_threshold("min_experts", min_experts as u64)
                    .with_threshold("items", sheet.len() as u64);
                // the first bidder's rows of every expert: enough to show the copy
                let first = sheet[0].0;
                for e in &group {
                    if let Some((v, row)) = experts[e].get(&first) {
                        f = f.with_evidence(
                            Evidence::new("evaluations", *row)
                                .with("expert_id", sc.named(*e))
                                .with("bidder_id", sc.named(first.0))
                                .with("criterion", sc.named(first.1))
                                .with("score", *v as f64 / 100.0),
                        );
                    }
                }
                out.push(f);
            }
        }
        out
    }
}
