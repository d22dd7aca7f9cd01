//! A table's text cells as read, before they are parsed: a polars frame of text columns (a
//! workbook's sheet, a Parquet file, a CSV file read whole), or a batch of CSV records split by
//! the `csv` crate's own parser ([`SplitCells`]).
//!
//! A batch of a large CSV file is split here rather than by polars' reader: polars builds a text
//! column of 16-byte views a cell for every column of every batch, and finds the batch's line
//! ends again to share it among its threads, only for `validate` to read each cell once and let
//! the whole go (at 1M bids, its reader was a fifth of ingest's samples, and the fresh memory of
//! its columns a good part of the kernel's page zeroing). Split here, a batch is each column's
//! cells' text end to end and 4 bytes a cell where each ends, in buffers used again batch after
//! batch.

use polars::prelude::*;

/// A table's cells as read.
#[derive(Debug)]
pub enum Cells {
    /// One text column per header cell, `c0`, `c1`, ….
    Frame(DataFrame),
    /// A batch of CSV records, split here.
    Split(SplitCells),
}

impl Cells {
    /// How many rows.
    pub fn height(&self) -> usize {
        match self {
            Cells::Frame(df) => df.height(),
            Cells::Split(cells) => cells.height(),
        }
    }

    /// Each column's cells, in the header's order.
    pub(crate) fn columns(&self) -> PolarsResult<Vec<ColumnCells<'_>>> {
        match self {
            Cells::Frame(df) => df.columns().iter().map(|c| c.str().map(ColumnCells::Frame)).collect(),
            Cells::Split(cells) => Ok((0..cells.width()).map(|column| ColumnCells::Split { cells, column }).collect()),
        }
    }
}

/// One column of a table's cells, read row by row as text (`None` for an empty cell).
#[derive(Clone, Copy, Debug)]
pub(crate) enum ColumnCells<'a> {
    Frame(&'a StringChunked),
    Split { cells: &'a SplitCells, column: usize },
}

impl ColumnCells<'_> {
    /// The cells as a polars text column (an unknown column, kept as text).
    pub(crate) fn to_chunked(self, name: PlSmallStr) -> StringChunked {
        match self {
            ColumnCells::Frame(ca) => ca.clone().with_name(name),
            ColumnCells::Split { cells, column } => StringChunked::from_iter_options(name, cells.column(column)),
        }
    }
}

/// Records of a CSV file split into cells, in parts (split side by side), each part column by
/// column: a column's cells' text end to end (a quoted cell's quotes taken off, a doubled quote
/// made one) and where each cell ends in it. A record shorter than the header has its missing
/// cells empty. Column by column, a column's check reads its own cells one after another, as it
/// read polars' text columns.
#[derive(Debug, Default)]
pub struct SplitCells {
    parts: Vec<Part>,
    width: usize,
}

/// One part's cells, a [`ColumnText`] a column.
#[derive(Debug, Default)]
struct Part {
    columns: Vec<ColumnText>,
}

#[derive(Debug, Default)]
struct ColumnText {
    text: String,
    ends: Vec<u32>,
}

impl SplitCells {
    /// Splits whole records of CSV text (comma-separated, `"` quoting, any of `\r\n`, `\n`, `\r`
    /// ending a record; an empty line a record of empty cells) into `width` cells a row. `None`
    /// when a record has more cells than `width`, when the text is not UTF-8, or when it is too
    /// long to be numbered by 4 bytes: the file is then read whole, which reports such records
    /// one by one.
    pub fn split(records: &[u8], width: usize) -> Option<SplitCells> {
        Self::split_parts(&[records], width, &Spare::default())
    }

    /// [`SplitCells::split`] for records in parts, each part whole records, the parts split side
    /// by side (rayon) and their rows in the parts' order, into the buffers of `spare` parts
    /// where there are some.
    pub fn split_parts(parts: &[&[u8]], width: usize, spare: &Spare) -> Option<SplitCells> {
        use rayon::prelude::*;
        if width == 0 {
            return None;
        }
        let parts =
            parts.par_iter().with_max_len(1).map(|records| Part::split(records, width, spare.take())).collect::<Option<Vec<Part>>>()?;
        Some(SplitCells { parts, width })
    }

    /// How many rows.
    pub fn height(&self) -> usize {
        self.parts.iter().map(|p| p.columns.first().map_or(0, |c| c.ends.len())).sum()
    }

    /// How many cells a row.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The cells of column `column`, row by row (`None` for an empty cell).
    pub fn column(&self, column: usize) -> SplitColumn<'_> {
        SplitColumn { parts: &self.parts, column, text: "", ends: &[], at: 0, start: 0 }
    }
}

/// The buffers of parts already read, kept for the next batches' (cleared, their room kept): a
/// file's batches are split into the memory its batches before were, where fresh buffers for
/// each batch are memory the system has to zero first (at 1M bids, whose tables are one batch
/// each, the page zeroing was 16 % of ingest's samples with polars' reader and 12 % split here).
#[derive(Debug, Default)]
pub struct Spare(std::sync::Mutex<Vec<Buffers>>);

/// A part's buffers: each column's text and cell ends.
type Buffers = Vec<(Vec<u8>, Vec<u32>)>;

impl Spare {
    /// Keeps the buffers of `cells`, read and done with (a frame has none to keep).
    pub fn keep(&self, cells: Cells) {
        let Cells::Split(cells) = cells else { return };
        let parts = cells.parts.into_iter().map(|p| p.columns.into_iter().map(|c| (c.text.into_bytes(), c.ends)).collect());
        if let Ok(mut spare) = self.0.lock() {
            spare.extend(parts);
        }
    }

    fn take(&self) -> Buffers {
        self.0.lock().ok().and_then(|mut spare| spare.pop()).unwrap_or_default()
    }
}

/// The cells of one column of [`SplitCells`], row by row.
#[derive(Debug, Clone)]
pub struct SplitColumn<'a> {
    /// The parts after the one being read.
    parts: &'a [Part],
    column: usize,
    text: &'a str,
    ends: &'a [u32],
    at: usize,
    start: usize,
}

impl<'a> Iterator for SplitColumn<'a> {
    type Item = Option<&'a str>;

    #[inline]
    fn next(&mut self) -> Option<Option<&'a str>> {
        while self.at == self.ends.len() {
            let (part, rest) = self.parts.split_first()?;
            self.parts = rest;
            let c = part.columns.get(self.column)?;
            (self.text, self.ends, self.at, self.start) = (c.text.as_str(), c.ends.as_slice(), 0, 0);
        }
        let end = self.ends[self.at] as usize;
        let cell = self.text.get(self.start..end).filter(|s| !s.is_empty());
        self.at += 1;
        self.start = end;
        Some(cell)
    }
}

impl Part {
    /// Splits `records` into the buffers of `spare` (a part read before), or fresh ones.
    fn split(records: &[u8], width: usize, mut columns: Buffers) -> Option<Part> {
        if u32::try_from(records.len()).is_err() {
            return None;
        }
        let mut reader = csv_core::Reader::new();
        let rows = memchr::memchr_iter(b'\n', records).count() + 1;
        // A column's text, about its share of the records' bytes, grows as it must.
        let share = records.len() / width + 16;
        columns.resize_with(width, Default::default);
        for (text, ends) in &mut columns {
            text.clear();
            ends.clear();
            text.reserve(share);
            ends.reserve(rows);
        }
        // One record's cells end to end (grown to the longest record; a cell only loses bytes,
        // so room for the record's bytes and one more is room enough), and where each ends, from
        // the record's start; one more end than a row may have: a record that fills it has too
        // many cells.
        let mut row = vec![0u8; 256];
        let mut row_ends = vec![0usize; width + 1];
        let (mut read, mut written, mut in_row) = (0usize, 0usize, 0usize);
        loop {
            if written == 0 && in_row == 0 {
                // Between records. The parser stops after the `\r` of a `\r\n`, and would skip
                // an empty line: an empty line is a record of empty cells here, as in polars'
                // reader (its required cells are reported at its row), so that rows keep their
                // numbers.
                let rest = &records[read..];
                if rest.first() == Some(&b'\n') && read > 0 && records[read - 1] == b'\r' {
                    read += 1;
                    continue;
                }
                let blank = if rest.starts_with(b"\r\n") { 2 } else { usize::from(rest.first() == Some(&b'\n')) };
                if blank > 0 {
                    push_record(&mut columns, &row, &[])?;
                    read += blank;
                    continue;
                }
            }
            if row.len() - written < 2 {
                row.resize(row.len() * 2, 0);
            }
            let (result, nin, nout, nend) = reader.read_record(&records[read..], &mut row[written..], &mut row_ends[in_row..]);
            read += nin;
            written += nout;
            in_row += nend;
            match result {
                // the row is longer than its buffer, or it is the last record, without a line
                // end (the empty input that follows ends it)
                csv_core::ReadRecordResult::OutputFull => {}
                csv_core::ReadRecordResult::InputEmpty if nin > 0 || nout > 0 || nend > 0 => {}
                csv_core::ReadRecordResult::Record if in_row <= width => {
                    push_record(&mut columns, &row, &row_ends[..in_row])?;
                    written = 0;
                    in_row = 0;
                }
                csv_core::ReadRecordResult::End => break,
                // (an empty input the parser did not end on: never, but no loop without end)
                csv_core::ReadRecordResult::InputEmpty
                | csv_core::ReadRecordResult::Record
                | csv_core::ReadRecordResult::OutputEndsFull => return None,
            }
        }
        let columns = columns
            .into_iter()
            .map(|(text, ends)| {
                let text = String::from_utf8(text).ok()?;
                // A cell is text of its own only if it ends between two characters (a byte
                // that is not UTF-8 on either side of a separator makes text that is, end to end).
                ends.iter().all(|&e| text.is_char_boundary(e as usize)).then_some(ColumnText { text, ends })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Part { columns })
    }
}

/// Appends a record's cells to their columns: `row` the cells end to end, `ends` where each of
/// them ends; a column past the record's cells (a short record, an empty line) gets an empty
/// cell. `None` when a column's text outgrows 4 bytes of numbering.
fn push_record(columns: &mut Buffers, row: &[u8], ends: &[usize]) -> Option<()> {
    let mut start = 0;
    for (c, (text, cell_ends)) in columns.iter_mut().enumerate() {
        let end = ends.get(c).copied().unwrap_or(start);
        text.extend_from_slice(&row[start..end]);
        cell_ends.push(u32::try_from(text.len()).ok()?);
        start = end;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rows(cells: &SplitCells) -> Vec<Vec<Option<String>>> {
        let columns: Vec<Vec<Option<String>>> =
            (0..cells.width()).map(|c| cells.column(c).map(|v| v.map(str::to_owned)).collect()).collect();
        (0..cells.height()).map(|r| columns.iter().map(|c| c[r].clone()).collect()).collect()
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    #[test]
    fn records_split_into_their_cells() {
        let text = "a,b,c\n\"x,\"\"y\"\"\",,z\r\n短,\"多\n行\",末\nlast,no,end";
        let cells = SplitCells::split(text.as_bytes(), 3).expect("splits");
        assert_eq!(
            rows(&cells),
            vec![
                vec![s("a"), s("b"), s("c")],
                vec![s("x,\"y\""), None, s("z")],
                vec![s("短"), s("多\n行"), s("末")],
                vec![s("last"), s("no"), s("end")],
            ]
        );
    }

    #[test]
    fn a_record_longer_than_the_row_buffer_splits_whole() {
        // the row's buffer starts at 256 bytes and grows while the parser fills it
        let long = "长".repeat(400);
        let text = format!("a,\"{long},\"\"x\"\"\",b\n{long},c,{long}\n");
        let cells = SplitCells::split(text.as_bytes(), 3).expect("splits");
        assert_eq!(
            rows(&cells),
            vec![vec![s("a"), Some(format!("{long},\"x\"")), s("b")], vec![Some(long.clone()), s("c"), Some(long.clone())]]
        );
    }

    #[test]
    fn an_empty_line_is_a_record_of_empty_cells() {
        // between records, after a `\r\n`, at the start and at the end, and none where a `\r\n`
        // ends a record
        let text = "\na,b\r\n\r\nc,d\r\ne,f\n\n\"g\n\n\",h\n\n";
        let cells = SplitCells::split(text.as_bytes(), 2).expect("splits");
        assert_eq!(
            rows(&cells),
            vec![
                vec![None, None],
                vec![s("a"), s("b")],
                vec![None, None],
                vec![s("c"), s("d")],
                vec![s("e"), s("f")],
                vec![None, None],
                vec![s("g\n\n"), s("h")],
                vec![None, None],
            ]
        );
    }

    #[test]
    fn a_short_record_has_its_missing_cells_empty() {
        let cells = SplitCells::split(b"a\nb,c,d\n,\n", 3).expect("splits");
        assert_eq!(rows(&cells), vec![vec![s("a"), None, None], vec![s("b"), s("c"), s("d")], vec![None, None, None]]);
    }

    #[test]
    fn a_record_with_more_cells_than_the_header_is_no_split() {
        assert!(SplitCells::split(b"a,b\nc,d,e\n", 2).is_none());
        assert!(SplitCells::split(b"a,b\nc,d,e,f,g\n", 2).is_none());
        assert!(SplitCells::split(b"a,b\n", 0).is_none());
    }

    #[test]
    fn text_that_is_not_utf8_is_no_split() {
        // a byte that is not UTF-8 on its own
        assert!(SplitCells::split(b"a,\xFF\n", 2).is_none());
        // the two bytes of `é` apart, in two cells of a row, or in a column's cells of two rows:
        // a column's text is UTF-8 end to end, not cell by cell
        assert!(SplitCells::split(b"a\xC3,\xA9b\n", 2).is_none());
        assert!(SplitCells::split(b"\xC3,x\n\xA9,y\n", 2).is_none());
        assert_eq!(rows(&SplitCells::split("a,é\n".as_bytes(), 2).expect("splits")), vec![vec![s("a"), s("é")]]);
    }

    #[test]
    fn nothing_is_no_rows() {
        let cells = SplitCells::split(b"", 2).expect("splits");
        assert_eq!(cells.height(), 0);
        assert_eq!(SplitCells::split(b"\n\n", 2).expect("splits").height(), 2, "two empty lines");
    }

    proptest! {
        /// Any bytes split without a panic, and when they split, every row has the header's cells
        /// and the cells hold the text's characters in order.
        #[test]
        fn any_bytes_split_or_not_without_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), width in 1usize..6) {
            if let Some(cells) = SplitCells::split(&bytes, width) {
                let part = &cells.parts[0];
                prop_assert!(part.columns.iter().all(|c| c.ends.len() == cells.height()));
                prop_assert!(part.columns.iter().all(|c| c.ends.windows(2).all(|w| w[0] <= w[1])));
                for (c, column) in part.columns.iter().enumerate() {
                    let joined: String = cells.column(c).flatten().collect();
                    prop_assert_eq!(&joined, &column.text);
                }
            }
        }

        /// Rows written by the `csv` crate's writer split back into the same cells.
        #[test]
        fn written_rows_split_back(rows_in in proptest::collection::vec(proptest::collection::vec("[a-z,\"\n\r 中]{0,6}", 3), 0..20)) {
            let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
            for r in &rows_in {
                w.write_record(r).expect("writes");
            }
            let bytes = w.into_inner().expect("flushes");
            let cells = SplitCells::split(&bytes, 3).expect("splits");
            // a row of three empty cells is written as `,,`, read back as three empty cells
            let expected: Vec<Vec<Option<String>>> =
                rows_in.iter().map(|r| r.iter().map(|v| (!v.is_empty()).then(|| v.clone())).collect()).collect();
            prop_assert_eq!(rows(&cells), expected);
        }
    }
}
