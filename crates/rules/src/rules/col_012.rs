//! COL-012 投标文件异常一致 — the same bid file, by its hash.
//!
//! 《招标投标法实施条例》第四十条第（四）项：不同投标人的投标文件异常一致，视为串通投标（政府采购：
//! 财政部令第87号第三十七条第（四）项）。Two bids whose files have the same hash are one document
//! submitted twice: the plainest case of "abnormally identical". The research catalog's fuller test
//! (near-identical paragraphs, shared typos) needs the files' text, which the contract does not
//! carry; a hash shared by many bidders (a blank template, a platform's sample) is discounted as
//! common, as other identifiers are.

use bidwatch_graph::LinkKind;
use bidwatch_ingest::TableName;
use bidwatch_model::RuleCode;

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::col;

#[derive(Debug)]
pub struct SameFile;

const THRESHOLDS: &[Threshold] =
    &[Threshold { key: "weight", default: "1.0", zh: "该项关联的基础权重（0–1）", en: "base weight of this link (0–1)" }];

impl Rule for SameFile {
    fn code(&self) -> RuleCode {
        code("COL-012")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &["doc_hash"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        col::pair_findings(ctx, self.code(), &[LinkKind::DocHash])
    }
}
