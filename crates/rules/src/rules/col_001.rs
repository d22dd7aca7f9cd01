//! COL-001 同一单位负责人或存在控股关系 — same legal representative, or a control relation.
//!
//! 《招标投标法实施条例》第三十四条第二款：单位负责人为同一人或者存在控股、管理关系的不同单位，不得参加同一标段投标……相关投标均无效。
//! Pairs: the same `legal_rep_id`; one firm holding more than `control_pct` % (or 实际控制人) of the
//! other; one holder controlling both.

use bidwatch_graph::LinkKind;
use bidwatch_ingest::TableName;
use bidwatch_model::RuleCode;

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::col;

#[derive(Debug)]
pub struct SameOwner;

const THRESHOLDS: &[Threshold] = &[
    Threshold {
        key: "control_pct", default: "50", zh: "持股超过该比例视为控股（%）", en: "a holding above this share controls (%)"
    },
    Threshold { key: "weight", default: "1.0", zh: "该项关联的基础权重（0–1）", en: "base weight of this link (0–1)" },
];

impl Rule for SameOwner {
    fn code(&self) -> RuleCode {
        code("COL-001")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bidders, &[])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        col::pair_findings(ctx, self.code(), &[LinkKind::LegalRep, LinkKind::Controller])
    }
}
