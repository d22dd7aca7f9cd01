//! Text normalisation: full-width folding, trimming, and the canonical forms of contact details
//! and network identifiers, so that `１３８ 1234 5678` and `+86-138-1234-5678` are the same phone.

use std::net::IpAddr;

/// Folds full-width ASCII (U+FF01–U+FF5E) and the ideographic space to their ASCII forms, and
/// drops zero-width characters and byte-order marks.
pub fn fold_width(s: &str) -> String {
    fold_width_cow(s).into_owned()
}

/// [`fold_width`], borrowing the text when nothing in it folds (text that ingest normalised
/// already): a pass over millions of clauses copies none of them.
pub fn fold_width_cow(s: &str) -> std::borrow::Cow<'_, str> {
    if !any_folds(s) {
        return std::borrow::Cow::Borrowed(s);
    }
    s.chars()
        .filter_map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
            '\u{3000}' | '\u{00A0}' => Some(' '),
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}' => None,
            c => Some(c),
        })
        .collect()
}

/// Whether anything in `s` folds. Every character that does (U+00A0, U+200B–U+200D, U+3000,
/// U+FEFF, U+FF01–U+FF5E) starts, in UTF-8, with the byte C2, E2, E3 or EF: those bytes are
/// searched for (SIMD) and a character decoded only where one stands. Checking every character of
/// text that has nothing to fold (ingest's, read again by each clause rule) was 5 % of the rules'
/// first pass at 10M bids.
fn any_folds(s: &str) -> bool {
    let folds =
        |c: char| matches!(c, '\u{FF01}'..='\u{FF5E}' | '\u{3000}' | '\u{00A0}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}');
    // a lead byte, never inside a character: `i` is a character's start
    let folds_at = |i: usize| s.get(i..).and_then(|t| t.chars().next()).is_some_and(folds);
    let b = s.as_bytes();
    memchr::memchr3_iter(0xE2, 0xE3, 0xEF, b).any(folds_at) || memchr::memchr_iter(0xC2, b).any(folds_at)
}

/// A name or free text: width folded, trimmed, runs of white space made one space.
pub fn normalize_text(s: &str) -> String {
    // Fast path: printable ASCII without white space needs nothing done (most ids and numbers).
    if s.bytes().all(|b| b.is_ascii_graphic()) {
        return s.to_owned();
    }
    let folded = fold_width(s);
    let mut out = String::with_capacity(folded.len());
    for word in folded.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// An id: width folded and trimmed. An id shaped like a 统一社会信用代码 once upper-cased is
/// upper-cased; other ids are kept as they are.
pub fn normalize_id(s: &str) -> String {
    let t = normalize_text(s);
    let upper = t.to_ascii_uppercase();
    if upper.len() == 18 && upper.bytes().all(|b| crate::ids::USCC_ALPHABET.as_bytes().contains(&b)) {
        upper
    } else {
        t
    }
}

/// A phone number: digits only; the country code +86/0086 dropped from mobile numbers.
/// Mobile numbers are 11 digits starting with 1; fixed lines keep their area code (`057188886666`).
pub fn normalize_phone(s: &str) -> Result<String, &'static str> {
    let folded = fold_width(s);
    let t = folded.trim();
    if t.is_empty() {
        return Err("empty phone number");
    }
    if !t.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')' | '.')) {
        return Err("not a phone number (digits, spaces, +, -, ( ) only)");
    }
    let mut digits: String = t.chars().filter(char::is_ascii_digit).collect();
    for prefix in ["0086", "86"] {
        if digits.len() == 11 + prefix.len() && digits.starts_with(prefix) && digits[prefix.len()..].starts_with('1') {
            digits.drain(..prefix.len());
        }
    }
    if !(7..=15).contains(&digits.len()) {
        return Err("not a phone number (expected 7 to 15 digits)");
    }
    Ok(digits)
}

/// An e-mail address: trimmed and lower-cased; must have one @ with a dotted domain.
pub fn normalize_email(s: &str) -> Result<String, &'static str> {
    let t = fold_width(s).trim().to_lowercase();
    let Some((local, domain)) = t.split_once('@') else {
        return Err("not an e-mail address (no @)");
    };
    let ok = !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !t.chars().any(char::is_whitespace);
    if ok {
        Ok(t)
    } else {
        Err("not an e-mail address")
    }
}

/// An IP address in its canonical text form (IPv4-mapped IPv6 becomes IPv4, leading zeros in
/// IPv4 octets are dropped).
pub fn normalize_ip(s: &str) -> Result<String, &'static str> {
    let t = fold_width(s);
    let t = t.trim();
    if t.is_empty() {
        return Err("empty IP address");
    }
    // "010.001.002.003" is common in exports and std rejects leading zeros; read octets as decimal.
    let parts: Vec<&str> = t.split('.').collect();
    if parts.len() == 4 && parts.iter().all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit())) {
        let mut octets = [0u8; 4];
        for (o, p) in octets.iter_mut().zip(&parts) {
            *o = p.parse().map_err(|_| "not an IP address (octet above 255)")?;
        }
        return Ok(std::net::Ipv4Addr::from(octets).to_string());
    }
    match t.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => Ok(v6.to_ipv4_mapped().map_or_else(|| v6.to_string(), |v4| v4.to_string())),
        Ok(ip) => Ok(ip.to_string()),
        Err(_) => Err("not an IP address"),
    }
}

/// A MAC address as `AA:BB:CC:DD:EE:FF`, from any of `aa-bb-cc-dd-ee-ff`, `aabb.ccdd.eeff`,
/// `AABBCCDDEEFF`.
pub fn normalize_mac(s: &str) -> Result<String, &'static str> {
    let t = fold_width(s);
    let hex: String = t.trim().chars().filter(|c| !matches!(c, ':' | '-' | '.' | ' ')).collect();
    if hex.len() != 12 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("not a MAC address (expected 12 hex digits)");
    }
    let up = hex.to_ascii_uppercase();
    let pairs: Vec<&str> = (0..6).map(|i| &up[2 * i..2 * i + 2]).collect();
    Ok(pairs.join(":"))
}

/// A `;`-separated list (also `；` and `,`), each item normalised as an id, empty items dropped,
/// sorted and de-duplicated, joined again with `;`.
pub fn normalize_list(s: &str) -> String {
    let folded = fold_width(s);
    let mut items: Vec<String> = folded.split([';', '；', ',', '，', '、']).map(normalize_id).filter(|x| !x.is_empty()).collect();
    items.sort();
    items.dedup();
    items.join(";")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn width_and_space() {
        assert_eq!(normalize_text("  ＡＢＣ　建设\t有限公司 "), "ABC 建设 有限公司");
        assert_eq!(normalize_id(" 91350100m000100y43 "), "91350100M000100Y43");
        assert_eq!(normalize_id("firm-a"), "firm-a");
    }

    #[test]
    fn phones() {
        assert_eq!(normalize_phone("+86 138-1234-5678"), Ok("13812345678".into()));
        assert_eq!(normalize_phone("１３８１２３４５６７８"), Ok("13812345678".into()));
        assert_eq!(normalize_phone("0571-88886666"), Ok("057188886666".into()));
        assert!(normalize_phone("call me").is_err());
        assert!(normalize_phone("123").is_err());
    }

    #[test]
    fn emails_ips_macs() {
        assert_eq!(normalize_email(" Bid@Example.COM "), Ok("bid@example.com".into()));
        assert!(normalize_email("nobody").is_err());
        assert!(normalize_email("a@b").is_err());
        assert_eq!(normalize_ip("010.001.002.003"), Ok("10.1.2.3".into()));
        assert_eq!(normalize_ip("::ffff:10.1.2.3"), Ok("10.1.2.3".into()));
        assert_eq!(normalize_ip("2001:DB8::1"), Ok("2001:db8::1".into()));
        assert!(normalize_ip("300.1.1.1").is_err());
        assert!(normalize_ip("host").is_err());
        assert_eq!(normalize_mac("aa-bb-cc-dd-ee-0f"), Ok("AA:BB:CC:DD:EE:0F".into()));
        assert_eq!(normalize_mac("aabb.ccdd.ee0f"), Ok("AA:BB:CC:DD:EE:0F".into()));
        assert!(normalize_mac("aa-bb-cc").is_err());
    }

    #[test]
    fn lists() {
        assert_eq!(normalize_list("L2; l1；L2,,"), "L2;l1");
    }

    proptest! {
        /// Borrowing is only a shortcut: the text comes back as the char-by-char fold would make it.
        /// The alphabet holds a neighbour of each folding range that shares its first byte
        /// (、。《 after U+3000; — “ ‰ after U+200B; ° ¬ by U+00A0; ｟ ￠ ﻾ by U+FF5E and U+FEFF).
        #[test]
        fn borrowed_folds_are_the_fold(s in "[a-z甲　ＡＢ\u{00A0}\u{200B}\u{200D}\u{FEFF}！～、。《—“‰°¬｟￠\u{FEFE}\u{FF00} ]{0,16}") {
            let by_char: String = s
                .chars()
                .filter_map(|c| match c {
                    '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
                    '\u{3000}' | '\u{00A0}' => Some(' '),
                    '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}' => None,
                    c => Some(c),
                })
                .collect();
            let cow = fold_width_cow(&s);
            prop_assert_eq!(matches!(cow, std::borrow::Cow::Borrowed(_)), by_char == s);
            prop_assert_eq!(cow.as_ref(), by_char.as_str());
        }

        #[test]
        fn normalisers_never_panic(s in "\\PC{0,40}") {
            let _ = normalize_text(&s);
            let _ = normalize_id(&s);
            let _ = normalize_phone(&s);
            let _ = normalize_email(&s);
            let _ = normalize_ip(&s);
            let _ = normalize_mac(&s);
            let _ = normalize_list(&s);
        }

        #[test]
        fn normalising_is_idempotent(s in "\\PC{0,40}") {
            let once = normalize_text(&s);
            prop_assert_eq!(normalize_text(&once), once.clone());
            if let Ok(ip) = normalize_ip(&s) { prop_assert_eq!(normalize_ip(&ip), Ok(ip.clone())); }
            if let Ok(m) = normalize_mac(&s) { prop_assert_eq!(normalize_mac(&m), Ok(m.clone())); }
            if let Ok(p) = normalize_phone(&s) { prop_assert_eq!(normalize_phone(&p), Ok(p.clone())); }
        }
    }
}

/// Masks a personal identifier (身份证号, phone, bank account) for export: the first 3 and last 4
/// characters stay when at least 4 are hidden (`330***********043X`, `138****5678`); a shorter
/// value keeps only its first character.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    if n >= 11 {
        chars[..3].iter().chain(std::iter::repeat_n(&'*', n - 7)).chain(&chars[n - 4..]).collect()
    } else if n >= 1 {
        std::iter::once(chars[0]).chain(std::iter::repeat_n('*', n - 1)).collect()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod mask_tests {
    use super::mask;

    #[test]
    fn masks_keep_only_the_ends() {
        assert_eq!(mask("33028119870612469X"), "330***********469X");
        assert_eq!(mask("13812345678"), "138****5678");
        assert_eq!(mask("U1"), "U*");
        assert_eq!(mask(""), "");
        assert_eq!(mask("张三丰"), "张**");
    }
}
