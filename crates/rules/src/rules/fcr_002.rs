//! FCR-002 以特定行政区域或者特定行业的业绩、奖项作为加分条件或者中标条件 — Regional or industry performance or awards as a scoring or winning condition.
//!
//! 《招标投标法实施条例》第三十二条第二款第（三）项；《政府采购法实施条例》第二十条第（四）项. A clause of the tender document (`clauses`) that matches one of
//! `patterns` and none of `exceptions` (regular expressions in `rules/policy.toml`, which a bureau
//! extends). A signal: the reviewer decides.

use crate::rules::fcr::PatternRule;

pub const REGIONAL_AWARDS: PatternRule = PatternRule {
    code: "FCR-002",
    why_zh: "以特定区域或行业的业绩、奖项作为加分或中标条件",
    why_en: "regional or industry performance or awards are made a scoring or winning condition",
};
