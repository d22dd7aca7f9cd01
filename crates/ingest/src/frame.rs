//! Typed access to the columns of a validated frame, for the crates that read a [`crate::Dataset`]. Ingest guarantees the types; a column that is
//! absent reads as all-null, so rules can ask for optional columns without special cases.

use polars::prelude::*;

/// The frame type, for crates that read frames through this module without depending on polars.
pub use polars::prelude::DataFrame;

/// A text column as stored: plain text, or an id column stored as keys into its key space
/// (categorical; see `dataset::Interner`).
enum Text<'a> {
    Plain(&'a StringChunked),
    /// Numbers into the column's categories: ids (keys into their key space, always 32-bit), or
    /// repeated text (its own values, 8, 16 or 32 bits as many as it has).
    Cat8(&'a Categorical8Chunked),
    Cat16(&'a Categorical16Chunked),
    Cat32(&'a Categorical32Chunked),
}

fn text<'a>(df: &'a DataFrame, name: &str) -> Option<Text<'a>> {
    let c = df.column(name).ok()?;
    match c.dtype() {
        DataType::String => c.str().ok().map(Text::Plain),
        DataType::Categorical(cats, _) => match cats.physical() {
            CategoricalPhysical::U8 => c.cat8().ok().map(Text::Cat8),
            CategoricalPhysical::U16 => c.cat16().ok().map(Text::Cat16),
            CategoricalPhysical::U32 => c.cat32().ok().map(Text::Cat32),
        },
        _ => None,
    }
}

impl<'a> Text<'a> {
    fn iter(self) -> Box<dyn Iterator<Item = Option<&'a str>> + 'a> {
        match self {
            Text::Plain(ca) => Box::new(ca.iter()),
            Text::Cat8(ca) => Box::new(ca.iter_str()),
            Text::Cat16(ca) => Box::new(ca.iter_str()),
            Text::Cat32(ca) => Box::new(ca.iter_str()),
        }
    }
}

pub fn strs(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    match text(df, name) {
        Some(t) => t.iter().map(|v| v.map(str::to_owned)).collect(),
        None => vec![None; df.height()],
    }
}

/// A text column borrowed from the frame, without copying the strings.
pub fn str_refs<'a>(df: &'a DataFrame, name: &str) -> Vec<Option<&'a str>> {
    match text(df, name) {
        Some(t) => t.iter().collect(),
        None => vec![None; df.height()],
    }
}

pub fn f64s(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    match df.column(name).ok().and_then(|c| c.cast(&DataType::Float64).ok()) {
        Some(c) => c.f64().map(|ca| ca.iter().collect()).unwrap_or_else(|_| vec![None; df.height()]),
        None => vec![None; df.height()],
    }
}

/// The frame in slices of at most `rows` rows (zero-copy views), in order: a pass that reads a
/// slice's columns into vectors holds one slice's worth, not the table's (a 16-byte reference per
/// cell of a 10M-row table is 160 MB a column).
pub fn chunks(df: &DataFrame, rows: usize) -> impl Iterator<Item = DataFrame> + '_ {
    let rows = rows.max(1);
    (0..df.height()).step_by(rows).map(move |offset| df.slice(offset as i64, rows))
}

/// The rows at `positions` (in that order) as a frame of their own: a few scattered rows of a large
/// table, to be read without reading every row. A position past the end is left out.
pub fn gather(df: &DataFrame, positions: &[usize]) -> DataFrame {
    let idx: Vec<IdxSize> = positions.iter().filter(|&&i| i < df.height()).map(|&i| i as IdxSize).collect();
    df.take(&IdxCa::from_vec("idx".into(), idx)).unwrap_or_else(|_| df.clear())
}

/// Rows per slice for [`chunks`].
pub const CHUNK_ROWS: usize = 1 << 16;

/// A text column read cell by cell, borrowed from the frame: for a pass over millions of rows
/// that need not hold a 16-byte reference per row meanwhile (as [`str_refs`] does).
pub fn str_iter<'a>(df: &'a DataFrame, name: &str) -> Box<dyn Iterator<Item = Option<&'a str>> + 'a> {
    match text(df, name) {
        Some(t) => t.iter(),
        None => Box::new(std::iter::repeat_n(None, df.height())),
    }
}

/// The cells of a categorical column as numbers (see [`codes`]).
pub type Codes<'a> = Box<dyn Iterator<Item = Option<u32>> + 'a>;

/// The text of a number of a categorical column (see [`codes`]).
pub type CodeText<'a> = Box<dyn Fn(u32) -> Option<&'a str> + 'a>;

/// A categorical text column read cell by cell as numbers, with the text of a number: the number
/// is the same for equal text within the column (a key of its key space for an id, else the
/// column's own number), so a pass can judge each distinct value once and look up its text only
/// then — not once a row, each lookup a miss in a mapping of millions. `None` for a plain text
/// column or none at all.
pub fn codes<'a>(df: &'a DataFrame, name: &str) -> Option<(Codes<'a>, CodeText<'a>)> {
    fn split<'a, T: PolarsCategoricalType>(ca: &'a CategoricalChunked<T>) -> (Codes<'a>, CodeText<'a>)
    where
        T::Native: Into<u32>,
    {
        let mapping = ca.get_mapping();
        (Box::new(ca.physical().iter().map(|k| k.map(Into::into))), Box::new(move |code| mapping.cat_to_str(code)))
    }
    match text(df, name)? {
        Text::Plain(_) => None,
        Text::Cat8(ca) => Some(split(ca)),
        Text::Cat16(ca) => Some(split(ca)),
        Text::Cat32(ca) => Some(split(ca)),
    }
}

/// A text column's cell by row, for a pass that reads the text of a few rows only (the first row
/// of each distinct id) and the ids' keys for the rest. Each call finds the row's chunk.
pub fn str_at<'a>(df: &'a DataFrame, name: &str) -> Box<dyn Fn(usize) -> Option<&'a str> + 'a> {
    fn coded<'a, T: PolarsCategoricalType>(ca: &'a CategoricalChunked<T>) -> Box<dyn Fn(usize) -> Option<&'a str> + 'a>
    where
        T::Native: Into<u32>,
    {
        let mapping = ca.get_mapping();
        // polars' `get` asserts the row is in range
        Box::new(move |i| if i < ca.len() { ca.physical().get(i).and_then(|k| mapping.cat_to_str(k.into())) } else { None })
    }
    match text(df, name) {
        Some(Text::Plain(ca)) => Box::new(move |i| if i < ca.len() { ca.get(i) } else { None }),
        Some(Text::Cat8(ca)) => coded(ca),
        Some(Text::Cat16(ca)) => coded(ca),
        Some(Text::Cat32(ca)) => coded(ca),
        None => Box::new(|_| None),
    }
}

/// The keys of an id column: the categorical ids ingest stores it as (see `dataset::Interner`), or
/// — for a column whose ids fall in several key spaces and so stay text — its `<id>_key` column.
/// A `u32` column (`_row`) reads as itself. A repeated text column's numbers are no keys: none.
fn key_column<'a>(df: &'a DataFrame, id_column: &str) -> Option<&'a UInt32Chunked> {
    let c = df.column(id_column).ok()?;
    match c.dtype() {
        DataType::Categorical(cats, _) if cats.namespace() == crate::dataset::KEY_SPACE => c.cat32().ok().map(|ca| ca.physical()),
        DataType::Categorical(..) => None,
        DataType::UInt32 => c.u32().ok(),
        _ => df.column(&crate::dataset::key_column_name(id_column)).ok()?.u32().ok(),
    }
}

/// The keys of an id column read cell by cell (see [`str_iter`] and [`keys`]).
pub fn key_iter<'a>(df: &'a DataFrame, id_column: &str) -> Box<dyn Iterator<Item = Option<u32>> + 'a> {
    match key_column(df, id_column) {
        Some(ca) => Box::new(ca.iter()),
        None => Box::new(std::iter::repeat_n(None, df.height())),
    }
}

pub fn i64s(df: &DataFrame, name: &str) -> Vec<Option<i64>> {
    match df.column(name).ok().and_then(|c| c.cast(&DataType::Int64).ok()) {
        Some(c) => c.i64().map(|ca| ca.iter().collect()).unwrap_or_else(|_| vec![None; df.height()]),
        None => vec![None; df.height()],
    }
}

/// An integer, date or time column read cell by cell as [`i64s`] reads it (a date as days, a time
/// as milliseconds), borrowed from the frame where its cells are stored as such.
pub fn i64_iter<'a>(df: &'a DataFrame, name: &str) -> Box<dyn Iterator<Item = Option<i64>> + 'a> {
    let Ok(c) = df.column(name) else { return Box::new(std::iter::repeat_n(None, df.height())) };
    match c.dtype() {
        DataType::Int64 => match c.i64() {
            Ok(ca) => Box::new(ca.iter()),
            Err(_) => Box::new(i64s(df, name).into_iter()),
        },
        DataType::Datetime(..) => match c.datetime() {
            Ok(ca) => Box::new(ca.physical().iter()),
            Err(_) => Box::new(i64s(df, name).into_iter()),
        },
        DataType::Date => match c.date() {
            Ok(ca) => Box::new(ca.physical().iter().map(|d| d.map(i64::from))),
            Err(_) => Box::new(i64s(df, name).into_iter()),
        },
        _ => Box::new(i64s(df, name).into_iter()),
    }
}

pub fn bools(df: &DataFrame, name: &str) -> Vec<Option<bool>> {
    match df.column(name).ok().and_then(|c| c.bool().ok().cloned()) {
        Some(ca) => ca.iter().collect(),
        None => vec![None; df.height()],
    }
}

/// The keys of an id column (`bidder_id` → each bid's bidder key), as [`key_iter`] reads them.
pub fn keys(df: &DataFrame, id_column: &str) -> Vec<Option<u32>> {
    key_iter(df, id_column).collect()
}

/// The source row of every row, as ingest stores it (`u32`).
pub fn rows32(df: &DataFrame) -> Vec<u32> {
    keys(df, "_row").into_iter().map(|r| r.unwrap_or(0)).collect()
}

pub fn rows(df: &DataFrame) -> Vec<u64> {
    row_iter(df).collect()
}

/// The source row of every row, read one at a time (see [`str_iter`]).
pub fn row_iter<'a>(df: &'a DataFrame) -> impl Iterator<Item = u64> + 'a {
    key_iter(df, "_row").map(|r| u64::from(r.unwrap_or(0)))
}

/// A local time stored as milliseconds, as the contract writes it.
pub fn fmt_millis(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string()).unwrap_or_default()
}

/// Days since 1970-01-01 (a `Date` column read with [`i64s`]) as `YYYY-MM-DD`.
pub fn fmt_days(days: i64) -> String {
    chrono::DateTime::from_timestamp(days * 86_400, 0).map(|t| t.date_naive().to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_cover_every_row_once_in_order() {
        let ids: Vec<Option<&str>> = (0..10).map(|i| (i % 4 != 0).then_some(["a", "b", "c"][i % 3])).collect();
        let df = DataFrame::new(10, vec![Column::new("id".into(), ids.clone())]).expect("a frame of one column");
        for rows in [1, 3, 10, 64] {
            let mut seen = Vec::new();
            for slice in chunks(&df, rows) {
                assert!(slice.height() <= rows && slice.height() > 0);
                seen.extend(str_refs(&slice, "id").into_iter().map(|v| v.map(str::to_owned)));
            }
            let want: Vec<Option<String>> = ids.iter().map(|v| v.map(str::to_owned)).collect();
            assert_eq!(seen, want, "slices of {rows}");
        }
        assert_eq!(chunks(&DataFrame::empty(), 3).count(), 0);
        let streamed: Vec<Option<&str>> = str_iter(&df, "id").collect();
        assert_eq!(streamed, ids);
        assert_eq!(str_iter(&df, "absent").count(), 10);
        let some = gather(&df, &[9, 1, 2, 40]);
        assert_eq!(str_refs(&some, "id"), vec![ids[9], ids[1], ids[2]]);
    }

    #[test]
    fn a_cell_by_row_and_a_number_s_text_read_as_the_column_does() {
        let ids: Vec<Option<&str>> = (0..12).map(|i| (i % 5 != 0).then_some(["张伟", "b", "c", "d"][i % 4])).collect();
        let plain = Column::new("id".into(), ids.clone());
        // two chunks, as a table read in batches is
        let mut two = plain.as_materialized_series().clone();
        two.append(plain.as_materialized_series()).expect("same type");
        let cat = two.cast(&DataType::from_categories(Categories::global())).expect("categorical");
        let want: Vec<Option<&str>> = ids.iter().chain(&ids).copied().collect();
        for col in [two, cat] {
            let df = DataFrame::new(24, vec![col.into()]).expect("a frame of one column");
            let at = str_at(&df, "id");
            assert_eq!((0..24).map(&at).collect::<Vec<_>>(), want);
            assert_eq!(at(24), None, "past the end");
            if let Some((codes, text)) = codes(&df, "id") {
                assert_eq!(codes.map(|c| c.and_then(&text)).collect::<Vec<_>>(), want);
            } else {
                assert_eq!(df.column("id").map(Column::dtype).ok(), Some(&DataType::String), "only a plain column has no numbers");
            };
        }
        assert_eq!(str_at(&DataFrame::empty(), "absent")(0), None);
    }

    #[test]
    fn numbers_read_one_at_a_time_as_the_whole_column_reads() {
        let n: Vec<Option<i64>> = vec![Some(3), None, Some(-86_400_000), Some(1_700_000_000_000)];
        let days: Vec<Option<i32>> = vec![Some(20_000), Some(-1), None, Some(0)];
        let df = DataFrame::new(
            4,
            vec![
                Column::new("n".into(), n.clone()),
                Column::new("at".into(), n.clone()).cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).expect("a time column"),
                Column::new("day".into(), days).cast(&DataType::Date).expect("a date column"),
                Column::new("small".into(), vec![Some(7i32), None, Some(8), Some(9)]),
                Column::new("_row".into(), vec![Some(2u32), Some(3), None, Some(5)]),
            ],
        )
        .expect("a frame");
        for name in ["n", "at", "day", "small", "absent"] {
            assert_eq!(i64_iter(&df, name).collect::<Vec<_>>(), i64s(&df, name), "{name}");
        }
        assert_eq!(i64s(&df, "at"), n);
        assert_eq!(i64s(&df, "day"), vec![Some(20_000), Some(-1), None, Some(0)]);
        assert_eq!(row_iter(&df).collect::<Vec<_>>(), vec![2, 3, 0, 5]);
        assert_eq!(rows(&df), vec![2, 3, 0, 5]);
    }
}
