//! FCR-006 对投标人实行差别待遇 — Different treatment of bidders.
//!
//! 《招标投标法实施条例》第三十二条第二款第（一）（四）项；《政府采购法实施条例》第二十条第（一）（五）项. A clause of the tender document (`clauses`) that matches one of
//! `patterns` and none of `exceptions` (regular expressions in `rules/policy.toml`, which a bureau
//! extends). A signal: the reviewer decides.

use bidwatch_ingest::TableName;
use bidwatch_model::{RuleCode, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::fcr;

#[derive(Debug)]
pub struct UnequalTreatment;

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

impl Rule for UnequalTreatment {
    fn code(&self) -> RuleCode {
        code("FCR-006")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Clauses, &[])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let why =
            Text::new("对本地与外地投标人采用不同的条件或标准", "local and outside bidders are held to different conditions or standards");
        fcr::pattern_rule(ctx, self.code(), &why)
    }
}
