//! DEP-002 政府采购投标保证金退还期限 — a procurement bid deposit refunded late.
//!
//! 《政府采购法实施条例》第三十三条第二款: losing suppliers' bid deposits within 5 working days of the
//! award notice, the winner's within 5 working days of the contract (working days follow
//! `rules/calendar.toml`). The logic is DEP-001's with the procurement clock.

use crate::rules::dep_001::DepositRefund;

pub const PROCUREMENT: DepositRefund =
    DepositRefund { code: "DEP-002", category: "procurement", working_days: true, losers_from_notice: true };
