//! FCR-004 限定投标人的所有制形式或者组织形式 — Limiting ownership or organisation form.
//!
//! 《招标投标法实施条例》第三十二条第二款第（六）项；《政府采购法实施条例》第二十条第（七）项. A clause of the tender document (`clauses`) that matches one of
//! `patterns` and none of `exceptions` (regular expressions in `rules/policy.toml`, which a bureau
//! extends). A signal: the reviewer decides.

use crate::rules::fcr::PatternRule;

pub const OWNERSHIP_FORM: PatternRule = PatternRule {
    code: "FCR-004",
    why_zh: "限定所有制形式或组织形式，排斥其他潜在投标人",
    why_en: "the ownership or organisation form of bidders is limited",
};
