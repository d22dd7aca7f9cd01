//! What the FCR rules share: the clauses of every project, and matching a clause against the
//! patterns a rule keeps in `rules/policy.toml` (regular expressions, Chinese first), with the
//! exceptions that make a look-alike clause legitimate.

use bidwatch_ingest::{frame, TableName};
use std::borrow::Cow;

use bidwatch_model::text::fold_width_cow;
use bidwatch_model::{Evidence, Finding, RuleCode, Severity, Subject, Text};
use regex::{Regex, RegexSet};

use crate::registry::{code, Context, Rule, RuleOutput, Threshold};

/// A rule that flags clauses matching its `patterns` and none of its `exceptions` (FCR-001..004,
/// 006): the rule is its code and the reason a reviewer reads; the patterns are policy data.
#[derive(Debug)]
pub struct PatternRule {
    pub code: &'static str,
    pub why_zh: &'static str,
    pub why_en: &'static str,
}

const PATTERN_THRESHOLDS: &[Threshold] = &[
    Threshold {
        key: "patterns",
        default: "[]",
        zh: "命中即提示的表达式（正则）",
        en: "expressions that flag a clause (regular expressions)",
    },
    Threshold {
        key: "exceptions",
        default: "[]",
        zh: "命中则视为合法表述的表达式",
        en: "expressions that make a clause a legitimate look-alike",
    },
];

impl Rule for PatternRule {
    fn code(&self) -> RuleCode {
        code(self.code)
    }

    fn requires(&self) -> &'static [(TableName, &'static [&'static str])] {
        &[(TableName::Clauses, &[])]
    }

    fn thresholds(&self) -> &'static [Threshold] {
        PATTERN_THRESHOLDS
    }

    fn run(&self, ctx: &Context<'_>) -> RuleOutput {
        pattern_rule(ctx, self.code(), &Text::new(self.why_zh, self.why_en))
    }
}

/// One clause of a tender document, borrowed from the clauses table.
#[derive(Debug, Clone)]
pub(crate) struct Clause<'a> {
    pub project: usize,
    pub clause_no: Option<&'a str>,
    /// As written, width folded (borrowed when nothing folds, as after ingest's normalising).
    pub text: Cow<'a, str>,
    pub row: u64,
}

/// Every clause, in source order, handed to `f` one at a time, read cell by cell from the table:
/// a rule that looks at each clause alone holds none of a county's millions of clause texts.
pub(crate) fn each_clause<'a>(ctx: &Context<'a>, mut f: impl FnMut(Clause<'a>)) {
    each_clause_at(ctx, |_, c| f(c));
}

/// [`each_clause`], with each clause's position in the table (for [`texts_at`]).
pub(crate) fn each_clause_at<'a>(ctx: &Context<'a>, mut f: impl FnMut(usize, Clause<'a>)) {
    let Some(df) = ctx.ds.frame(TableName::Clauses) else { return };
    let cells = frame::key_iter(df, "project_id").zip(frame::str_iter(df, "clause_no")).zip(frame::str_iter(df, "text"));
    for (at, (((project, no), text), row)) in cells.zip(frame::key_iter(df, "_row")).enumerate() {
        let (Some(project), Some(text)) = (project, text) else { continue };
        f(at, Clause { project: project as usize, clause_no: no, text: fold_width_cow(text), row: u64::from(row.unwrap_or(0)) });
    }
}

/// The texts of the clauses at positions `at` of the table (in that order), width folded as
/// [`each_clause`] gives them: read again for the findings of a rule that does not hold every
/// clause's text.
pub(crate) fn texts_at(ctx: &Context<'_>, at: &[usize]) -> Vec<String> {
    let Some(df) = ctx.ds.frame(TableName::Clauses) else { return vec![String::new(); at.len()] };
    let some = frame::gather(&df.select(["text"]).unwrap_or_else(|_| df.clone()), at);
    let texts = frame::str_iter(&some, "text").map(|t| t.map(|t| fold_width_cow(t).into_owned()).unwrap_or_default()).collect();
    texts
}

/// The rule's patterns and exceptions from the policy, compiled. A pattern that does not compile
/// is reported in the notes and skipped, so one typo in a bureau's file does not stop the night.
pub(crate) fn compile(ctx: &Context<'_>, rule: RuleCode, key: &str, notes: &mut Vec<Text>) -> Patterns {
    let each = ctx
        .policy
        .strings(rule, key, &[])
        .into_iter()
        .filter_map(|p| match Regex::new(&p) {
            Ok(r) => Some(r),
            Err(e) => {
                // regex errors span several lines with a caret; one line reads better in a summary.
                let e = e.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
                notes.push(Text::new(
                    format!("policy.toml 中 {rule}.{key} 的表达式“{p}”无法解析，已跳过：{e}"),
                    format!("the expression `{p}` in {rule}.{key} of policy.toml does not parse and was skipped: {e}"),
                ));
                None
            }
        })
        .collect();
    Patterns::new(each)
}

/// A rule's expressions, each compiled alone and all of them as one set. Nearly every clause of a
/// county matches none of them (some 2,300 of 3.4 M clauses at 10M bids, for each rule): the set
/// looks for all of them in one pass over the clause, where asking each in turn took a pass each;
/// the expressions one by one (where, and which) are asked only of a clause the set found.
#[derive(Debug)]
pub(crate) struct Patterns {
    pub each: Vec<Regex>,
    /// `None` when the set does not compile (past the regex crate's size limit, though each
    /// expression did alone): then each is asked in turn.
    set: Option<RegexSet>,
}

impl Patterns {
    pub fn new(each: Vec<Regex>) -> Patterns {
        let set = RegexSet::new(each.iter().map(Regex::as_str)).ok();
        Patterns { each, set }
    }

    pub fn is_empty(&self) -> bool {
        self.each.is_empty()
    }

    /// Whether any of the expressions matches somewhere in `text` (never, for none).
    pub fn any_match(&self, text: &str) -> bool {
        match &self.set {
            Some(set) => set.is_match(text),
            None => self.each.iter().any(|r| r.is_match(text)),
        }
    }
}

/// The first match of any pattern in a clause that no exception matches: (start, end, pattern).
pub(crate) fn first_match(text: &str, patterns: &Patterns, exceptions: &Patterns) -> Option<(usize, usize, usize)> {
    if !patterns.any_match(text) || exceptions.any_match(text) {
        return None;
    }
    patterns.each.iter().enumerate().filter_map(|(i, p)| p.find(text).map(|m| (m.start(), m.end(), i))).min()
}

/// A finding on one clause: project, clause number, the matched span.
pub(crate) fn clause_finding(ctx: &Context<'_>, rule: RuleCode, c: &Clause, span: (usize, usize), why: &Text) -> Finding {
    let pid = ctx.views.projects.id[c.project].as_str();
    let matched = &c.text[span.0..span.1];
    let no = c.clause_no.unwrap_or("—");
    // The article the clause may breach, from the rule's record.
    let article = ctx.records.get(&rule).map(|r| format!("{}{}", r.basis_instrument, r.basis_article)).unwrap_or_default();
    let message = Text::new(
        format!("项目 {pid} 第 {no} 条：“{matched}”——{}（可能违反{article}）", why.zh),
        format!("project {pid}, clause {no}: “{matched}” — {} (may breach {article})", why.en),
    );
    Finding::new(rule, Severity::Signal, Subject::project(pid), message)
        .in_project(pid)
        .with_threshold("article", article.as_str())
        .with_evidence(
            Evidence::new("clauses", c.row)
                .with("clause_no", c.clause_no)
                .with("text", &*c.text)
                .with("matched", matched)
                .with("span_start", span.0 as u64)
                .with("span_end", span.1 as u64),
        )
}

/// Runs a pattern rule over every clause. The patterns live only in the policy (`rules/policy.toml`):
/// a bureau's copy without them checks nothing for the rule, and the run says so.
pub(crate) fn pattern_rule(ctx: &Context<'_>, rule: RuleCode, why: &Text) -> RuleOutput {
    let mut out = RuleOutput::default();
    let patterns = compile(ctx, rule, "patterns", &mut out.notes);
    let exceptions = compile(ctx, rule, "exceptions", &mut out.notes);
    if patterns.is_empty() {
        out.notes.push(Text::new(
            format!("policy.toml 未给出 {rule} 的 patterns，未检查"),
            format!("policy.toml gives no patterns for {rule}: nothing checked"),
        ));
        return out;
    }
    each_clause(ctx, |c| {
        if let Some((s, e, _)) = first_match(&c.text, &patterns, &exceptions) {
            out.push(clause_finding(ctx, rule, &c, (s, e), why));
        }
    });
    out
}

/// A clause as compared for copying: no spaces or punctuation, every number one `#`.
pub(crate) fn copy_key(text: &str) -> String {
    copy_key_by(text, |ch, out| {
        // Fast paths first: a clause is mostly CJK ideographs (alphabetic, no case) and ASCII;
        // the general Unicode tables were half of FCR-007's first pass at 10M bids.
        if ('\u{4E00}'..='\u{9FFF}').contains(&ch) {
            out.push(ch);
        } else if ch.is_ascii() {
            if ch == '#' || ch.is_ascii_alphabetic() {
                out.push(ch.to_ascii_lowercase());
            }
        } else {
            letter_by_tables(ch, out);
        }
    })
}

/// A character of a clause, not part of a number, as its copy key keeps it: by Unicode's general
/// tables (letters and digits lowercased, `#` kept, anything else dropped).
fn letter_by_tables(ch: char, out: &mut String) {
    if ch == '#' {
        out.push('#');
    } else if ch.is_alphanumeric() {
        out.extend(ch.to_lowercase().filter(|c| c.is_alphanumeric()));
    }
}

/// The copy key of `text`, every number one `#` and every other character kept as `letter` says.
fn copy_key_by(text: &str, letter: impl Fn(char, &mut String)) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_number = false;
    for ch in fold_width_cow(text).chars() {
        if ch.is_ascii_digit() || (in_number && ch == '.') {
            if !in_number {
                out.push('#');
            }
            in_number = true;
            continue;
        }
        in_number = false;
        letter(ch, &mut out);
    }
    out
}

/// Character trigrams of clause wordings, to tell quickly that two wordings cannot be near copies:
/// within d edits, two strings share all but at most 3·d of the longer one's trigrams (a trigram
/// repeated in one string counts once per occurrence). Only pairs that pass this count filter and
/// the length ratio are compared by Levenshtein distance.
///
/// A trigram occurrence is kept as a 16-bit hash of (trigram, occurrence): two bytes, not four,
/// and no table of every distinct trigram (millions of clauses at 10M bids). Two occurrences that
/// hash alike can only add to the count two wordings share, never take from it, so the filter
/// still never turns away a near copy; between unrelated wordings of ~50 trigrams a collision
/// adds about 0.04 to the count.
pub(crate) struct Trigrams<'a> {
    keys: &'a [Option<&'a str>],
    /// Each wording's place in `grams` and its length, side by side: a wording compared with
    /// another is one read here and one in `grams` (the search compares each clause with dozens
    /// of others scattered over millions).
    spans: Vec<Span>,
    /// Every wording's sorted trigram hashes, end to end (one vector, not one per wording).
    grams: Vec<u16>,
}

#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    grams: u32,
    chars: u32,
}

/// The hash of one occurrence of a trigram: its `n`-th (from 0) in the wording.
fn gram(trigram: [char; 3], n: u32) -> u16 {
    use std::hash::BuildHasher;
    // The three characters (21 bits each) and the occurrence's number as one value, hashed in one
    // step (hashed as a tuple, each was a step of its own: a third of the trigrams' build).
    let chars = u64::from(trigram[0]) << 42 | u64::from(trigram[1]) << 21 | u64::from(trigram[2]);
    (foldhash::fast::FixedState::with_seed(0x7472_6967_7261_6d73).hash_one(u128::from(chars) | u128::from(n) << 64) >> 48) as u16
}

impl<'a> Trigrams<'a> {
    pub(crate) fn of(keys: &'a [Option<&'a str>]) -> Trigrams<'a> {
        // Sized first (a wording of n characters has n − 2 trigrams): grown by doubling, the vector
        // of every trigram of millions of clauses held up to twice its length, then was copied to
        // shrink.
        let total: usize = keys.iter().map(|k| k.map_or(0, |k| k.chars().count().saturating_sub(2))).sum();
        let mut grams = Vec::with_capacity(total);
        let mut spans = Vec::with_capacity(keys.len());
        let mut c: Vec<char> = Vec::new();
        let mut trigrams: Vec<[char; 3]> = Vec::new();
        for k in keys {
            c.clear();
            c.extend(k.unwrap_or_default().chars());
            // a wording's trigrams sorted, so that the occurrences of one are numbered in a run
            trigrams.clear();
            trigrams.extend(c.windows(3).map(|w| [w[0], w[1], w[2]]));
            trigrams.sort_unstable();
            let start = grams.len();
            let mut n = 0;
            for (i, t) in trigrams.iter().enumerate() {
                n = if i > 0 && trigrams[i - 1] == *t { n + 1 } else { 0 };
                grams.push(gram(*t, n));
            }
            grams[start..].sort_unstable();
            spans.push(Span { start, grams: (grams.len() - start) as u32, chars: c.len() as u32 });
        }
        Trigrams { keys, spans, grams }
    }

    fn grams_of(&self, span: Span) -> &[u16] {
        &self.grams[span.start..span.start + span.grams as usize]
    }

    #[cfg(test)]
    fn grams(&self, i: usize) -> &[u16] {
        self.grams_of(self.spans[i])
    }

    /// The normalised Levenshtein similarity of wordings `i` and `j` when it is at least `min_sim`.
    pub(crate) fn similar(&self, i: usize, j: usize, min_sim: f64) -> Option<f64> {
        let (si, sj) = (self.spans[i], self.spans[j]);
        let (lo, hi) = (si.chars.min(sj.chars), si.chars.max(sj.chars));
        if hi == 0 || (lo as f64) < min_sim * hi as f64 {
            return None;
        }
        let d = ((1.0 - min_sim) * hi as f64).floor() as usize;
        let (gi, gj) = (self.grams_of(si), self.grams_of(sj));
        let need = gi.len().max(gj.len()).saturating_sub(3 * d);
        if !share_at_least(gi, gj, need) {
            return None;
        }
        // a clause not compared (boilerplate, too short) has no wording
        let (a, b) = (self.keys[i]?, self.keys[j]?);
        let sim = strsim::normalized_levenshtein(a, b);
        (sim >= min_sim).then_some(sim)
    }
}

/// Whether two sorted lists share at least `need` tokens, as multisets (a token twice in both
/// counts twice). It stops once what is left of the shorter rest could not make up the count:
/// unrelated wordings, most of the pairs compared, are turned away a third of the way in.
fn share_at_least(a: &[u16], b: &[u16], need: usize) -> bool {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while n < need {
        if n + (a.len() - i).min(b.len() - j) < need {
            return false;
        }
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    true
}

/// Tokens two lists share, as multisets (a token twice in both counts twice): counted by
/// tallies, the reference the merge is tested against.
#[cfg(test)]
fn shared(a: &[u16], b: &[u16]) -> usize {
    let mut tally = std::collections::HashMap::<u16, usize>::new();
    for t in a {
        *tally.entry(*t).or_default() += 1;
    }
    b.iter()
        .filter(|t| match tally.get_mut(*t) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The trigram filter never rejects a pair that Levenshtein accepts.
        #[test]
        fn the_filter_agrees_with_levenshtein(words in proptest::collection::vec("[ab甲乙]{0,16}", 2..12), sim in 0.5f64..1.0) {
            let keys: Vec<Option<&str>> = words.iter().map(|w| Some(w.as_str())).collect();
            let t = Trigrams::of(&keys);
            for i in 0..keys.len() {
                for j in 0..keys.len() {
                    let full = strsim::normalized_levenshtein(&words[i], &words[j]);
                    let want = (full >= sim && !(words[i].is_empty() && words[j].is_empty())).then_some(full);
                    proptest::prop_assert_eq!(t.similar(i, j, sim), want);
                }
            }
        }
    }

    proptest::proptest! {
        /// Stopping early answers as counting everything would.
        #[test]
        fn stopping_early_answers_as_the_full_count(
            mut a in proptest::collection::vec(0u16..12, 0..30),
            mut b in proptest::collection::vec(0u16..12, 0..30),
            need in 0usize..32,
        ) {
            a.sort_unstable();
            b.sort_unstable();
            proptest::prop_assert_eq!(share_at_least(&a, &b, need), shared(&a, &b) >= need);
        }
    }

    #[test]
    fn the_filter_counts_what_two_wordings_share() {
        let words = [
            "投标人须具有建筑工程施工总承包壹级资质并具有安全生产许可证",
            "供货商应提供原厂授权书及售后服务承诺函和质保期承诺",
            "投标人须具有建筑工程施工总承包贰级资质并具有安全生产许可证",
        ];
        let keys: Vec<Option<&str>> = words.iter().map(|w| Some(*w)).collect();
        let t = Trigrams::of(&keys);
        let n = t.grams(0).len();
        assert_eq!(n, words[0].chars().count() - 2);
        assert_eq!(shared(t.grams(0), t.grams(0)), n);
        // one character changed takes at most three trigrams away
        assert!(shared(t.grams(0), t.grams(2)) >= n - 3);
        // unrelated wordings share next to nothing: the filter turns them away before Levenshtein
        assert!(shared(t.grams(0), t.grams(1)) <= 2, "{}", shared(t.grams(0), t.grams(1)));
        assert_eq!(t.similar(0, 1, 0.5), None);
    }

    #[test]
    fn copy_keys_ignore_punctuation_and_numbers() {
        assert_eq!(copy_key("须具有 2019 年以来，类似业绩 3 项。"), copy_key("须具有2021年以来类似业绩5项"));
        assert_ne!(copy_key("类似业绩"), copy_key("类似奖项"));
    }

    #[test]
    fn an_exception_silences_a_clause() {
        let p = Patterns::new(vec![Regex::new("品牌").expect("re")]);
        let e = Patterns::new(vec![Regex::new("同等及以上").expect("re")]);
        assert!(first_match("指定品牌为甲", &p, &e).is_some());
        assert!(first_match("参考品牌为甲，可选用同等及以上产品", &p, &e).is_none());
    }

    #[test]
    fn the_first_match_is_the_leftmost_of_every_pattern() {
        let p = Patterns::new(["厂家", "指定品牌", "品牌"].iter().map(|r| Regex::new(r).expect("re")).collect());
        let none = Patterns::new(Vec::new());
        assert!(!none.any_match("任何条款"));
        // the set finds a match; the earliest start wins, then the shorter span, then the pattern
        assert_eq!(first_match("须指定品牌及厂家", &p, &none), Some((3, 15, 1)));
        assert_eq!(first_match("厂家与品牌", &p, &none), Some((0, 6, 0)));
        assert_eq!(first_match("无关条款", &p, &none), None);
        // a set that did not compile asks each expression in turn, with the same answers
        let alone = Patterns { each: p.each.clone(), set: None };
        for text in ["须指定品牌及厂家", "厂家与品牌", "无关条款"] {
            assert_eq!(first_match(text, &alone, &none), first_match(text, &p, &none), "{text}");
        }
    }

    proptest::proptest! {
        /// The set is only a filter: a clause's first match is what asking each expression gives.
        #[test]
        fn the_set_changes_no_match(text in "(品牌|厂家|指定|同等|[一-龥a-z ,。]){0,30}") {
            let p = Patterns::new(["指定[^。]{0,4}品牌", "厂家", "品牌[:：]?[a-z]+"].iter().map(|r| Regex::new(r).expect("re")).collect());
            let e = Patterns::new(vec![Regex::new("同等").expect("re")]);
            let alone = Patterns { each: p.each.clone(), set: None };
            let exceptions_alone = Patterns { each: e.each.clone(), set: None };
            proptest::prop_assert_eq!(first_match(&text, &p, &e), first_match(&text, &alone, &exceptions_alone));
        }
    }

    proptest::proptest! {
        #[test]
        fn copy_key_never_panics_and_is_idempotent(s in "\\PC{0,60}") {
            let k = copy_key(&s);
            proptest::prop_assert_eq!(copy_key(&k), k);
        }

        #[test]
        fn copy_key_is_what_the_unicode_tables_say(s in "(\\PC|[一-龥々〇ＡａＺ０９ÄéΣ#. ,，。A-Za-z0-9]){0,60}") {
            proptest::prop_assert_eq!(copy_key(&s), copy_key_by(&s, letter_by_tables));
        }
    }
}
