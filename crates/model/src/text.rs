//! Text normalisation: full-width folding, trimming, and the canonical forms of contact details
//! and network identifiers, so that `１３８ 1234 5678` and `+86-138-1234-5678` are the same phone.

use std::borrow::Cow;
use std::net::IpAddr;

/// Folds full-width ASCII (U+FF01–U+FF5E) and the ideographic space to their ASCII forms, and
/// drops zero-width characters and byte-order marks.
pub fn fold_width(s: &str) -> String {
    fold_width_cow(s).into_owned()
}

/// [`fold_width`], borrowing the text when nothing in it folds (text that ingest normalised
/// already): a pass over millions of clauses copies none of them.
///
/// Every character that folds (U+00A0, U+200B–U+200D, U+3000, U+FEFF, U+FF01–U+FF5E) starts, in
/// UTF-8, with the byte C2, E2, E3 or EF: those bytes are searched for (SIMD), a character is
/// decoded only where one stands, and the text between two folds is copied whole. Checking every
/// character of text with nothing to fold (ingest's, read again by each clause rule) was 5 % of
/// the rules' first pass at 10M bids; rebuilding a clause char by char because of one full-width
/// comma was a tenth of the clauses' read.
pub fn fold_width_cow(s: &str) -> Cow<'_, str> {
    let b = s.as_bytes();
    let mut out: Option<String> = None;
    // `s[..copied]` is in `out`, folded; lead bytes are searched for from `from` on
    let (mut copied, mut from) = (0, 0);
    let mut next_c2 = memchr::memchr(0xC2, b);
    loop {
        if next_c2.is_some_and(|p| p < from) {
            next_c2 = memchr::memchr(0xC2, &b[from..]).map(|p| p + from);
        }
        let next_e = memchr::memchr3(0xE2, 0xE3, 0xEF, &b[from..]).map(|p| p + from);
        // a lead byte, never inside a character: `at` is a character's start
        let Some(at) = next_e.into_iter().chain(next_c2).min() else { break };
        let Some(c) = s[at..].chars().next() else { break };
        let folded = match c {
            '\u{FF01}'..='\u{FF5E}' => Some(char::from_u32(c as u32 - 0xFEE0)),
            '\u{3000}' | '\u{00A0}' => Some(Some(' ')),
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}' => Some(None),
            _ => None,
        };
        from = at + c.len_utf8();
        if let Some(folded) = folded {
            let out = out.get_or_insert_with(|| String::with_capacity(s.len()));
            out.push_str(&s[copied..at]);
            out.extend(folded);
            copied = from;
        }
    }
    match out {
        None => Cow::Borrowed(s),
        Some(mut out) => {
            out.push_str(&s[copied..]);
            Cow::Owned(out)
        }
    }
}

/// A name or free text: width folded, trimmed, runs of white space made one space.
pub fn normalize_text(s: &str) -> String {
    normalize_text_cow(s).into_owned()
}

/// [`normalize_text`] without a copy when nothing changes: printable ASCII without white space
/// (most ids and numbers), or text with nothing to fold whose words are already one space apart
/// (most names, addresses and clauses; a clause was copied twice, folded then spaced, on one core
/// while the clauses' other columns were long done).
pub fn normalize_text_cow(s: &str) -> Cow<'_, str> {
    if s.bytes().all(|b| b.is_ascii_graphic()) {
        return Cow::Borrowed(s);
    }
    let folded = fold_width_cow(s);
    if spaced_once(&folded) {
        return folded;
    }
    let mut out = String::with_capacity(folded.len());
    for word in folded.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    Cow::Owned(out)
}

/// Whether `s`'s words are one plain space apart, with no white space before the first or after
/// the last: what joining its `split_whitespace` words by one space gives back unchanged.
fn spaced_once(s: &str) -> bool {
    let mut after_space = true;
    for c in s.chars() {
        if c.is_whitespace() {
            if c != ' ' || after_space {
                return false;
            }
            after_space = true;
        } else {
            after_space = false;
        }
    }
    !after_space || s.is_empty()
}

/// An id: width folded and trimmed. An id shaped like a 统一社会信用代码 once upper-cased is
/// upper-cased; other ids are kept as they are.
pub fn normalize_id(s: &str) -> String {
    let t = normalize_text(s);
    if upper_cased_as_uscc(&t) {
        t.to_ascii_uppercase()
    } else {
        t
    }
}

/// Whether [`normalize_id`] upper-cases the (normalised) id `t`: 18 characters, a lower-case
/// letter among them, all of the 统一社会信用代码's alphabet once upper-cased.
fn upper_cased_as_uscc(t: &str) -> bool {
    t.len() == 18
        && t.bytes().any(|b| b.is_ascii_lowercase())
        && t.bytes().all(|b| crate::ids::USCC_ALPHABET.as_bytes().contains(&b.to_ascii_uppercase()))
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
/// IPv4 octets are dropped), borrowed when the cell is written so already (most are: an export
/// writes `36.51.155.36`, and ten million bids' cells would each be parsed and printed again).
pub fn normalize_ip(s: &str) -> Result<Cow<'_, str>, &'static str> {
    if is_canonical_ipv4(s) {
        return Ok(Cow::Borrowed(s));
    }
    ip_rewritten(s).map(Cow::Owned)
}

/// Whether `s` is four decimal octets of at most 255, without leading zeros or anything around
/// them: what [`ip_rewritten`] prints for it.
fn is_canonical_ipv4(s: &str) -> bool {
    let mut octets = 0;
    for part in s.split('.') {
        octets += 1;
        // three digits compare as numbers do
        let canonical = part.bytes().all(|b| b.is_ascii_digit())
            && match part.len() {
                1 => true,
                2 => !part.starts_with('0'),
                3 => !part.starts_with('0') && part <= "255",
                _ => false,
            };
        if !canonical || octets > 4 {
            return false;
        }
    }
    octets == 4
}

fn ip_rewritten(s: &str) -> Result<String, &'static str> {
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
/// `AABBCCDDEEFF`; borrowed when the cell is written so already.
pub fn normalize_mac(s: &str) -> Result<Cow<'_, str>, &'static str> {
    if is_canonical_mac(s) {
        return Ok(Cow::Borrowed(s));
    }
    mac_rewritten(s).map(Cow::Owned)
}

/// Whether `s` is six pairs of upper-case hex digits joined by `:`.
fn is_canonical_mac(s: &str) -> bool {
    s.len() == 17
        && s.bytes().enumerate().all(|(i, b)| if i % 3 == 2 { b == b':' } else { b.is_ascii_digit() || (b'A'..=b'F').contains(&b) })
}

fn mac_rewritten(s: &str) -> Result<String, &'static str> {
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
/// sorted and de-duplicated, joined again with `;`; borrowed when the cell is written so already
/// (one lock serial, or several in order).
pub fn normalize_list(s: &str) -> Cow<'_, str> {
    if is_canonical_list(s) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(list_rewritten(s))
}

/// Whether `s` is printable ASCII items, each its own [`normalize_id`] (single spaces inside it,
/// none at its ends), in strictly ascending order, joined by `;`.
fn is_canonical_list(s: &str) -> bool {
    if !s.bytes().all(|b| (b.is_ascii_graphic() || b == b' ') && b != b',') {
        return false;
    }
    let mut before: Option<&str> = None;
    for item in s.split(';') {
        let spaced = item.starts_with(' ') || item.ends_with(' ') || item.contains("  ");
        if item.is_empty() || spaced || upper_cased_as_uscc(item) || before.is_some_and(|b| b >= item) {
            return false;
        }
        before = Some(item);
    }
    true
}

fn list_rewritten(s: &str) -> String {
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
    fn spacing_is_one_plain_space_between_words() {
        for ok in ["", "a", "a b", "甲 乙、丙", "a\u{3001}b"] {
            assert!(spaced_once(ok), "{ok:?}");
        }
        for not in [" a", "a ", "a  b", "a\tb", "a\u{3000}b", "a\u{A0}b", "a\u{2028}b", "a\u{1680}b", "a \u{85}"] {
            assert!(!spaced_once(not), "{not:?}");
        }
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
        assert!(matches!(normalize_list("L1;L2"), Cow::Borrowed("L1;L2")));
        assert!(matches!(normalize_list("L2;L1"), Cow::Owned(_)));
    }

    #[test]
    fn canonical_cells_are_borrowed() {
        assert!(matches!(normalize_ip("36.51.155.36"), Ok(Cow::Borrowed(_))));
        assert!(matches!(normalize_ip("36.051.155.36"), Ok(Cow::Owned(_))));
        assert!(matches!(normalize_mac("E0:B4:B7:2B:81:27"), Ok(Cow::Borrowed(_))));
        assert!(matches!(normalize_mac("e0:b4:b7:2b:81:27"), Ok(Cow::Owned(_))));
    }

    proptest! {
        /// Borrowing is only a shortcut: the text comes back as the char-by-char fold would make it.
        /// The alphabet holds a neighbour of each folding range that shares its first byte
        /// (、。《 after U+3000; — “ ‰ after U+200B; ° ¬ by U+00A0; ｟ ￠ ﻾ by U+FF5E and U+FEFF).
        #[test]
        fn borrowed_folds_are_the_fold(s in "[a-z甲　ＡＢ\u{00A0}\u{200B}\u{200D}\u{FEFF}！～、。《—“‰°¬｟￠\u{FEFE}\u{FF00} ]{0,40}") {
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

        /// A cell borrowed as it is written is exactly what the rewriting would make of it, and
        /// one the rewriting leaves unchanged is borrowed. The alphabets hold what exports write
        /// (leading zeros, octets above 255, lower case, other separators, IPv6, spaces).
        #[test]
        fn a_borrowed_ip_mac_or_list_is_its_rewriting(
            ip in "(0|00|1|9|10|09|99|100|199|200|249|250|255|256|260|300|999|0255|::ffff:1| 1|Ａ)(\\.(0|00|1|9|10|09|99|100|199|200|249|250|255|256|300|1 )){0,4}",
            mac in "[0-9A-F]{2}([:\\-][0-9A-Fa-f]{2}){4,6}|([0-9A-Fa-f]{2}[:\\-.]?){5,7}[0-9A-Fa-fG ]{0,2}",
            list in "(a|b|A|[A-Za-z0-9]{1,3}|9135010[0-9][Mmz]000100Y4[3a])([;,；](a|b|A|[A-Za-z0-9 ]{0,3})){0,3}",
        ) {
            // an IPv6 address is always rewritten, even one written as std prints it
            let ipv6 = ip.contains(':');
            let cases = [
                (ip.as_str(), normalize_ip(&ip).ok(), ip_rewritten(&ip).ok(), ipv6),
                (mac.as_str(), normalize_mac(&mac).ok(), mac_rewritten(&mac).ok(), false),
                (list.as_str(), Some(normalize_list(&list)), Some(list_rewritten(&list)), false),
            ];
            for (cell, cow, rewritten, always_rewritten) in cases {
                let borrowed = matches!(cow, Some(Cow::Borrowed(_)));
                prop_assert_eq!(cow.map(Cow::into_owned), rewritten.clone(), "{}", cell);
                prop_assert_eq!(borrowed, rewritten.as_deref() == Some(cell) && !always_rewritten, "{}", cell);
            }
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

        /// The text normalised without a copy is what folding and spacing the words once gives,
        /// and it is borrowed exactly when that is the text itself.
        #[test]
        fn text_is_borrowed_only_when_unchanged(s in "[ \t\n\u{3000}\u{a0}\u{85}ａＢ，a-c,张]{0,12}") {
            let spaced = fold_width(&s).split_whitespace().collect::<Vec<_>>().join(" ");
            let cow = normalize_text_cow(&s);
            prop_assert_eq!(matches!(cow, Cow::Borrowed(_)), spaced == s);
            prop_assert_eq!(cow.into_owned(), spaced);
        }

        #[test]
        fn normalising_is_idempotent(s in "\\PC{0,40}") {
            let once = normalize_text(&s);
            prop_assert_eq!(normalize_text(&once), once.clone());
            if let Ok(ip) = normalize_ip(&s) { prop_assert_eq!(normalize_ip(&ip), Ok(ip.clone())); }
            if let Ok(m) = normalize_mac(&s) { prop_assert_eq!(normalize_mac(&m), Ok(m.clone())); }
            let list = normalize_list(&s);
            prop_assert_eq!(normalize_list(&list), list.clone());
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
