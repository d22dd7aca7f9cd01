//! COL-004 同一IP地址上传投标文件 — bids uploaded from the same public IP.
//!
//! No article names it; courts tie it to 《招标投标法实施条例》第四十条第（一）（二）项 with other
//! evidence. Private and platform addresses are never evidence; common public ones are discounted.

use bidwatch_graph::LinkKind;
use bidwatch_ingest::TableName;
use bidwatch_model::RuleCode;

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::col;

#[derive(Debug)]
pub struct SameIp;

const THRESHOLDS: &[Threshold] = &[
    Threshold { key: "weight", default: "0.4", zh: "该项关联的基础权重（0–1）", en: "base weight of this link (0–1)" },
    Threshold {
        key: "ignore_ips",
        default: "[]",
        zh: "平台自身（交易中心、开标大厅）的IP，不作证据",
        en: "the platform's own IPs (trading hall), never evidence",
    },
];

impl Rule for SameIp {
    fn code(&self) -> RuleCode {
        code("COL-004")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &["upload_ip"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        col::pair_findings(ctx, self.code(), &[LinkKind::UploadIp])
    }
}
