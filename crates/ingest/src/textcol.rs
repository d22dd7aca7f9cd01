//! A text column as parsed: its distinct values and each row's number among them, or plain text.
//!
//! Ids and codes repeat (a bidder's id on each of its bids, a person's on each month of
//! employment, a status or a role on every row). A column built as its distinct values plus a
//! number a row is what every later step wants: the duplicate check hashes and compares numbers,
//! the reference check asks about each distinct id once, an id column is keyed by asking its key
//! space once per distinct id, and a repeated text column becomes categorical from the numbers it
//! already has. Only a column whose values turn out mostly distinct (a document hash, an address)
//! is built plainly, as a polars string column, from its first [`TextBuilder::PROBE`] values on.

use bidwatch_model::textset::TextSet;
use polars::prelude::*;

/// A parsed text column.
#[derive(Debug)]
pub(crate) enum Text {
    /// Each distinct value once (numbered in the order first pushed) and, per row, its number.
    Numbered {
        distinct: TextSet,
        rows: Vec<Option<u32>>,
    },
    Plain(StringChunked),
}

/// The values of a [`Text`], row by row.
pub(crate) enum TextIter<'a> {
    Numbered(&'a TextSet, std::slice::Iter<'a, Option<u32>>),
    Plain(Box<dyn Iterator<Item = Option<&'a str>> + 'a>),
}

impl<'a> Iterator for TextIter<'a> {
    type Item = Option<&'a str>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            TextIter::Numbered(distinct, rows) => rows.next().map(|r| r.map(|k| distinct.get(k))),
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
            Text::Numbered { distinct, rows } => rows[i].map(|k| distinct.get(k)),
            Text::Plain(ca) => ca.get(i),
        }
    }

    pub fn iter(&self) -> TextIter<'_> {
        match self {
            Text::Numbered { distinct, rows } => TextIter::Numbered(distinct, rows.iter()),
            Text::Plain(ca) => TextIter::Plain(Box::new(ca.iter())),
        }
    }

    /// Clears the values of `rows`.
    pub fn set_nulls(&mut self, cleared: &[usize]) {
        match self {
            Text::Numbered { rows, .. } => {
                for &i in cleared {
                    rows[i] = None;
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

    /// The rows of `more` after these (the next batch of the same column). Two numbered batches
    /// stay numbered: each of the next batch's distinct values is numbered among these once.
    pub fn append(&mut self, more: Text) -> PolarsResult<()> {
        match (self, more) {
            (Text::Numbered { distinct, rows }, Text::Numbered { distinct: more_distinct, rows: more_rows }) => {
                let renumber: Vec<u32> = more_distinct.iter().map(|v| distinct.intern(v)).collect();
                rows.extend(more_rows.into_iter().map(|r| r.map(|k| renumber[k as usize])));
            }
            (this, more) => {
                let name = PlSmallStr::from_static("text");
                let mut ca = std::mem::replace(this, Text::Plain(StringChunked::full_null(name.clone(), 0))).into_plain(name.clone());
                ca.append_owned(more.into_plain(name))?;
                *this = Text::Plain(ca);
            }
        }
        Ok(())
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
                let idx = IdxCa::from_iter_options("idx".into(), rows.into_iter().map(|r| r.map(|k| k as IdxSize)));
                // Every number was handed out by `distinct`, so the gather cannot be out of bounds.
                dict.take(&idx).unwrap_or_else(|_| StringChunked::full_null(name, idx.len()))
            }
        }
    }

    /// `f` of the column's distinct values and each row's number among them: a plain column is
    /// numbered for the call.
    pub fn with_numbers<R>(&self, f: impl FnOnce(&TextSet, &[Option<u32>]) -> R) -> R {
        match self {
            Text::Numbered { distinct, rows } => f(distinct, rows),
            Text::Plain(ca) => {
                let (distinct, rows) = numbered(ca, usize::MAX).unwrap_or_default();
                f(&distinct, &rows)
            }
        }
    }

    /// The distinct values in the order their rows first show them, and each row's number among
    /// those: values only cleared rows held are gone, and the numbers are the ones a first-seen
    /// numbering of the rows would give.
    pub fn compacted(self) -> Result<(TextSet, Vec<Option<u32>>), StringChunked> {
        let (distinct, mut rows) = match self {
            Text::Numbered { distinct, rows } => (distinct, rows),
            Text::Plain(ca) => return Err(ca),
        };
        let mut renumber: Vec<Option<u32>> = vec![None; distinct.len()];
        let mut order = Vec::new();
        for k in rows.iter_mut().flatten() {
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

/// A column's distinct values and each row's number among them, unless more than `limit` values
/// are distinct (the count stops there).
pub(crate) fn numbered(ca: &StringChunked, limit: usize) -> Option<(TextSet, Vec<Option<u32>>)> {
    let mut distinct = TextSet::new();
    let mut numbers: Vec<Option<u32>> = Vec::with_capacity(ca.len());
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
        if distinct.len() > limit {
            return None;
        }
        previous = Some((v, k));
        numbers.push(Some(k));
    }
    Some((distinct, numbers))
}

/// Builds a [`Text`] cell by cell.
///
/// A batch of a column already numbered is built on that column's values (`base`): a cell whose
/// value the column has takes its number there, and only the values new to the column are kept
/// here, numbered after the column's (`base.len()` on). A batch used to number its cells among
/// values of its own, grown from empty, and then have those numbered again among the column's:
/// about two hash lookups a cell instead of one (half of `bid_personnel`'s read at 10M bids).
pub(crate) struct TextBuilder<'b> {
    name: PlSmallStr,
    base: Option<&'b TextSet>,
    /// The number the batch's own values start from: `base`'s length (0 on nothing).
    first_new: u32,
    /// The numbers seen among the first [`TextBuilder::PROBE`] rows, for the probe: the batch's
    /// own count of distinct values, whatever the column had before it. `None` for a column
    /// numbered whatever the probe would find (an id column, keyed later by its distinct ids),
    /// and once the probe is past.
    probe: Option<hashbrown::HashSet<u32, foldhash::fast::FixedState>>,
    mode: Mode,
    /// The batch's rows, for a builder that goes plain (its numbers may have room for more).
    batch: usize,
}

enum Mode {
    /// `distinct`: the values not in `base`, numbered from `base.len()` on.
    Numbered {
        distinct: TextSet,
        rows: Vec<Option<u32>>,
    },
    Plain(StringChunkedBuilder),
}

/// A batch of text as built: on its own, or on the values of the column it goes after.
pub(crate) enum Batch {
    Own(Text),
    /// Rows numbered among the column's values and then `new` (the values the column lacks, in
    /// the order the rows first show them).
    OnColumn {
        new: TextSet,
        rows: Vec<Option<u32>>,
    },
}

impl<'b> TextBuilder<'b> {
    pub const PROBE: usize = 4096;

    /// A builder of `n` rows numbering on `base` (the distinct values of the column the batch
    /// goes after), its numbers with room for `room` rows (a first batch: the whole file's).
    pub fn on(name: &str, n: usize, room: usize, always_numbered: bool, base: Option<&'b TextSet>) -> TextBuilder<'b> {
        let mode = Mode::Numbered { distinct: TextSet::new(), rows: Vec::with_capacity(room.max(n)) };
        let probe = (!always_numbered).then(Default::default);
        let first_new = base.map_or(0, |b| b.len() as u32);
        TextBuilder { name: name.into(), base, first_new, probe, mode, batch: n }
    }

    /// The value numbered `k`: the column's below `first_new`, the batch's own from it.
    fn value_of<'s>(base: Option<&'s TextSet>, first_new: u32, distinct: &'s TextSet, k: u32) -> &'s str {
        match base {
            Some(b) if k < first_new => b.get(k),
            _ => distinct.get(k - first_new),
        }
    }

    pub fn push_null(&mut self) {
        match &mut self.mode {
            Mode::Numbered { rows, .. } => rows.push(None),
            Mode::Plain(b) => b.append_null(),
        }
    }

    pub fn push(&mut self, value: &str) {
        let (base, from) = (self.base, self.first_new);
        let Mode::Numbered { distinct, rows } = &mut self.mode else {
            if let Mode::Plain(b) = &mut self.mode {
                b.append_value(value);
            }
            return;
        };
        // Rows come grouped (a project's bids, a person's months): the previous value first.
        let previous = rows.last().copied().flatten().filter(|&k| Self::value_of(base, from, distinct, k) == value);
        let k = previous.unwrap_or_else(|| match base.and_then(|b| b.find(value)) {
            Some(k) => k,
            None => from.saturating_add(distinct.intern(value)),
        });
        rows.push(Some(k));
        let n = rows.len();
        let Some(seen) = &mut self.probe else { return };
        if n <= Self::PROBE {
            seen.insert(k);
        }
        if n < Self::PROBE {
            return;
        }
        // The probe, at a value pushed as the probe's last row: a column whose values are mostly
        // distinct goes plain (numbering would hash every value for nothing). Past that row
        // (its last row was empty) there is no probe.
        let seen = self.probe.take().map_or(0, |s| s.len());
        let Mode::Numbered { rows, .. } = &self.mode else { return };
        if n == Self::PROBE && seen * 2 > rows.iter().filter(|r| r.is_some()).count() {
            self.go_plain();
        }
    }

    /// Rebuilds what was pushed so far as a plain column and continues plainly.
    fn go_plain(&mut self) {
        let Mode::Numbered { distinct, rows } = &self.mode else { return };
        let mut b = StringChunkedBuilder::new(self.name.clone(), self.batch.max(rows.len()));
        for r in rows {
            match r {
                Some(k) => b.append_value(Self::value_of(self.base, self.first_new, distinct, *k)),
                None => b.append_null(),
            }
        }
        self.mode = Mode::Plain(b);
    }

    pub fn finish(self) -> Batch {
        match (self.mode, self.base) {
            (Mode::Plain(b), _) => Batch::Own(Text::Plain(b.finish())),
            (Mode::Numbered { distinct, rows }, None) => Batch::Own(Text::Numbered { distinct, rows }),
            (Mode::Numbered { distinct, rows }, Some(_)) => Batch::OnColumn { new: distinct, rows },
        }
    }
}

impl Text {
    /// The distinct values of a numbered column, for the next batch to be built on.
    pub fn base(&self) -> Option<&TextSet> {
        match self {
            Text::Numbered { distinct, .. } => Some(distinct),
            Text::Plain(_) => None,
        }
    }

    /// The rows of a batch after these: one built on this column's values takes their numbers
    /// as they are, its new values numbered after the column's, in order.
    pub fn append_batch(&mut self, more: Batch) -> PolarsResult<()> {
        match (self, more) {
            (this, Batch::Own(more)) => this.append(more),
            (Text::Numbered { distinct, rows }, Batch::OnColumn { new, rows: more }) => {
                // every value of `new` is new to the column and they are distinct: each takes the
                // next number, the one the batch gave it
                for v in new.iter() {
                    distinct.intern(v);
                }
                rows.extend(more);
                Ok(())
            }
            (Text::Plain(_), Batch::OnColumn { .. }) => {
                polars_bail!(ComputeError: "a batch was numbered on a column that is not numbered")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn build_on(values: &[Option<String>], always_numbered: bool, base: Option<&TextSet>) -> Batch {
        let mut b = TextBuilder::on("c", values.len(), values.len(), always_numbered, base);
        for v in values {
            match v {
                Some(v) => b.push(v),
                None => b.push_null(),
            }
        }
        b.finish()
    }

    fn build(values: &[Option<String>], always_numbered: bool) -> Text {
        match build_on(values, always_numbered, None) {
            Batch::Own(t) => t,
            Batch::OnColumn { .. } => unreachable!("built on nothing"),
        }
    }

    fn owned(t: &Text) -> Vec<Option<String>> {
        t.iter().map(|v| v.map(str::to_owned)).collect()
    }

    fn values() -> impl Strategy<Value = Vec<Option<String>>> {
        (
            prop::collection::vec(prop::option::weighted(0.9, 0usize..40), 0..(3 * TextBuilder::PROBE)),
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

    proptest! {
        /// Whether a column is numbered or plain, it reads back as pushed, row by row, whole and
        /// as a polars column: few distinct values (numbered), many (plain after the probe), nulls.
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

        /// Batches appended (numbered or plain, in any mix) and rows cleared read back as the
        /// whole column would; compacting numbers the values in the order the rows show them.
        #[test]
        fn batches_appended_and_rows_cleared_read_back(
            a in values(), b in values(), a_always in any::<bool>(), b_always in any::<bool>(),
            clear in prop::collection::vec(any::<prop::sample::Index>(), 0..50),
        ) {
            let mut t = build(&a, a_always);
            t.append(build(&b, b_always)).expect("append");
            let mut whole: Vec<Option<String>> = a.iter().chain(&b).cloned().collect();
            if !whole.is_empty() {
                let rows: Vec<usize> = clear.iter().map(|ix| ix.index(whole.len())).collect();
                t.set_nulls(&rows);
                for i in rows {
                    whole[i] = None;
                }
            }
            prop_assert_eq!(owned(&t), whole.clone());
            if let Ok((distinct, rows)) = t.compacted() {
                let mut first_seen: Vec<&str> = Vec::new();
                for v in whole.iter().flatten() {
                    if !first_seen.contains(&v.as_str()) {
                        first_seen.push(v);
                    }
                }
                prop_assert_eq!(distinct.iter().collect::<Vec<_>>(), first_seen);
                let back: Vec<Option<String>> = rows.iter().map(|r| r.map(|k| distinct.get(k).to_owned())).collect();
                prop_assert_eq!(back, whole);
            }
        }
    }

    proptest! {
        /// A batch built on the column's values and appended reads back, and compacts, as the
        /// same batch built on its own and appended did; it goes plain exactly when that did.
        #[test]
        fn a_batch_built_on_the_column_is_the_batch_built_alone(
            a in values(), b in values(), a_always in any::<bool>(), b_always in any::<bool>(),
        ) {
            let mut alone = build(&a, a_always);
            let mut on = build(&a, a_always);
            alone.append(build(&b, b_always)).expect("append");
            let batch = build_on(&b, b_always, on.base());
            on.append_batch(batch).expect("append on the column");
            prop_assert_eq!(matches!(on, Text::Plain(_)), matches!(alone, Text::Plain(_)));
            prop_assert_eq!(owned(&on), owned(&alone));
            let compacted = |t: Text| t.compacted().ok().map(|(d, r)| (d.iter().map(str::to_owned).collect::<Vec<_>>(), r));
            prop_assert_eq!(compacted(on), compacted(alone));
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
        let hashes: Vec<Option<String>> = (0..2 * TextBuilder::PROBE).map(|i| Some(format!("{i:064x}"))).collect();
        assert!(matches!(build(&hashes, false), Text::Plain(_)));
        assert!(matches!(build(&hashes, true), Text::Numbered { .. }));
    }
}
