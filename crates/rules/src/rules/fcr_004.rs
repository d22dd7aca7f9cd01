//! FCR-004 限定投标人的所有制形式或者组织形式 — Limiting ownership or organisation form.
//!
//! 《招标投标法实施条例》第三十二条第二款第（六）项；《政府采购法实施条例》第二十条第（七）项. A clause of the tender document (`clauses`) that matches one of
//! `patterns` and none of `exceptions` (regular expressions in `rules/policy.toml`, which a bureau
//! extends). A signal: the reviewer decides.

use bidwatch_ingest::TableName;
use bidwatch_model::{RuleCode, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::fcr;

#[derive(Debug)]
pub struct OwnershipForm;

const THRESHOLDS: &[Threshold] = &[
    Threshold {
        key: "patterns",
        default: "[]",
        zh: "命中即提示的表达式（正则）",
        en: "expressions that flag a clause (regular expressions)",
    },
    Threshold {
        key: "exceptions",
        default: "[]",
        zh: "命中则视为合法表述的表达式",
        en: "expressions that make a clause a legitimate look-alike",
    },
];

impl Rule for OwnershipForm {
    fn code(&self) -> RuleCode {
        code("FCR-004")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Clauses, &[])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let why = Text::new("限定所有制形式或组织形式，排斥其他潜在投标人", "the ownership or organisation form of bidders is limited");
        fcr::pattern_rule(ctx, self.code(), &why)
    }
}
