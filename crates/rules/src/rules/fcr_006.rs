//! FCR-006 对投标人实行差别待遇 — Different treatment of bidders.
//!
//! 《招标投标法实施条例》第三十二条第二款第（一）（四）项；《政府采购法实施条例》第二十条第（一）（五）项. A clause of the tender document (`clauses`) that matches one of
//! `patterns` and none of `exceptions` (regular expressions in `rules/policy.toml`, which a bureau
//! extends). A signal: the reviewer decides.

use crate::rules::fcr::PatternRule;

pub const UNEQUAL_TREATMENT: PatternRule = PatternRule {
    code: "FCR-006",
    why_zh: "对本地与外地投标人采用不同的条件或标准",
    why_en: "local and outside bidders are held to different conditions or standards",
};
