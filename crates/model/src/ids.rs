//! Identifiers: rule codes and the 统一社会信用代码 (unified social credit code, GB 32100-2015).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A stable rule code such as `COL-006`: three upper-case letters, a dash, three digits.
/// Codes are never reused; ordering is by family, then number.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleCode {
    family: [u8; 3],
    number: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a rule code: {0:?} (expected three capital letters, a dash and three digits, e.g. COL-006)")]
pub struct RuleCodeError(pub String);

impl RuleCode {
    pub fn new(s: &str) -> Result<Self, RuleCodeError> {
        let b = s.as_bytes();
        let ok = b.len() == 7 && b[..3].iter().all(u8::is_ascii_uppercase) && b[3] == b'-' && b[4..].iter().all(u8::is_ascii_digit);
        if !ok {
            return Err(RuleCodeError(s.to_owned()));
        }
        let number = (b[4] - b'0') as u16 * 100 + (b[5] - b'0') as u16 * 10 + (b[6] - b'0') as u16;
        Ok(Self { family: [b[0], b[1], b[2]], number })
    }

    /// The family, e.g. `COL`.
    pub fn family(&self) -> &str {
        // Constructed only from ASCII upper-case letters.
        std::str::from_utf8(&self.family).unwrap_or("???")
    }

    pub fn number(&self) -> u16 {
        self.number
    }
}

impl fmt::Display for RuleCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:03}", self.family(), self.number)
    }
}

impl fmt::Debug for RuleCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RuleCode({self})")
    }
}

impl FromStr for RuleCode {
    type Err = RuleCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl Serialize for RuleCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RuleCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RuleCode::new(&s).map_err(serde::de::Error::custom)
    }
}

/// The 31 characters a 统一社会信用代码 may use (GB 32100-2015: digits and capitals without I, O,
/// S, V, Z), in the order of their values 0–30.
pub const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

fn uscc_value(c: u8) -> Option<u32> {
    USCC_ALPHABET.bytes().position(|a| a == c).map(|p| p as u32)
}

/// What a string looks like as a 统一社会信用代码.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsccCheck {
    /// Not 18 characters of the alphabet: some other kind of id, taken as it is.
    NotUscc,
    /// Shaped like a code and both check characters agree.
    Valid,
    /// The 18th character is not the GB 32100-2015 check character.
    BadCheckChar { expected: char, found: char },
    /// The embedded organisation code (characters 9–17, GB 11714) has a wrong check digit.
    BadOrgCode { expected: char, found: char },
}

/// The GB 32100-2015 check character for the first 17 characters, if they are of the alphabet.
pub fn uscc_check_char(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in b.iter().zip(USCC_WEIGHTS) {
        sum += uscc_value(*c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    USCC_ALPHABET.chars().nth(check as usize)
}

/// The GB 11714 check digit of an 8-character organisation-code body (digits and capitals).
pub fn org_code_check_char(body: &str) -> Option<char> {
    let b = body.as_bytes();
    if b.len() != 8 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in b.iter().zip(ORG_WEIGHTS) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return None,
        };
        sum += v * w;
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from(b'0' + d as u8),
    })
}

/// Checks a (normalised, upper-case) id as a 统一社会信用代码.
///
/// Codes of individual businesses (registration code `92`) need not embed an organisation code,
/// so only their main check character is checked.
pub fn check_uscc(id: &str) -> UsccCheck {
    let b = id.as_bytes();
    if b.len() != 18 || !b.iter().all(|c| uscc_value(*c).is_some()) {
        return UsccCheck::NotUscc;
    }
    let expected = uscc_check_char(&id[..17]).unwrap_or('?');
    let found = char::from(b[17]);
    if expected != found {
        return UsccCheck::BadCheckChar { expected, found };
    }
    if &id[..2] != "92" {
        if let Some(expected) = org_code_check_char(&id[8..16]) {
            let found = char::from(b[16]);
            if expected != found {
                return UsccCheck::BadOrgCode { expected, found };
            }
        }
    }
    UsccCheck::Valid
}

/// Builds a valid code from a 17-character body whose organisation-code part needs its check
/// digit: characters 9–16 are the organisation-code body; character 17 is replaced by its check
/// digit and character 18 is appended. Used by the generator and by tests.
pub fn complete_uscc(body16: &str) -> Option<String> {
    if body16.len() != 16 {
        return None;
    }
    let org = org_code_check_char(&body16[8..16])?;
    let mut s = String::with_capacity(18);
    s.push_str(body16);
    s.push(org);
    let check = uscc_check_char(&s)?;
    s.push(check);
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rule_codes_parse_print_and_order() {
        let a = RuleCode::new("COL-006").expect("valid");
        assert_eq!(a.to_string(), "COL-006");
        assert_eq!(a.family(), "COL");
        assert!(RuleCode::new("CNT-001").expect("valid") < a);
        for bad in ["col-006", "COL006", "COL-06", "COLL-006", "", "COL-0a6", "ÇOL-006"] {
            assert!(RuleCode::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn known_real_codes_check() {
        // Published codes of real organisations.
        for code in ["91350100M000100Y43", "91110000600037341L", "11100000000013127D"] {
            assert_eq!(check_uscc(code), UsccCheck::Valid, "{code}");
        }
    }

    #[test]
    fn a_typo_in_the_check_character_is_caught() {
        assert_eq!(check_uscc("91350100M000100Y44"), UsccCheck::BadCheckChar { expected: '3', found: '4' });
        assert_eq!(check_uscc("ABC123"), UsccCheck::NotUscc);
        assert_eq!(check_uscc("91350100M000100Y4I"), UsccCheck::NotUscc);
    }

    #[test]
    fn completed_codes_are_valid() {
        let code = complete_uscc("9133010078001234").expect("body");
        assert_eq!(check_uscc(&code), UsccCheck::Valid);
    }

    proptest! {
        #[test]
        fn check_never_panics(s in "\\PC{0,40}") {
            let _ = check_uscc(&s);
            let _ = uscc_check_char(&s);
            let _ = RuleCode::new(&s);
        }

        #[test]
        fn completed_bodies_always_validate(body in "[1-9][1-3][0-9]{6}[0-9A-HJ-NP-RTUWXY]{8}") {
            let code = complete_uscc(&body).expect("completes");
            prop_assert_eq!(check_uscc(&code), UsccCheck::Valid);
        }
    }
}
