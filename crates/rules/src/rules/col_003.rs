//! COL-003 计价软件加密锁号或文件创建标识码相同 — same pricing-software lock or file-creation id.
//!
//! 《招标投标法实施条例》第四十条第（一）项：不同投标人的投标文件由同一单位或者个人编制，视为串通投标。
//! A lock serial is unique to one licence; a file-creation id to one downloaded tender file.

use bidwatch_graph::LinkKind;
use bidwatch_ingest::TableName;
use bidwatch_model::RuleCode;

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::col;

#[derive(Debug)]
pub struct SameLock;

const THRESHOLDS: &[Threshold] =
    &[Threshold { key: "weight", default: "1.0", zh: "该项关联的基础权重（0–1）", en: "base weight of this link (0–1)" }];

impl Rule for SameLock {
    fn code(&self) -> RuleCode {
        code("COL-003")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &[])]
    }

    fn requires_any(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &["lock_serials", "file_create_id"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        col::pair_findings(ctx, self.code(), &[LinkKind::LockSerial, LinkKind::FileCreateId])
    }
}
