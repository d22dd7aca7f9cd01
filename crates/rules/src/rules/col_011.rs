//! COL-011 有共同的自然人股东 — a natural-person shareholder in common.
//!
//! Evidence for 《招标投标法实施条例》第三十九条第（五）项; 第三十四条 covers only control, which is
//! COL-001.

use bidwatch_graph::LinkKind;
use bidwatch_ingest::TableName;
use bidwatch_model::RuleCode;

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::col;

#[derive(Debug)]
pub struct SharedHolder;

const THRESHOLDS: &[Threshold] =
    &[Threshold { key: "weight", default: "0.5", zh: "该项关联的基础权重（0–1）", en: "base weight of this link (0–1)" }];

impl Rule for SharedHolder {
    fn code(&self) -> RuleCode {
        code("COL-011")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Shareholders, &[])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        col::pair_findings(ctx, self.code(), &[LinkKind::SharedHolder])
    }
}
