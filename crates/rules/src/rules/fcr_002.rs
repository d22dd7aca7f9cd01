//! FCR-002 以特定行政区域或者特定行业的业绩、奖项作为加分条件或者中标条件 — Regional or industry performance or awards as a scoring or winning condition.
//!
//! 《招标投标法实施条例》第三十二条第二款第（三）项；《政府采购法实施条例》第二十条第（四）项. A clause of the tender document (`clauses`) that matches one of
//! `patterns` and none of `exceptions` (regular expressions in `rules/policy.toml`, which a bureau
//! extends). A signal: the reviewer decides.

use bidwatch_ingest::TableName;
use bidwatch_model::{RuleCode, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::fcr;

#[derive(Debug)]
pub struct RegionalAwards;

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

impl Rule for RegionalAwards {
    fn code(&self) -> RuleCode {
        code("FCR-002")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Clauses, &[])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let why = Text::new(
            "以特定区域或行业的业绩、奖项作为加分或中标条件",
            "regional or industry performance or awards are made a scoring or winning condition",
        );
        fcr::pattern_rule(ctx, self.code(), &why)
    }
}
