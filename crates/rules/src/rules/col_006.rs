//! COL-006 项目管理成员为同一人 — the same person among both bids' staff.
//!
//! 《招标投标法实施条例》第四十条第（三）项：不同投标人的投标文件载明的项目管理成员为同一人，视为串通投标；
//! 财政部令第87号第三十七条第（三）项 (项目管理成员或者联系人员为同一人).

use bidwatch_graph::LinkKind;
use bidwatch_ingest::TableName;
use bidwatch_model::RuleCode;

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::col;

#[derive(Debug)]
pub struct SameStaff;

const THRESHOLDS: &[Threshold] =
    &[Threshold { key: "weight", default: "1.0", zh: "该项关联的基础权重（0–1）", en: "base weight of this link (0–1)" }];

impl Rule for SameStaff {
    fn code(&self) -> RuleCode {
        code("COL-006")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::BidPersonnel, &[])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        col::pair_findings(ctx, self.code(), &[LinkKind::Personnel])
    }
}
