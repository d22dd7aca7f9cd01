//! COL-008 投标保证金从同一账户转出 — bid bonds paid from one account.
//!
//! 《招标投标法实施条例》第四十条第（六）项：不同投标人的投标保证金从同一单位或者个人的账户转出，视为串通投标。
//! Also A's bond paid from B's own basic account.

use bidwatch_graph::LinkKind;
use bidwatch_ingest::TableName;
use bidwatch_model::RuleCode;

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::col;

#[derive(Debug)]
pub struct SameBondAccount;

const THRESHOLDS: &[Threshold] =
    &[Threshold { key: "weight", default: "1.0", zh: "该项关联的基础权重（0–1）", en: "base weight of this link (0–1)" }];

impl Rule for SameBondAccount {
    fn code(&self) -> RuleCode {
        code("COL-008")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Bids, &["bond_account"])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        col::pair_findings(ctx, self.code(), &[LinkKind::BondAccount, LinkKind::BondFromOther])
    }
}
