//! Money: CNY amounts as written in Chinese bidding records.
//!
//! Accepted: `1234.5`, `1,234.50`, `1234.5元`, `¥1,234.50`, `RMB 1234`, `123.4万元` (×10,000),
//! full-width digits. Rejected with a reason: negatives, empty cells, more than one decimal point,
//! misplaced thousands separators, anything else.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::fold_width_cow;

/// An amount in yuan.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Money(pub f64);

impl Money {
    pub fn yuan(self) -> f64 {
        self.0
    }
}

impl fmt::Display for Money {
    /// `1,234,567.89`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = format!("{:.2}", self.0.abs());
        let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
        let mut out = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        if self.0 < 0.0 {
            f.write_str("-")?;
        }
        write!(f, "{out}.{frac}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("empty amount")]
    Empty,
    #[error("negative amount")]
    Negative,
    #[error("not a number (expected an amount in yuan such as 1234.50, 1,234.50 or 1234.5元)")]
    NotANumber,
    #[error("misplaced thousands separator (expected groups of three digits, as in 1,234,567.89)")]
    BadGrouping,
    #[error("amount too large")]
    TooLarge,
}

/// Parses an amount in yuan.
pub fn parse_money(raw: &str) -> Result<Money, MoneyError> {
    let folded = fold_width_cow(raw);
    let mut s = folded.trim();
    if s.is_empty() {
        return Err(MoneyError::Empty);
    }
    let mut multiplier = 1.0;
    for prefix in ["RMB", "CNY", "¥", "￥"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.trim_start();
        }
    }
    for (suffix, mult) in [("万元", 10_000.0), ("元", 1.0), ("万", 10_000.0), ("RMB", 1.0), ("CNY", 1.0)] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest.trim_end();
            multiplier = mult;
            break;
        }
    }
    if let Some(rest) = s.strip_prefix('-') {
        return if parse_plain(rest.trim_start()).is_ok() { Err(MoneyError::Negative) } else { Err(MoneyError::NotANumber) };
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    let value = parse_plain(s)? * multiplier;
    if !value.is_finite() || value > 1e15 {
        return Err(MoneyError::TooLarge);
    }
    Ok(Money(value))
}

/// Digits with an optional decimal part and optional, well-placed thousands separators.
fn parse_plain(s: &str) -> Result<f64, MoneyError> {
    if s.is_empty() {
        return Err(MoneyError::NotANumber);
    }
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    if let Some(f) = frac {
        if f.is_empty() && int.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::NotANumber);
        }
    }
    let digits: String = if int.contains(',') {
        let groups: Vec<&str> = int.split(',').collect();
        let first_ok = (1..=3).contains(&groups[0].len());
        let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
        if !first_ok || !rest_ok || !int.bytes().all(|b| b.is_ascii_digit() || b == b',') {
            return Err(if int.bytes().all(|b| b.is_ascii_digit() || b == b',') {
                MoneyError::BadGrouping
            } else {
                MoneyError::NotANumber
            });
        }
        groups.concat()
    } else {
        if !int.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::NotANumber);
        }
        int.to_owned()
    };
    if digits.is_empty() && frac.is_none_or(str::is_empty) {
        return Err(MoneyError::NotANumber);
    }
    let text = match frac {
        Some(f) => format!("{}.{f}", if digits.is_empty() { "0" } else { &digits }),
        None => digits,
    };
    text.parse::<f64>().map_err(|_| MoneyError::NotANumber)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn common_ways_of_writing_an_amount() {
        let ok = [
            ("1234.5", 1234.5),
            ("1,234.50", 1234.5),
            ("1234.5元", 1234.5),
            ("¥1,234.50", 1234.5),
            ("￥ 1234", 1234.0),
            ("RMB 99", 99.0),
            ("123.4万元", 1_234_000.0),
            ("１２３４．５", 1234.5),
            (" 0 ", 0.0),
            (".5", 0.5),
            ("12,345,678", 12_345_678.0),
        ];
        for (raw, want) in ok {
            let got = parse_money(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert!((got.0 - want).abs() < 1e-6, "{raw}: {} != {want}", got.0);
        }
    }

    #[test]
    fn bad_amounts_say_why() {
        assert_eq!(parse_money("-5"), Err(MoneyError::Negative));
        assert_eq!(parse_money("-1,234.50元"), Err(MoneyError::Negative));
        assert_eq!(parse_money(""), Err(MoneyError::Empty));
        assert_eq!(parse_money("abc"), Err(MoneyError::NotANumber));
        assert_eq!(parse_money("1.2.3"), Err(MoneyError::NotANumber));
        assert_eq!(parse_money("12,34.5"), Err(MoneyError::BadGrouping));
        assert_eq!(parse_money("NaN"), Err(MoneyError::NotANumber));
        assert_eq!(parse_money("inf"), Err(MoneyError::NotANumber));
        assert_eq!(parse_money("1e5"), Err(MoneyError::NotANumber));
        assert_eq!(parse_money("."), Err(MoneyError::NotANumber));
        assert_eq!(parse_money("9".repeat(400).as_str()), Err(MoneyError::TooLarge));
    }

    #[test]
    fn display_groups_thousands() {
        assert_eq!(Money(1_234_567.891).to_string(), "1,234,567.89");
        assert_eq!(Money(12.0).to_string(), "12.00");
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = parse_money(&s);
        }

        #[test]
        fn plain_amounts_round_trip(fen in 0u64..10_000_000_000_000) {
            let s = format!("{}.{:02}", fen / 100, fen % 100);
            let m = parse_money(&s).expect("plain");
            prop_assert!((m.0 * 100.0 - fen as f64).abs() < 0.5);
            let grouped = Money(m.0).to_string();
            let back = parse_money(&grouped).expect("grouped");
            prop_assert!((back.0 - m.0).abs() < 0.005);
        }

        #[test]
        fn never_negative(s in "[-+0-9.,元万¥ ]{0,20}") {
            if let Ok(m) = parse_money(&s) { prop_assert!(m.0 >= 0.0); }
        }
    }
}
