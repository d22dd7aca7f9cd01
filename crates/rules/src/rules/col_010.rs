//! COL-010 联系电话、邮箱或地址相同 — the same phone, e-mail or office address.
//!
//! Evidence for 《招标投标法实施条例》第三十九条第（五）项 and 第四十条第（二）项. Each detail weighs
//! `weight`; together at most `cap`.

use bidwatch_graph::LinkKind;
use bidwatch_ingest::TableName;
use bidwatch_model::RuleCode;

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::col;

#[derive(Debug)]
pub struct SameContact;

const THRESHOLDS: &[Threshold] = &[
    Threshold { key: "weight", default: "0.3", zh: "每项联系方式的权重", en: "weight of each contact detail" },
    Threshold { key: "cap", default: "0.6", zh: "联系方式合计的上限", en: "cap of the contact details together" },
];

impl Rule for SameContact {
    fn code(&self) -> RuleCode {
        code("COL-010")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bidders, &[])]
    }

    fn requires_any(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bidders, &["phone", "email", "address"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        col::pair_findings(ctx, self.code(), &[LinkKind::Phone, LinkKind::Email, LinkKind::Address])
    }
}
