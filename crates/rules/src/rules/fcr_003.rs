//! FCR-003 要求在本地注册或设立分支机构、办公场所 — Local registration, branch or office required to bid.
//!
//! 《招标投标法实施条例》第三十二条第二款第（七）项；《政府采购法实施条例》第二十条第（七）项. A clause of the tender document (`clauses`) that matches one of
//! `patterns` and none of `exceptions` (regular expressions in `rules/policy.toml`, which a bureau
//! extends). A signal: the reviewer decides.

use crate::rules::fcr::PatternRule;

pub const LOCAL_PRESENCE: PatternRule = PatternRule {
    code: "FCR-003",
    why_zh: "以本地注册或设立机构作为投标条件，排斥外地投标人",
    why_en: "local registration or a local branch is made a condition of bidding, shutting out bidders from elsewhere",
};
