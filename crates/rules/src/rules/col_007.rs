//! COL-007 委托同一人办理投标 — the same authorised representative.
//!
//! 《招标投标法实施条例》第四十条第（二）项：不同投标人委托同一单位或者个人办理投标事宜，视为串通投标。

use bidwatch_graph::LinkKind;
use bidwatch_ingest::TableName;
use bidwatch_model::RuleCode;

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::col;

#[derive(Debug)]
pub struct SameAgent;

const THRESHOLDS: &[Threshold] =
    &[Threshold { key: "weight", default: "1.0", zh: "该项关联的基础权重（0–1）", en: "base weight of this link (0–1)" }];

impl Rule for SameAgent {
    fn code(&self) -> RuleCode {
        code("COL-007")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &["authorized_rep_id"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        col::pair_findings(ctx, self.code(), &[LinkKind::AuthorizedRep])
    }
}
