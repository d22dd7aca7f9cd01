//! A text column as parsed: its distinct values and each row's number among them, or plain text.
//!
//! Ids and codes repeat (a bidder's id on each of its bids, a person's on each month of
//! employment, a status or a role on every row). A column built as its distinct values plus a
//! number a row is what every later step wants: the duplicate check hashes and compares numbers,
//! the reference check asks about each distinct id once, an id column is keyed by asking its key
//! space once per distinct id, and a repeated text column becomes categorical from the numbers it
//! already has. Only a column whose values turn out mostly distinct (a document hash, an address)
//! is held plainly, as a polars string column, once its first batch shows it (see [`TextBuilder`]).

use bidwatch_model::textset::TextSet;
use polars::prelude::*;

/// A parsed text column.
#[derive(Debug)]
pub(crate) enum Text {
    /// Each distinct value once (numbered in the order first pushed) and, per row, its number.
    Numbered {
        distinct: TextSet,
        rows: Numbers,
    },
    Plain(StringChunked),
}

/// A number a row, or none: 4 bytes a row, where `Vec<Option<u32>>` takes 8 (no number is
/// [`Numbers::NONE`]; a column's numbers stay below it). At 10M bids the numbered text columns and
/// the id columns' keys hold some 250 M rows while ingest reads them, and each row's half that
/// `Option` wasted was fresh memory to touch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Numbers(Vec<u32>);

impl Numbers {
    /// The row without a number.
    pub const NONE: u32 = u32::MAX;

    pub fn with_capacity(n: usize) -> Numbers {
        Numbers(Vec::with_capacity(n))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn reserve(&mut self, n: usize) {
        self.0.reserve(n);
    }

    pub fn push(&mut self, k: Option<u32>) {
        self.0.push(Self::raw(k));
    }

    pub fn get(&self, i: usize) -> Option<u32> {
        Self::number(self.0[i])
    }

    pub fn set_none(&mut self, i: usize) {
        self.0[i] = Self::NONE;
    }

    pub fn iter(&self) -> impl Iterator<Item = Option<u32>> + Clone + '_ {
        self.0.iter().map(|&k| Self::number(k))
    }

    /// Whether some row has no number.
    pub fn has_none(&self) -> bool {
        self.0.contains(&Self::NONE)
    }

    /// The numbers as stored ([`Numbers::NONE`] for none).
    pub fn into_raw(self) -> Vec<u32> {
        self.0
    }

    fn raw(k: Option<u32>) -> u32 {
        match k {
            Some(k) => {
                debug_assert!(k != Self::NONE, "a number below u32::MAX");
                k
            }
            None => Self::NONE,
        }
    }

    fn number(k: u32) -> Option<u32> {
        (k != Self::NONE).then_some(k)
    }
}

impl FromIterator<Option<u32>> for Numbers {
    fn from_iter<I: IntoIterator<Item = Option<u32>>>(iter: I) -> Numbers {
        Numbers(iter.into_iter().map(Numbers::raw).collect())
    }
}

impl Extend<Option<u32>> for Numbers {
    fn extend<I: IntoIterator<Item = Option<u32>>>(&mut self, iter: I) {
        self.0.extend(iter.into_iter().map(Numbers::raw));
    }
}

/// The values of a [`Text`], row by row.
pub(crate) enum TextIter<'a> {
    Numbered(&'a TextSet, std::slice::Iter<'a, u32>),
    Plain(Box<dyn Iterator<Item = Option<&'a str>> + 'a>),
}

impl<'a> Iterator for TextIter<'a> {
    type Item = Option<&'a str>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            TextIter::Numbered(distinct, rows) => rows.next().map(|&k| Numbers::number(k).map(|k| distinct.get(k))),
            TextIter::Plain(it) => it.next(),
        }
    }
}

impl Text {
    pub fn len(&self) -> usize {
        match self {
            Text::Numbered { rows, .. } => rows.len(),
            Text::Plain(ca) => ca.len(),
        }
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        match self {
            Text::Numbered { distinct, rows } => rows.get(i).map(|k| distinct.get(k)),
            Text::Plain(ca) => ca.get(i),
        }
    }

    pub fn iter(&self) -> TextIter<'_> {
        match self {
            Text::Numbered { distinct, rows } => TextIter::Numbered(distinct, rows.0.iter()),
            Text::Plain(ca) => TextIter::Plain(Box::new(ca.iter())),
        }
    }

    /// Clears the values of `rows`.
    pub fn set_nulls(&mut self, cleared: &[usize]) {
        match self {
            Text::Numbered { rows, .. } => {
                for &i in cleared {
                    rows.set_none(i);
                }
            }
            Text::Plain(ca) => {
                let cleared: std::collections::HashSet<usize> = cleared.iter().copied().collect();
                let mut b = StringChunkedBuilder::new(ca.name().clone(), ca.len());
                for (i, v) in ca.iter().enumerate() {
                    match v.filter(|_| !cleared.contains(&i)) {
                        Some(v) => b.append_value(v),
                        None => b.append_null(),
                    }
                }
                *ca = b.finish();
            }
        }
    }

    /// A polars string column of the values. A numbered column is gathered from its distinct
    /// values, so that rows of one value share its bytes (text longer than 12 bytes lives in a
    /// buffer any number of 16-byte views may point into).
    pub fn into_plain(self, name: PlSmallStr) -> StringChunked {
        match self {
            Text::Plain(ca) => ca.with_name(name),
            Text::Numbered { distinct, rows } => {
                let mut dict = StringChunkedBuilder::new(name.clone(), distinct.len());
                for v in distinct.iter() {
                    dict.append_value(v);
                }
                drop(distinct);
                let dict = dict.finish();
                let idx = IdxCa::from_iter_options("idx".into(), rows.iter().map(|r| r.map(|k| k as IdxSize)));
                // Every number was handed out by `distinct`, so the gather cannot be out of bounds.
                dict.take(&idx).unwrap_or_else(|_| StringChunked::full_null(name, idx.len()))
            }
        }
    }

    /// `f` of the column's distinct values and each row's number among them: a plain column is
    /// numbered for the call.
    pub fn with_numbers<R>(&self, f: impl FnOnce(&TextSet, &Numbers) -> R) -> R {
        match self {
            Text::Numbered { distinct, rows } => f(distinct, rows),
            Text::Plain(ca) => {
                let (distinct, rows) = numbered(ca);
                f(&distinct, &rows)
            }
        }
    }

    /// The distinct values in the order their rows first show them, and each row's number among
    /// those: values only cleared rows held are gone, and the numbers are the ones a first-seen
    /// numbering of the rows would give.
    pub fn compacted(self) -> Result<(TextSet, Numbers), StringChunked> {
        let (distinct, mut rows) = match self {
            Text::Numbered { distinct, rows } => (distinct, rows),
            Text::Plain(ca) => return Err(ca),
        };
        let mut renumber: Vec<Option<u32>> = vec![None; distinct.len()];
        let mut order = Vec::new();
        for k in rows.0.iter_mut().filter(|k| **k != Numbers::NONE) {
            let new = renumber[*k as usize].get_or_insert_with(|| {
                order.push(*k);
                (order.len() - 1) as u32
            });
            *k = *new;
        }
        if order.len() == distinct.len() && order.iter().enumerate().all(|(i, &k)| i as u32 == k) {
            return Ok((distinct, rows));
        }
        let mut kept = TextSet::new();
        for k in order {
            kept.intern(distinct.get(k));
        }
        Ok((kept, rows))
    }
}

/// A column's distinct values and each row's number among them.
fn numbered(ca: &StringChunked) -> (TextSet, Numbers) {
    let mut distinct = TextSet::new();
    let mut numbers = Numbers::with_capacity(ca.len());
    let mut previous: Option<(&str, u32)> = None;
    for v in ca.iter() {
        let Some(v) = v else {
            numbers.push(None);
            continue;
        };
        // Rows come grouped: the previous row's value first.
        let k = match previous {
            Some((p, k)) if p == v => k,
            _ => distinct.intern(v),
        };
        previous = Some((v, k));
        numbers.push(Some(k));
    }
    (distinct, numbers)
}

/// What a batch of a text column is built after.
#[derive(Debug)]
pub(crate) enum Start<'b> {
    /// Nothing: the column's first batch.
    First,
    /// A numbered column, whose distinct values and rows these are: the batch's cells are
    /// numbered among the values, its new values added, and its rows pushed after the column's
    /// (in place: a batch's own rows, copied over after, were written twice into fresh memory).
    On(&'b mut TextSet, &'b mut Numbers),
    /// A column that went plain at its first batch: the batch is plain from its first row.
    Plain,
}

/// Builds a [`Text`] cell by cell.
///
/// A column's first batch is numbered, and goes plain at its end if most of its values were
/// distinct (a document hash, a file's own id, an address): numbering such a column hashes every
/// value for nothing and holds its text twice. The batches after it follow the column: plain
/// after a plain column; after a numbered one, numbered among the column's own values, to which
/// the batch adds those it brings (one hash lookup a cell).
///
/// The decision waits for the whole first batch (a million rows at 10M bids) because repetition
/// shows only at scale: a bidder's machine code, MAC address or bond account comes back on each of
/// its bids, a few dozen in a year among millions of rows, so the first thousands of rows of a
/// file look all distinct. Decided on its first 4,096 rows, such a column went plain, was copied
/// as text (16 bytes a row and its text) and then numbered in a second pass over every row; at
/// 10M bids five columns of `bids` did so.
pub(crate) struct TextBuilder<'b> {
    name: PlSmallStr,
    /// The number of the last value pushed. Rows come grouped (a project's bids, a person's
    /// months): the caller, which compares each cell with the one before it as read, pushes a
    /// cell the same as the last by [`TextBuilder::push_again`], with no lookup and no
    /// comparison here.
    last: Option<u32>,
    /// Whether the batch goes plain at its end if its values are mostly distinct: a first batch
    /// of a column not numbered whatever its values.
    may_go_plain: bool,
    mode: Mode<'b>,
}

enum Mode<'b> {
    /// A first batch, numbered among its own values.
    Own {
        distinct: TextSet,
        rows: Numbers,
    },
    /// A batch numbered among the values of the column it goes after, its rows pushed after the
    /// column's.
    Column {
        distinct: &'b mut TextSet,
        rows: &'b mut Numbers,
    },
    Plain(StringChunkedBuilder),
}

/// A batch of text as built: on its own, or numbered among the values of the column it goes
/// after (which it added its new values and its rows to).
pub(crate) enum Batch {
    Own(Text),
    OnColumn,
}

impl<'b> TextBuilder<'b> {
    /// A builder of `n` rows after `start`, its rows with room for `room` (a first batch: the whole
    /// file's). `always_numbered`: a column kept numbered whatever its values (an id column,
    /// keyed later by its distinct ids).
    pub fn on(name: &str, n: usize, room: usize, always_numbered: bool, start: Start<'b>) -> TextBuilder<'b> {
        let may_go_plain = matches!(start, Start::First) && !always_numbered;
        let mode = match start {
            Start::Plain => Mode::Plain(StringChunkedBuilder::new(name.into(), n)),
            Start::First => Mode::Own { distinct: TextSet::new(), rows: Numbers::with_capacity(room.max(n)) },
            Start::On(distinct, rows) => {
                rows.reserve(n);
                Mode::Column { distinct, rows }
            }
        };
        TextBuilder { name: name.into(), last: None, may_go_plain, mode }
    }

    pub fn push_null(&mut self) {
        match &mut self.mode {
            Mode::Own { rows, .. } => rows.push(None),
            Mode::Column { rows, .. } => rows.push(None),
            Mode::Plain(b) => b.append_null(),
        }
    }

    pub fn push(&mut self, value: &str) {
        let (distinct, rows) = match &mut self.mode {
            Mode::Plain(b) => return b.append_value(value),
            Mode::Own { distinct, rows } => (distinct, rows),
            Mode::Column { distinct, rows } => (&mut **distinct, &mut **rows),
        };
        let k = distinct.intern(value);
        self.last = Some(k);
        rows.push(Some(k));
    }

    /// Whether values pushed are looked up among the column's (not plain text).
    pub fn numbered(&self) -> bool {
        !matches!(self.mode, Mode::Plain(_))
    }

    /// Readies the lookup of `value`, to be pushed a few cells later ([`TextSet::prefetch`]).
    pub fn prefetch(&self, value: &str) {
        match &self.mode {
            Mode::Own { distinct, .. } => distinct.prefetch(value),
            Mode::Column { distinct, .. } => distinct.prefetch(value),
            Mode::Plain(_) => {}
        }
    }

    /// Pushes `value` again: the value of the last [`TextBuilder::push`] (a cell the same as the
    /// one before it).
    pub fn push_again(&mut self, value: &str) {
        match (&mut self.mode, self.last) {
            (Mode::Own { rows, .. }, Some(k)) => rows.push(Some(k)),
            (Mode::Column { rows, .. }, Some(k)) => rows.push(Some(k)),
            _ => self.push(value),
        }
    }

    pub fn finish(self) -> Batch {
        match self.mode {
            Mode::Plain(b) => Batch::Own(Text::Plain(b.finish())),
            Mode::Own { distinct, rows } => {
                let text = Text::Numbered { distinct, rows };
                if self.may_go_plain && text.mostly_distinct() {
                    Batch::Own(Text::Plain(text.into_plain(self.name)))
                } else {
                    Batch::Own(text)
                }
            }
            Mode::Column { .. } => Batch::OnColumn,
        }
    }
}

impl Text {
    /// What the next batch of this column is built after.
    pub fn start(&mut self) -> Start<'_> {
        match self {
            Text::Numbered { distinct, rows } => Start::On(distinct, rows),
            Text::Plain(_) => Start::Plain,
        }
    }

    /// Whether more than three values in four are distinct: a column held more compactly as text
    /// than numbered (a number a row, 8 bytes, and each distinct value's text, offset and slot,
    /// about 16 bytes beside its text, against a 16-byte view a row and its text).
    fn mostly_distinct(&self) -> bool {
        match self {
            Text::Numbered { distinct, rows } => distinct.len() * 4 > rows.iter().flatten().count() * 3,
            Text::Plain(_) => true,
        }
    }

    /// The rows of a batch built after these (from [`Text::start`]): one numbered among this
    /// column's values is in it already (its new values and its rows); a plain one goes after a
    /// plain column.
    pub fn append_batch(&mut self, more: Batch) -> PolarsResult<()> {
        match (self, more) {
            (Text::Numbered { .. }, Batch::OnColumn) => {}
            (Text::Plain(ca), Batch::Own(Text::Plain(more))) => ca.append_owned(more)?,
            _ => polars_bail!(ComputeError: "a batch of text was not built after the column it goes after"),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn build_on(values: &[Option<String>], always_numbered: bool, start: Start<'_>) -> Batch {
        let mut b = TextBuilder::on("c", values.len(), values.len(), always_numbered, start);
        // as the parse does: a value the same as the last one pushed (nulls between them or not)
        // is pushed again
        let mut last: Option<&str> = None;
        for v in values {
            match v {
                Some(v) if last == Some(v.as_str()) => b.push_again(v),
                Some(v) => {
                    b.push(v);
                    last = Some(v);
                }
                None => b.push_null(),
            }
        }
        b.finish()
    }

    fn build(values: &[Option<String>], always_numbered: bool) -> Text {
        match build_on(values, always_numbered, Start::First) {
            Batch::Own(t) => t,
            Batch::OnColumn => unreachable!("built on nothing"),
        }
    }

    fn owned(t: &Text) -> Vec<Option<String>> {
        t.iter().map(|v| v.map(str::to_owned)).collect()
    }

    fn values() -> impl Strategy<Value = Vec<Option<String>>> {
        (
            prop::collection::vec(prop::option::weighted(0.9, 0usize..40), 0..12_000),
            prop::collection::vec("[0-9A-Z\u{4e00}-\u{4e10}]{0,24}", 40),
            any::<bool>(),
        )
            .prop_map(|(picks, pool, distinct)| {
                picks
                    .iter()
                    .enumerate()
                    .map(|(i, p)| p.map(|k| if distinct { format!("{}-{i:08}", pool[k]) } else { pool[k].clone() }))
                    .collect()
            })
    }

    /// A numbered column compacts to the values in the order `whole`'s rows first show them, and
    /// its rows read back as `whole` (a plain column has nothing to compact).
    fn compacts_to_first_seen(t: Text, whole: &[Option<String>]) -> Result<(), TestCaseError> {
        if let Ok((distinct, rows)) = t.compacted() {
            let mut seen = std::collections::HashSet::new();
            let first_seen: Vec<&str> = whole.iter().flatten().map(String::as_str).filter(|v| seen.insert(*v)).collect();
            prop_assert_eq!(distinct.iter().collect::<Vec<_>>(), first_seen);
            let back: Vec<Option<String>> = rows.iter().map(|r| r.map(|k| distinct.get(k).to_owned())).collect();
            prop_assert_eq!(back.as_slice(), whole);
        }
        Ok(())
    }

    proptest! {
        /// Whether a column is numbered or plain, it reads back as pushed, row by row, whole and
        /// as a polars column: few distinct values (numbered), many (plain at the batch's end), nulls.
        #[test]
        fn text_columns_read_back_as_pushed(values in values(), always in any::<bool>()) {
            let t = build(&values, always);
            prop_assert_eq!(t.len(), values.len());
            prop_assert_eq!(owned(&t), values.clone());
            for (i, v) in values.iter().enumerate().step_by(97) {
                prop_assert_eq!(t.get(i), v.as_deref());
            }
            let ca = t.into_plain("c".into());
            prop_assert_eq!(ca.iter().map(|v| v.map(str::to_owned)).collect::<Vec<_>>(), values);
        }

        /// A batch built after the column (numbered among its values, or plain after a plain
        /// column) and appended reads back as the two batches pushed one after the other; the
        /// column is plain exactly when its first batch went plain. With rows cleared it reads back
        /// as the whole column would, and compacts to the values in the order the rows first show
        /// them.
        #[test]
        fn batches_appended_and_rows_cleared_read_back(
            a in values(), b in values(), a_always in any::<bool>(), b_always in any::<bool>(),
            clear in prop::collection::vec(any::<prop::sample::Index>(), 0..50),
        ) {
            let mut t = build(&a, a_always);
            let first_plain = matches!(t, Text::Plain(_));
            let batch = build_on(&b, b_always, t.start());
            t.append_batch(batch).expect("append after the column");
            prop_assert_eq!(matches!(t, Text::Plain(_)), first_plain);
            let mut whole: Vec<Option<String>> = a.iter().chain(&b).cloned().collect();
            prop_assert_eq!(owned(&t), whole.clone());
            if !whole.is_empty() {
                let rows: Vec<usize> = clear.iter().map(|ix| ix.index(whole.len())).collect();
                t.set_nulls(&rows);
                for i in rows {
                    whole[i] = None;
                }
            }
            prop_assert_eq!(owned(&t), whole.clone());
            compacts_to_first_seen(t, &whole)?;
        }
    }

    #[test]
    fn repeated_ids_share_their_text() {
        let ids: Vec<Option<String>> = (0..20_000).map(|i| Some(format!("91330281001{:07}", i % 100))).collect();
        let t = build(&ids, false);
        assert!(matches!(&t, Text::Numbered { distinct, .. } if distinct.len() == 100));
        let shared = t.into_plain("c".into());
        let plain = StringChunked::from_iter_options("c".into(), ids.iter().map(|v| v.as_deref()));
        assert!(shared.iter().eq(plain.iter()));
        let buffers = |ca: &StringChunked| ca.downcast_iter().map(|a| a.total_buffer_len()).sum::<usize>();
        assert_eq!(buffers(&shared), 100 * 18, "each distinct id stored once");
        assert!(buffers(&plain) >= 20_000 * 18);
    }

    #[test]
    fn mostly_distinct_values_go_plain_unless_always_numbered() {
        let hashes: Vec<Option<String>> = (0..8192).map(|i| Some(format!("{i:064x}"))).collect();
        assert!(matches!(build(&hashes, false), Text::Plain(_)));
        assert!(matches!(build(&hashes, true), Text::Numbered { .. }));
        // distinct in its first thousands of rows, but each value back four times by the batch's end
        let codes: Vec<Option<String>> = (0..4 * 8192).map(|i| Some(format!("M{:015}", (i * 7919) % 8192))).collect();
        assert!(matches!(build(&codes, false), Text::Numbered { ref distinct, .. } if distinct.len() == 8192));
        // three values in four distinct stays numbered; more goes plain
        let three_in_four: Vec<Option<String>> = (0..4000).map(|i| Some(format!("v{}", if i % 4 == 3 { 0 } else { i }))).collect();
        assert!(matches!(build(&three_in_four, false), Text::Numbered { .. }));
        let more: Vec<Option<String>> = (0..4000).map(|i| Some(format!("v{}", if i % 5 == 4 { 0 } else { i }))).collect();
        assert!(matches!(build(&more, false), Text::Plain(_)));
    }

    #[test]
    fn a_batch_after_a_plain_column_is_plain_and_one_after_a_numbered_column_is_numbered() {
        let hashes: Vec<Option<String>> = (0..100).map(|i| Some(format!("{i:064x}"))).collect();
        let repeated: Vec<Option<String>> = (0..100).map(|i| Some(format!("r{}", i % 3))).collect();
        let mut plain = build(&hashes, false);
        let batch = build_on(&repeated, false, plain.start());
        assert!(matches!(batch, Batch::Own(Text::Plain(_))));
        plain.append_batch(batch).expect("append");
        assert_eq!(owned(&plain), hashes.iter().chain(&repeated).cloned().collect::<Vec<_>>());
        let mut numbered = build(&repeated, false);
        let batch = build_on(&hashes, false, numbered.start());
        assert!(matches!(batch, Batch::OnColumn));
        numbered.append_batch(batch).expect("append");
        assert!(matches!(numbered, Text::Numbered { ref distinct, .. } if distinct.len() == 103));
    }
}
