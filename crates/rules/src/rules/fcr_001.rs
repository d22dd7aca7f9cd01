//! FCR-001 限定或者指定特定的专利、商标、品牌、原产地或者供应商 — Naming a brand, patent, trademark, origin or supplier.
//!
//! 《招标投标法实施条例》第三十二条第二款第（五）项；《政府采购法实施条例》第二十条第（六）项. A clause of the tender document (`clauses`) that matches one of
//! `patterns` and none of `exceptions` (regular expressions in `rules/policy.toml`, which a bureau
//! extends). A signal: the reviewer decides.

use crate::rules::fcr::PatternRule;

pub const NAMED_BRAND: PatternRule = PatternRule {
    code: "FCR-001",
    why_zh: "条款指向特定品牌、专利、商标、原产地或供应商，限制、排斥其他潜在投标人",
    why_en: "the clause points to a particular brand, patent, trademark, origin or supplier, shutting out other bidders",
};
