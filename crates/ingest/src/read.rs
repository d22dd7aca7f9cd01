//! Reading files into raw tables of text: CSV (UTF-8 or GB18030, detected), Parquet, and the
//! sheets of an `.xlsx` workbook. Nothing here knows what the columns mean; `validate` does.

use std::borrow::Cow;
use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader};
use polars::prelude::*;

use crate::cells::{Cells, Spare, SplitCells};
use crate::error::{IngestError, Result};
use crate::report::{clip, Action, IngestIssue};
use crate::schema::TableName;

/// The text encoding a CSV file was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Gb18030,
    Utf16,
}

impl TextEncoding {
    pub fn as_str(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 (BOM)",
            TextEncoding::Gb18030 => "GB18030",
            TextEncoding::Utf16 => "UTF-16",
        }
    }
}

/// A table as read from one file or sheet: its header cells as written, and its cells as text,
/// one column per header cell (a frame's named `c0`, `c1`, … so that odd or repeated headers
/// cannot clash).
#[derive(Debug)]
pub struct RawTable {
    pub table: TableName,
    /// `bids.csv`, or `data.xlsx#bids` for a sheet.
    pub source: String,
    pub path: PathBuf,
    pub format: &'static str,
    pub encoding: Option<TextEncoding>,
    pub headers: Vec<String>,
    pub cells: Cells,
    /// The spreadsheet row of each row (header = 1); `None` means contiguous from row
    /// `row_offset + 2`.
    pub row_numbers: Option<Vec<u64>>,
    /// Records of the file before this table's first (a batch of a file read in parts).
    pub row_offset: u64,
    /// Records that could not be split into the header's columns.
    pub issues: Vec<IngestIssue>,
    /// The records the whole file is expected to hold, for the first batch of a file read in
    /// parts (its records scaled by the file's bytes): the table's columns are sized for them
    /// once, instead of doubling and copying as each batch comes (at 10M bids, the bids' numeric
    /// columns were copied into fresh memory a dozen times). `None` when the frame is the whole.
    pub rows_expected: Option<usize>,
}

impl RawTable {
    /// How many rows.
    pub fn height(&self) -> usize {
        self.cells.height()
    }

    pub fn row_number(&self, i: usize) -> u64 {
        match &self.row_numbers {
            Some(rows) => rows[i],
            None => self.row_offset + i as u64 + 2,
        }
    }
}

/// Decodes a CSV file's bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a
/// superset of GBK and GB2312). Bytes that are neither are an error naming the first bad byte.
/// UTF-8 is checked in place and borrowed, not copied.
pub fn decode<'b>(path: &Path, bytes: &'b [u8]) -> Result<(Cow<'b, str>, TextEncoding)> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match simdutf8::compat::from_utf8(rest) {
            Ok(s) => Ok((Cow::Borrowed(s), TextEncoding::Utf8Bom)),
            Err(e) => Err(IngestError::Encoding { path: path.to_owned(), offset: e.valid_up_to() + 3 }),
        };
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let enc = if bytes[0] == 0xFF { encoding_rs::UTF_16LE } else { encoding_rs::UTF_16BE };
        return match enc.decode_without_bom_handling_and_without_replacement(&bytes[2..]) {
            Some(s) => Ok((s, TextEncoding::Utf16)),
            None => Err(IngestError::Encoding { path: path.to_owned(), offset: 2 }),
        };
    }
    let utf8_err = match simdutf8::compat::from_utf8(bytes) {
        Ok(s) if !bytes.contains(&0) => return Ok((Cow::Borrowed(s), TextEncoding::Utf8)),
        Ok(s) => {
            let offset = s.find('\0').unwrap_or(0);
            return Err(IngestError::Unreadable {
                path: path.to_owned(),
                reason: format!("NUL byte at byte {offset}: UTF-16 without a byte-order mark, or not a text file"),
            });
        }
        Err(e) => e,
    };
    match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(s) if !s.contains('\0') => Ok((s, TextEncoding::Gb18030)),
        _ => Err(IngestError::Encoding { path: path.to_owned(), offset: utf8_err.valid_up_to() }),
    }
}

fn string_frame(columns: Vec<Vec<Option<String>>>) -> Result<DataFrame, PolarsError> {
    let height = columns.first().map_or(0, Vec::len);
    let cols: Vec<Column> = columns.into_iter().enumerate().map(|(i, values)| Column::new(format!("c{i}").into(), values)).collect();
    DataFrame::new(height, cols)
}

/// Reads a CSV file. The fast path is polars' reader; if polars cannot split the file (a record
/// with more fields than the header, a broken quote), the `csv` crate reads it record by record and
/// each record that does not fit is set aside with its row number.
pub fn read_csv(table: TableName, path: &Path) -> Result<RawTable> {
    let bytes = fs::read(path).map_err(|source| IngestError::Io { path: path.to_owned(), source })?;
    let (decoded, encoding) = decode(path, &bytes)?;
    let source = file_name(path);
    let (headers, body) = header(path, &decoded)?;
    if let Some(at) = records(decoded.as_bytes(), body, usize::MAX).unclosed {
        return Err(unclosed_quote(path, lines(&decoded.as_bytes()[..at]) + 1));
    }
    let n = headers.len();
    let options = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_dtype_overwrite(Some(Arc::new(vec![DataType::String; n])))
        .with_raise_if_empty(false)
        .map_parse_options(|o| o.with_missing_is_null(true).with_truncate_ragged_lines(false));
    // Plain UTF-8 (the file as it is on disk): polars maps and splits the file itself, in
    // parallel, and no copy of the text is held meanwhile. Other encodings are read from the
    // decoded text.
    let text: Option<String> = (encoding != TextEncoding::Utf8).then(|| decoded.into_owned());
    drop(bytes);
    let fast = match &text {
        None => options.try_into_reader_with_file_path(Some(path.to_owned())).and_then(|r| r.finish()),
        Some(text) => options.into_reader_with_file_handle(Cursor::new(text.as_bytes())).finish(),
    };
    let mut raw = RawTable {
        table,
        source,
        path: path.to_owned(),
        format: "csv",
        encoding: Some(encoding),
        headers,
        cells: Cells::Frame(DataFrame::empty()),
        row_numbers: None,
        row_offset: 0,
        issues: Vec::new(),
        rows_expected: None,
    };
    match fast {
        Ok(mut df) if df.width() == n => {
            let names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
            df.set_column_names(&names).map_err(|e| IngestError::Unreadable { path: path.to_owned(), reason: e.to_string() })?;
            raw.cells = Cells::Frame(df);
        }
        _ => {
            let text = match text {
                Some(t) => t,
                None => fs::read_to_string(path).map_err(|source| IngestError::Io { path: path.to_owned(), source })?,
            };
            read_csv_slow(&mut raw, &text)?;
        }
    }
    Ok(raw)
}

/// A CSV text's header cells, and where the records after it start (a byte offset). A file
/// without a header row is an error.
fn header(path: &Path, text: &str) -> Result<(Vec<String>, usize)> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    match rdr.read_record(&mut record) {
        Ok(true) if !record.is_empty() => {
            // The csv reader stops after the `\r` of a `\r\n` line end (it would skip the `\n`
            // as a blank line on its next read); the body starts after the `\n`, where the first
            // record does.
            let end = rdr.position().byte() as usize;
            let end = if text.as_bytes().get(end) == Some(&b'\n') { end + 1 } else { end };
            Ok((record.iter().map(str::to_owned).collect(), end))
        }
        Ok(_) => Err(IngestError::Unreadable { path: path.to_owned(), reason: "empty file (no header row)".into() }),
        Err(e) => Err(IngestError::Unreadable { path: path.to_owned(), reason: format!("header: {e}") }),
    }
}

/// Bytes of CSV text per batch of [`read_csv_batches`]. Measured at 10M bids: 64 MB batches
/// left the frames ~0.3 GB larger (a partly filled text buffer per column per batch) for the same
/// ingest peak as 256 MB ones (7.8 and 8.1 GB, from 10.5 read whole).
pub const BATCH_BYTES: usize = 256 << 20;

/// Reads a CSV file in batches of whole records, about `batch_bytes` of text each, handing each
/// batch to `each` as a raw table of its own (`row_offset` numbering its rows in the file): a
/// table of millions of rows is never held as text cells all at once, only one batch's cells
/// (and the next one's, parsed while `each` checks this one). A UTF-8 file is mapped, not read
/// into memory, and the pages of the batches handed over are let go as it goes (its 2.2 GB of
/// bytes, at 10M bids, held whole while it was parsed, were a quarter of ingest's peak); a file
/// in another encoding (GB18030, UTF-16) is decoded whole first.
///
/// Returns `Ok(false)` — having handed over nothing more — when a batch cannot be split (a
/// record with more fields than the header), a batch is not UTF-8 or holds a NUL after a UTF-8
/// start, or the file has no records; the caller then reads the file whole with [`read_csv`],
/// which decodes it as a whole and sets such records aside one by one. A quote that opens a cell
/// and is never closed is an error, as it is read whole.
// Maps the file: read into a buffer, every byte was copied into fresh memory, each page of which
// the system zeroed first.
#[allow(unsafe_code)]
pub fn read_csv_batches(table: TableName, path: &Path, batch_bytes: usize, mut each: impl FnMut(&RawTable) -> Result<()>) -> Result<bool> {
    let io = |source| IngestError::Io { path: path.to_owned(), source };
    let batch_bytes = batch_bytes.max(1);
    // A batch and a part a window: a batch to hand over, the rest a record that may go on. Every
    // page of a window is read to find its records (and counts as the process's memory until
    // let go, below): a window of two batches was 0.5 GB of the file mapped at ingest's peak.
    let window = batch_bytes.saturating_add(batch_bytes / PARTS_A_BATCH);
    let file = fs::File::open(path).map_err(io)?;
    if file.metadata().map_err(io)?.len() == 0 {
        return read_csv_batches_whole(table, path, batch_bytes, each);
    }
    // SAFETY: the map is only read, and no reference into it outlives this call (each batch's
    // cells are copied into its own text). A file changed while it is read gives wrong cells, as
    // any read of a file being written would; polars maps the files it reads the same way.
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
    let data: &[u8] = &map;
    // The header, from a first 64 KiB grown until it holds the whole header (the batches check
    // the rest: a window of two batches checked here was 3 GB checked twice at 10M bids).
    let mut end = (64 << 10).min(window).min(data.len());
    let (encoding, headers, body) = loop {
        let eof = end == data.len();
        let buf = &data[..end];
        let head_len = match simdutf8::compat::from_utf8(buf) {
            Ok(s) => s.len(),
            // text cut inside a character at the end of the window is still UTF-8
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => 0,
        };
        let utf16 = buf.starts_with(b"\xFF\xFE") || buf.starts_with(b"\xFE\xFF");
        if utf16 || (head_len == 0 && eof) || buf.contains(&0) || (head_len == 0 && buf.len() >= 4) {
            // not UTF-8 (GB18030, UTF-16), a NUL, or empty: decoded and reported as a whole
            drop(map);
            return read_csv_batches_whole(table, path, batch_bytes, each);
        }
        let skip = if buf.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        let head = simdutf8::basic::from_utf8(&buf[skip.min(head_len)..head_len]).unwrap_or_default();
        let (headers, body) = match header(path, head) {
            Ok(h) => h,
            Err(_) if !eof => {
                end = end.saturating_mul(2).min(data.len());
                continue;
            }
            Err(e) => return Err(e),
        };
        // a header that reaches the end of the window may go on
        if body < head.len() || eof {
            let encoding = if skip == 3 { TextEncoding::Utf8Bom } else { TextEncoding::Utf8 };
            break (encoding, headers, skip + body);
        }
        end = end.saturating_mul(2).min(data.len());
    };
    // The next batch is split into cells on a thread of its own while `each` checks this one: a
    // batch's check is its columns side by side and waits for the longest, with a core idle
    // meanwhile. One batch waits split at most; the first error of `each` stops the reading, and
    // an error the reading meets after the batches before it were checked is reported as it was.
    let spare = Spare::default();
    std::thread::scope(|scope| {
        let (hand, batches) = std::sync::mpsc::sync_channel::<RawTable>(0);
        let (map, headers, spare) = (&map, &headers, &spare);
        let parsing = scope.spawn(move || -> Result<bool> {
            let mut done = 0u64;
            let mut start = body;
            let mut size = window;
            loop {
                let end = start.saturating_add(size).min(data.len());
                let eof = end == data.len();
                let lay = records(&data[..end], start, part_bytes(batch_bytes, data.len() - body));
                // The last part may be a record that goes on past the window: it waits for the
                // next.
                let (ready, rest) = match (eof, lay.batches.split_last()) {
                    (true, _) => (&lay.batches[..], data.len()),
                    (false, Some((last, ready))) => (ready, last.0),
                    (false, None) => (&lay.batches[..], start),
                };
                if eof {
                    if let Some(at) = lay.unclosed {
                        return Err(unclosed_quote(path, lines(&data[..at]) + 1));
                    }
                }
                for group in batches_of(ready, batch_bytes) {
                    let parts: Vec<&[u8]> = group.iter().map(|&(s, e)| &data[s..e]).collect();
                    // UTF-8 is checked by the split, on the cells' text (a check of the file's
                    // bytes as well was one core's pass over every file before the read)
                    if parts.iter().any(|p| p.contains(&0)) {
                        return Ok(false);
                    }
                    let Some(raw) = batch(table, path, encoding, headers, &parts, done, data.len() - body, spare) else { return Ok(false) };
                    done += raw.height() as u64;
                    if hand.send(raw).is_err() {
                        // the check stopped at an error of its own, which is the one reported
                        return Ok(true);
                    }
                }
                if eof {
                    return Ok(done > 0);
                }
                if rest == start {
                    // one record longer than the window: a wider one
                    size = size.saturating_mul(2);
                    continue;
                }
                // The pages handed over leave the process (they stay in the system's file
                // cache): a mapped file's pages count as the process's memory while mapped, and
                // a 2.2 GB file read through would count whole by its end.
                // SAFETY: nothing before `rest` is read again (each batch's cells hold their own
                // copy of its text, and the batches split are all before it).
                let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, 0, rest) };
                start = rest;
                size = window;
            }
        });
        let checked = batches.iter().try_for_each(|raw| {
            each(&raw)?;
            spare.keep(raw.cells);
            Ok(())
        });
        // a check that failed lets the parsing stop at its next batch
        drop(batches);
        let parsed = parsing.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        checked.and(parsed)
    })
}

/// The records a file of `body` bytes holds, from a first batch of `rows` records in `bytes`: its
/// share scaled up, with 2 % to spare (records vary in length; a shortfall only means the columns
/// grow once more, and room never written costs no memory).
fn expected_rows(rows: usize, bytes: usize, body: usize) -> usize {
    if bytes == 0 {
        return rows;
    }
    let scaled = rows as f64 * body as f64 / bytes as f64 * 1.02;
    (scaled.ceil() as usize).max(rows)
}

/// Parts of a batch's text, split side by side: the batch is read as parts of about this share
/// of its bytes (of the file's, for a file smaller than a batch), whole records each.
const PARTS_A_BATCH: usize = 16;

/// The least bytes of a part (unless a batch is smaller): a part's buffers are a column's text
/// and ends each, not worth a task for a few records.
const PART_BYTES_AT_LEAST: usize = 64 << 10;

/// The bytes of a part of a batch of `batch_bytes`, of a file whose records take `body` bytes: a
/// file smaller than a batch is still split into parts side by side (at 100K bids, the bids'
/// 22 MB were one or two parts of 16 MB, split on one core).
fn part_bytes(batch_bytes: usize, body: usize) -> usize {
    (batch_bytes.min(body) / PARTS_A_BATCH).max(PART_BYTES_AT_LEAST.min(batch_bytes)).max(1)
}

/// Consecutive parts, grouped into batches of at least `batch_bytes` (the last may be less).
fn batches_of(parts: &[(usize, usize)], batch_bytes: usize) -> impl Iterator<Item = &[(usize, usize)]> {
    let mut rest = parts;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut bytes = 0;
        let n = rest.iter().position(|&(s, e)| {
            bytes += e - s;
            bytes >= batch_bytes
        });
        let (group, after) = rest.split_at(n.map_or(rest.len(), |i| i + 1));
        rest = after;
        Some(group)
    })
}

/// One batch of whole records, in parts, split into text cells, its rows numbered from
/// `row_offset`; `None` when it cannot be split into the header's fields ([`SplitCells::split`]).
/// The first batch (`row_offset` 0) of a file whose records take `body` bytes tells how many
/// records the file should hold.
#[allow(clippy::too_many_arguments)]
fn batch(
    table: TableName,
    path: &Path,
    encoding: TextEncoding,
    headers: &[String],
    parts: &[&[u8]],
    row_offset: u64,
    body: usize,
    spare: &Spare,
) -> Option<RawTable> {
    let cells = SplitCells::split_parts(parts, headers.len(), spare)?;
    let bytes = parts.iter().map(|p| p.len()).sum();
    let rows_expected = (row_offset == 0).then(|| expected_rows(cells.height(), bytes, body));
    Some(RawTable {
        table,
        source: file_name(path),
        path: path.to_owned(),
        format: "csv",
        encoding: Some(encoding),
        headers: headers.to_vec(),
        cells: Cells::Split(cells),
        row_numbers: None,
        row_offset,
        issues: Vec::new(),
        rows_expected,
    })
}

/// [`read_csv_batches`] for a file decoded whole first (not UTF-8, or a header longer than a read).
fn read_csv_batches_whole(
    table: TableName,
    path: &Path,
    batch_bytes: usize,
    mut each: impl FnMut(&RawTable) -> Result<()>,
) -> Result<bool> {
    let bytes = fs::read(path).map_err(|source| IngestError::Io { path: path.to_owned(), source })?;
    let (decoded, encoding) = decode(path, &bytes)?;
    let text: &str = &decoded;
    let (headers, body) = header(path, text)?;
    if body >= text.len() {
        return Ok(false);
    }
    let lay = records(text.as_bytes(), body, part_bytes(batch_bytes.max(1), text.len() - body));
    if let Some(at) = lay.unclosed {
        return Err(unclosed_quote(path, lines(&text.as_bytes()[..at]) + 1));
    }
    let mut done = 0u64;
    let spare = Spare::default();
    for group in batches_of(&lay.batches, batch_bytes.max(1)) {
        let parts: Vec<&[u8]> = group.iter().map(|&(s, e)| &text.as_bytes()[s..e]).collect();
        let Some(raw) = batch(table, path, encoding, &headers, &parts, done, text.len() - body, &spare) else {
            return Ok(false);
        };
        done += raw.height() as u64;
        each(&raw)?;
        spare.keep(raw.cells);
    }
    Ok(done > 0)
}

/// How the records of `text[body..]` lie: ranges of whole records of about `target` bytes each,
/// cut at line ends outside quoted cells; and, if a quote that opens a cell is never closed, where
/// it is (a byte offset). A quote opens a cell only at the cell's start (`a"b` is text); inside a
/// quoted cell a doubled quote is a quote.
struct Records {
    batches: Vec<(usize, usize)>,
    unclosed: Option<usize>,
}

fn records(text: &[u8], body: usize, target: usize) -> Records {
    let mut batches = Vec::new();
    let mut start = body;
    let mut open: Option<usize> = None;
    let mut at = body;
    while let Some(p) = memchr::memchr2(b'"', b'\n', &text[at..]) {
        let i = at + p;
        at = i + 1;
        match (text[i], open) {
            (b'"', Some(_)) if text.get(i + 1) == Some(&b'"') => at = i + 2,
            (b'"', Some(_)) => open = None,
            (b'"', None) if i == 0 || matches!(text[i - 1], b',' | b'\n' | b'\r') => open = Some(i),
            (b'\n', None) if at - start >= target => {
                batches.push((start, at));
                start = at;
            }
            _ => {}
        }
    }
    if start < text.len() {
        batches.push((start, text.len()));
    }
    Records { batches, unclosed: open }
}

/// The line ends in `bytes` (kept for every file read in parts: only a quote never closed needs it).
fn lines(bytes: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', bytes).count()
}

/// The error for a quote that opens a cell on `line` and is never closed: every line after it
/// would be read as part of that one cell.
fn unclosed_quote(path: &Path, line: usize) -> IngestError {
    IngestError::Unreadable {
        path: path.to_owned(),
        reason: format!(
            "line {line}: a quote opens a cell here and is never closed, so every line after it would be read as that one cell; close the quote (a quote inside a quoted cell is written twice, \"\")"
        ),
    }
}

fn read_csv_slow(raw: &mut RawTable, text: &str) -> Result<()> {
    let n = raw.headers.len();
    let mut columns: Vec<Vec<Option<String>>> = vec![Vec::new(); n];
    let mut rows = Vec::new();
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut next_row = 2u64;
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let row = record.position().map_or(next_row, |p| p.record() + 1);
                next_row = row + 1;
                if record.len() > n {
                    raw.issues.push(IngestIssue {
                        table: raw.table.as_str().to_owned(),
                        row,
                        column: String::new(),
                        value: clip(&record.iter().collect::<Vec<_>>().join(",")),
                        action: Action::SetAside,
                        reason: format!("{} fields where the header has {n}", record.len()),
                    });
                    continue;
                }
                for (i, col) in columns.iter_mut().enumerate() {
                    let v = record.get(i).filter(|s| !s.is_empty()).map(str::to_owned);
                    col.push(v);
                }
                rows.push(row);
            }
            Err(e) => {
                let row = e.position().map_or(next_row, |p| p.record() + 1);
                return Err(IngestError::Unreadable { path: raw.path.clone(), reason: format!("row {row}: {e}") });
            }
        }
    }
    raw.cells = Cells::Frame(string_frame(columns).map_err(|e| IngestError::Unreadable { path: raw.path.clone(), reason: e.to_string() })?);
    raw.row_numbers = Some(rows);
    Ok(())
}

/// A polars error reading or writing `path`, as the file's error.
fn unreadable_by_polars(path: &Path) -> impl Fn(PolarsError) -> IngestError + Copy + '_ {
    move |e| IngestError::Unreadable { path: path.to_owned(), reason: e.to_string() }
}

/// Reads a Parquet file; every column becomes text, to be parsed like CSV cells. Floats are
/// written in plain decimal (never exponent notation) so money parses the same from any format.
pub fn read_parquet(table: TableName, path: &Path) -> Result<RawTable> {
    let unreadable = unreadable_by_polars(path);
    let file = fs::File::open(path).map_err(|source| IngestError::Io { path: path.to_owned(), source })?;
    let df = ParquetReader::new(file).finish().map_err(unreadable)?;
    parquet_raw(table, path, &df, 0, None)
}

/// Rows of a Parquet file a batch of [`read_parquet_batches`] is read in, at least (whole row
/// groups): for a batch of `batch_bytes` of CSV, a row of about 512 bytes as text cells (at 10M
/// bids, a bid is 220 bytes of CSV and 35 text cells of 16 bytes each read from Parquet).
pub fn parquet_batch_rows(batch_bytes: usize) -> usize {
    (batch_bytes / 512).max(1)
}

/// Reads a Parquet file in batches of whole row groups, at least `batch_rows` rows each (the last
/// may have fewer), handing each to `each` as a raw table of its own (`row_offset` numbering its
/// rows in the file): a table of millions of rows is never held as text cells all at once (read
/// whole, the 10M county's bids would be 350 M cells of 16 bytes). A file without rows is handed
/// over whole, for its header.
pub fn read_parquet_batches(table: TableName, path: &Path, batch_rows: usize, mut each: impl FnMut(&RawTable) -> Result<()>) -> Result<()> {
    let unreadable = unreadable_by_polars(path);
    let open = || fs::File::open(path).map_err(|source| IngestError::Io { path: path.to_owned(), source });
    let metadata = ParquetReader::new(open()?).get_metadata().map_err(unreadable)?.clone();
    let total = metadata.num_rows;
    if total == 0 {
        return each(&read_parquet(table, path)?);
    }
    let mut spans = Vec::new();
    let (mut start, mut rows) = (0usize, 0usize);
    for group in &metadata.row_groups {
        rows += group.num_rows();
        if rows >= batch_rows.max(1) {
            spans.push((start, rows));
            (start, rows) = (start + rows, 0);
        }
    }
    if rows > 0 {
        spans.push((start, rows));
    }
    for (offset, rows) in spans {
        let df = ParquetReader::new(open()?).with_slice(Some((offset, rows))).finish().map_err(unreadable)?;
        each(&parquet_raw(table, path, &df, offset as u64, (offset == 0).then_some(total))?)?;
    }
    Ok(())
}

/// A frame read from a Parquet file as a raw table of text cells, its rows numbered from
/// `row_offset`.
fn parquet_raw(table: TableName, path: &Path, df: &DataFrame, row_offset: u64, rows_expected: Option<usize>) -> Result<RawTable> {
    let unreadable = unreadable_by_polars(path);
    let headers: Vec<String> = df.get_column_names().iter().map(|s| s.to_string()).collect();
    let mut cols = Vec::with_capacity(df.width());
    for (i, c) in df.columns().iter().enumerate() {
        let name: PlSmallStr = format!("c{i}").into();
        let text = match c.dtype() {
            DataType::Float32 | DataType::Float64 => {
                let f = c.cast(&DataType::Float64).map_err(unreadable)?;
                let values: Vec<Option<String>> = f.f64().map_err(unreadable)?.iter().map(|v| v.map(|x| format!("{x}"))).collect();
                Column::new(name, values)
            }
            _ => c.cast(&DataType::String).map_err(unreadable)?.with_name(name),
        };
        cols.push(text);
    }
    let frame = DataFrame::new(df.height(), cols).map_err(unreadable)?;
    Ok(RawTable {
        table,
        source: file_name(path),
        path: path.to_owned(),
        format: "parquet",
        encoding: None,
        headers,
        cells: Cells::Frame(frame),
        row_numbers: None,
        row_offset,
        issues: Vec::new(),
        rows_expected,
    })
}

/// The sheets of a workbook that are tables of the contract, and the names of those that are not.
pub fn read_xlsx(path: &Path) -> Result<(Vec<RawTable>, Vec<String>)> {
    let unreadable = |reason: String| IngestError::Unreadable { path: path.to_owned(), reason };
    let mut wb = calamine::open_workbook_auto(path).map_err(|e| unreadable(e.to_string()))?;
    let mut tables = Vec::new();
    let mut other = Vec::new();
    for sheet in wb.sheet_names() {
        let Some(table) = TableName::from_name(sheet.trim()) else {
            other.push(sheet.clone());
            continue;
        };
        let range = wb.worksheet_range(&sheet).map_err(|e| unreadable(format!("sheet {sheet}: {e}")))?;
        let (start_row, _) = range.start().unwrap_or((0, 0));
        let mut rows = range.rows();
        let headers: Vec<String> =
            rows.next().map(|r| r.iter().map(cell_text).map(Option::unwrap_or_default).collect()).unwrap_or_default();
        let n = headers.len();
        let mut columns: Vec<Vec<Option<String>>> = vec![Vec::new(); n];
        let mut row_numbers = Vec::new();
        for (i, r) in rows.enumerate() {
            if r.iter().all(|c| matches!(c, Data::Empty)) {
                continue;
            }
            for (j, col) in columns.iter_mut().enumerate() {
                col.push(r.get(j).and_then(cell_text));
            }
            // calamine rows are 0-based; the header sits at start_row.
            row_numbers.push(u64::from(start_row) + i as u64 + 2);
        }
        let frame = string_frame(columns).map_err(|e| unreadable(e.to_string()))?;
        tables.push(RawTable {
            table,
            source: format!("{}#{sheet}", file_name(path)),
            path: path.to_owned(),
            format: "xlsx",
            encoding: None,
            headers,
            cells: Cells::Frame(frame),
            row_numbers: Some(row_numbers),
            row_offset: 0,
            issues: Vec::new(),
            rows_expected: None,
        });
    }
    Ok((tables, other))
}

fn cell_text(c: &Data) -> Option<String> {
    match c {
        Data::Empty => None,
        Data::String(s) if s.is_empty() => None,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Some(s.clone()),
        // Ids typed as numbers come back as floats: write whole numbers without ".0".
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Some(format!("{}", *f as i64)),
        Data::Float(f) => Some(format!("{f}")),
        Data::Int(i) => Some(i.to_string()),
        Data::Bool(b) => Some(b.to_string()),
        Data::DateTime(d) => d.as_datetime().map(|t| {
            if t.time() == chrono::NaiveTime::MIN {
                t.format("%Y-%m-%d").to_string()
            } else {
                t.format("%Y-%m-%dT%H:%M:%S").to_string()
            }
        }),
        Data::Error(e) => Some(format!("#ERROR {e:?}")),
    }
}

pub(crate) fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Writes a CSV table of the contract as Parquet, every column as text (as ingest reads both), for
/// large data sets: `bidwatch gen --parquet`. Returns the rows written.
pub fn csv_to_parquet(csv: &Path, parquet: &Path) -> Result<usize> {
    let unreadable = unreadable_by_polars(csv);
    let header = {
        let file = fs::File::open(csv).map_err(|source| IngestError::Io { path: csv.to_owned(), source })?;
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(file), &mut line)
            .map_err(|source| IngestError::Io { path: csv.to_owned(), source })?;
        line.split(',').count()
    };
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_dtype_overwrite(Some(Arc::new(vec![DataType::String; header])))
        .with_raise_if_empty(false)
        .map_parse_options(|o| o.with_missing_is_null(true))
        .try_into_reader_with_file_path(Some(csv.to_owned()))
        .and_then(|r| r.finish())
        .map_err(unreadable)?;
    let file = fs::File::create(parquet).map_err(|source| IngestError::Io { path: parquet.to_owned(), source })?;
    ParquetWriter::new(file).finish(&mut df).map_err(|e| IngestError::Unreadable { path: parquet.to_owned(), reason: e.to_string() })?;
    Ok(df.height())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file that stops being UTF-8 part way is read whole (and decoded as a whole), in any
    /// size of batch: polars refuses a batch with a byte that is not UTF-8 (the batches are not
    /// checked before it), wherever the byte falls in the batch's parts.
    #[test]
    fn a_batch_that_is_not_utf8_sends_the_file_to_the_whole_read() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("bids.csv");
        let mut text = String::from("project_id,bidder_id,doc_author\n").into_bytes();
        for i in 0..3_000 {
            text.extend_from_slice(format!("GC{i:06},B{i},作者{}\n", i % 7).as_bytes());
        }
        let (gb, _, _) = encoding_rs::GB18030.encode("GC999999,B9,后来的作者\n");
        text.extend_from_slice(&gb);
        fs::write(&path, &text).expect("write");
        for batch_bytes in [64, 4_096, 1 << 20] {
            let mut rows = 0;
            let read = read_csv_batches(TableName::Bids, &path, batch_bytes, |raw| {
                rows += raw.height();
                Ok(())
            })
            .expect("reads");
            assert!(!read, "batches of {batch_bytes}: a batch that is not UTF-8 was read");
            assert!(rows < 3_001, "batches of {batch_bytes}");
        }
    }

    /// The first batch of a file read in parts tells how many records the file holds, near
    /// enough to size its columns once; the batches after it do not.
    #[test]
    fn a_first_batch_expects_the_files_records() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("bids.csv");
        let mut text = String::from("project_id,bidder_id,price\n");
        for i in 0..5_000 {
            // records of 20 to 40-odd bytes, longer toward the end of the file
            text.push_str(&format!("GC{i:06},{},{}.5\n", "9".repeat(3 + i / 400), i * 7));
        }
        fs::write(&path, &text).expect("write");
        let mut seen = Vec::new();
        let whole = read_csv_batches(TableName::Bids, &path, 4_096, |raw| {
            seen.push((raw.height(), raw.rows_expected));
            Ok(())
        })
        .expect("reads");
        assert!(whole);
        assert!(seen.len() > 10, "read in parts: {}", seen.len());
        assert_eq!(seen.iter().map(|(n, _)| n).sum::<usize>(), 5_000);
        let expected = seen[0].1.expect("the first batch expects");
        // its records are the file's shortest, so it expects more than there are, not fewer
        assert!((5_000..=7_500).contains(&expected), "{expected}");
        assert!(seen[1..].iter().all(|(_, e)| e.is_none()));
        assert_eq!(expected_rows(10, 0, 100), 10);
        assert_eq!(expected_rows(10, 100, 1_000), 102);
        assert_eq!(expected_rows(10, 100, 50), 10);
    }

    /// The batches are parsed ahead of their check: an error of the check is the one reported,
    /// and no batch is handed over after it; a quote left open at the end of the file, which the
    /// parsing ahead may find first, does not hide it. Without an error of the check, the open
    /// quote is the error, at its line.
    #[test]
    fn the_first_error_of_the_check_stops_the_read_and_is_reported() {
        let dir = tempfile::tempdir().expect("dir");
        let write = |records: usize| {
            let path = dir.path().join(format!("bids-{records}.csv"));
            let mut text = String::from("project_id,bidder_id,price\n");
            for i in 0..records {
                text.push_str(&format!("GC{i:06},B{i},{i}\n"));
            }
            text.push_str("GC999999,\"B9,1\n");
            fs::write(&path, &text).expect("write");
            path
        };
        let fail_at = |path: &Path, at: usize| {
            let mut calls = 0;
            let read = read_csv_batches(TableName::Bids, path, 1_024, |_| {
                calls += 1;
                if calls == at {
                    return Err(IngestError::NotAFolder { path: "the check".into() });
                }
                Ok(())
            });
            (read, calls)
        };
        let checks_error = |r: &Result<bool>| matches!(r, Err(IngestError::NotAFolder { path }) if path.as_os_str() == "the check");
        // many batches: the third fails, and none after it is checked
        let long = write(2_000);
        let (read, calls) = fail_at(&long, 3);
        assert!(checks_error(&read), "{read:?}");
        assert_eq!(calls, 3, "a batch was handed over after the check failed");
        // two windows: the parsing reaches the open quote while the first batch is checked
        let short = write(150);
        for _ in 0..20 {
            let (read, calls) = fail_at(&short, 1);
            assert!(checks_error(&read), "{read:?}");
            assert_eq!(calls, 1);
        }
        let (read, calls) = fail_at(&short, usize::MAX);
        assert!(matches!(&read, Err(IngestError::Unreadable { reason, .. }) if reason.starts_with("line 152:")), "{read:?}");
        assert!(calls > 0, "the batches before the open quote's window are handed over");
    }

    proptest::proptest! {
        /// Batches cover the text after the header once, in order, and each ends with a record.
        #[test]
        fn batches_end_at_record_ends(cells in proptest::collection::vec("[a\",\n]{0,6}", 0..40), target in 1usize..30) {
            // Cells quoted as a CSV writer quotes them, so quotes pair up.
            let mut text = String::from("h1,h2\n");
            for pair in cells.chunks(2) {
                let quoted: Vec<String> = pair.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
                text.push_str(&quoted.join(","));
                text.push('\n');
            }
            let body = 6;
            let lay = records(text.as_bytes(), body, target);
            proptest::prop_assert_eq!(lay.unclosed, None);
            let ranges = lay.batches;
            let mut at = body;
            for (start, end) in &ranges {
                proptest::prop_assert_eq!(*start, at);
                proptest::prop_assert!(end > start);
                let quotes = text.as_bytes()[body..*end].iter().filter(|b| **b == b'"').count();
                proptest::prop_assert!(quotes % 2 == 0, "a batch ends inside quotes");
                proptest::prop_assert!(*end == text.len() || text.as_bytes()[end - 1] == b'\n');
                at = *end;
            }
            proptest::prop_assert_eq!(at.max(body), text.len().max(body));
        }
    }
}
