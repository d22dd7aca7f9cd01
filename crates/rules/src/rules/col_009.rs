//! COL-009 社保缴纳人员交叉 — a person in one bid insured by the other bidder.
//!
//! Evidence for 《招标投标法实施条例》第四十条第（三）项 and 第四十二条: a person named in A's bid had
//! social insurance paid by B, a bidder of the same project, in the bid's month or the months before.

use bidwatch_graph::LinkKind;
use bidwatch_ingest::TableName;
use bidwatch_model::RuleCode;

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::col;

#[derive(Debug)]
pub struct CrossEmployment;

const THRESHOLDS: &[Threshold] = &[
    Threshold { key: "weight", default: "0.7", zh: "该项关联的基础权重（0–1）", en: "base weight of this link (0–1)" },
    Threshold { key: "lookback_months", default: "3", zh: "向前追溯的社保月数", en: "months of social insurance looked back" },
];

impl Rule for CrossEmployment {
    fn code(&self) -> RuleCode {
        code("COL-009")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::BidPersonnel, &[]), (TableName::Employment, &[])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        col::pair_findings(ctx, self.code(), &[LinkKind::Employment])
    }
}
