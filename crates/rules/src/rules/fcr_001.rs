//! FCR-001 限定或者指定特定的专利、商标、品牌、原产地或者供应商 — Naming a brand, patent, trademark, origin or supplier.
//!
//! 《招标投标法实施条例》第三十二条第二款第（五）项；《政府采购法实施条例》第二十条第（六）项. A clause of the tender document (`clauses`) that matches one of
//! `patterns` and none of `exceptions` (regular expressions in `rules/policy.toml`, which a bureau
//! extends). A signal: the reviewer decides.

use bidwatch_ingest::TableName;
use bidwatch_model::{RuleCode, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::fcr;

#[derive(Debug)]
pub struct NamedBrand;

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

impl Rule for NamedBrand {
    fn code(&self) -> RuleCode {
        code("FCR-001")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Clauses, &[])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let why = Text::new(
            "条款指向特定品牌、专利、商标、原产地或供应商，限制、排斥其他潜在投标人",
            "the clause points to a particular brand, patent, trademark, origin or supplier, shutting out other bidders",
        );
        fcr::pattern_rule(ctx, self.code(), &why)
    }
}
