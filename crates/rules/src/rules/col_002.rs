//! COL-002 编制/上传计算机硬件信息相同 — same authoring or uploading machine.
//!
//! 《招标投标法实施条例》第四十条第（一）项：不同投标人的投标文件由同一单位或者个人编制，视为串通投标。
//! The same machine code is presumed; the same MAC alone is a signal (one hardware field is strong
//! suspicion, not proof).

use bidwatch_graph::LinkKind;
use bidwatch_ingest::TableName;
use bidwatch_model::RuleCode;

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::col;

#[derive(Debug)]
pub struct SameMachine;

const THRESHOLDS: &[Threshold] = &[
    Threshold { key: "machine_code_weight", default: "1.0", zh: "机器码相同的权重", en: "weight of the same machine code" },
    Threshold { key: "mac_weight", default: "0.5", zh: "仅MAC地址相同的权重", en: "weight of the same MAC alone" },
];

impl Rule for SameMachine {
    fn code(&self) -> RuleCode {
        code("COL-002")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &[])]
    }

    fn requires_any(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &["machine_code", "upload_mac"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        col::pair_findings(ctx, self.code(), &[LinkKind::MachineCode, LinkKind::Mac])
    }
}
