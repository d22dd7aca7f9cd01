//! COL-005 投标文件作者相同 — same document author.
//!
//! 《招标投标法实施条例》第四十条第（一）项 (as evidence of one preparer). Generic values (Administrator,
//! 微软用户, user, and near spellings) name no one and are dropped.

use bidwatch_graph::LinkKind;
use bidwatch_ingest::TableName;
use bidwatch_model::RuleCode;

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::col;

#[derive(Debug)]
pub struct SameAuthor;

const THRESHOLDS: &[Threshold] = &[
    Threshold { key: "weight", default: "0.5", zh: "该项关联的基础权重（0–1）", en: "base weight of this link (0–1)" },
    Threshold {
        key: "generic_authors",
        default: "[\"Administrator\", \"admin\", \"user\", \"微软用户\", \"微软中国\", \"Microsoft\", \"Windows 用户\", \"Windows User\"]",
        zh: "不指向任何人的通用作者名",
        en: "generic author names that name no one",
    },
];

impl Rule for SameAuthor {
    fn code(&self) -> RuleCode {
        code("COL-005")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &["doc_author"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        col::pair_findings(ctx, self.code(), &[LinkKind::DocAuthor])
    }
}
