//! FCR-003 要求在本地注册或设立分支机构、办公场所 — Local registration, branch or office required to bid.
//!
//! 《招标投标法实施条例》第三十二条第二款第（七）项；《政府采购法实施条例》第二十条第（七）项. A clause of the tender document (`clauses`) that matches one of
//! `patterns` and none of `exceptions` (regular expressions in `rules/policy.toml`, which a bureau
//! extends). A signal: the reviewer decides.

use bidwatch_ingest::TableName;
use bidwatch_model::{RuleCode, Text};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};
use crate::rules::fcr;

#[derive(Debug)]
pub struct LocalPresence;

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

impl Rule for LocalPresence {
    fn code(&self) -> RuleCode {
        code("FCR-003")
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Clauses, &[])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        let why = Text::new(
            "以本地注册或设立机构作为投标条件，排斥外地投标人",
            "local registration or a local branch is made a condition of bidding, shutting out bidders from elsewhere",
        );
        fcr::pattern_rule(ctx, self.code(), &why)
    }
}
