//! Validation: map headers to the contract, parse every cell by its column's type, and decide for
//! each row whether it is used, used without a value, or set aside, and say why.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash};

use bidwatch_model::ids::{check_uscc, UsccCheck};
use bidwatch_model::text::{
    fold_width, fold_width_cow, normalize_email, normalize_id, normalize_ip, normalize_list, normalize_mac, normalize_phone,
    normalize_text, normalize_text_cow,
};
use bidwatch_model::{parse_date, parse_datetime, parse_money, parse_month, RuleCode};
use chrono::NaiveDate;
use polars::prelude::*;

use crate::cells::ColumnCells;
use crate::error::{IngestError, Result};
use crate::partition::Partitions;
use crate::read::RawTable;
use crate::report::{clip, Action, IngestIssue};
use crate::schema::{ColType, ColumnSpec, KeySpace, TableName, TableSpec};
use crate::textcol::{Batch, Numbers, Start, Text, TextBuilder};

/// Longest cell accepted. A longer cell is a broken export (a whole file pasted into one cell).
pub const CELL_LIMIT: usize = 65_536;

/// A header cell understood: which contract column it is, and the unit it declares for money
/// (`最高投标限价(万元)` means every plain number in the column is in 万元).
#[derive(Debug, Clone)]
pub(crate) struct MappedColumn {
    pub spec: Option<&'static ColumnSpec>,
    pub money_multiplier: f64,
}

fn header_key(h: &str) -> (String, f64) {
    let folded = fold_width(h);
    let mut s = folded.trim().trim_end_matches('*').trim().to_string();
    let mut mult = 1.0;
    // A trailing unit in brackets: (元) (万元) （万元）
    for (open, close) in [('(', ')'), ('（', '）'), ('[', ']'), ('【', '】')] {
        if s.ends_with(close) {
            if let Some(i) = s.rfind(open) {
                let unit = s[i + open.len_utf8()..s.len() - close.len_utf8()].trim().to_string();
                if unit == "万元" || unit == "万" {
                    mult = 10_000.0;
                }
                if matches!(unit.as_str(), "万元" | "万" | "元" | "yuan" | "cny" | "CNY" | "RMB") {
                    s.truncate(i);
                }
            }
        }
    }
    (s.trim().to_lowercase(), mult)
}

pub(crate) fn map_headers(raw: &RawTable) -> Result<Vec<MappedColumn>> {
    let spec = raw.table.spec();
    let mut out = Vec::with_capacity(raw.headers.len());
    let mut seen: HashMap<&'static str, String> = HashMap::new();
    for h in &raw.headers {
        let (key, mult) = header_key(h);
        let col = spec.columns.iter().find(|c| c.name == key || c.aliases.iter().any(|a| a.to_lowercase() == key));
        if let Some(c) = col {
            if let Some(first) = seen.insert(c.name, h.clone()) {
                return Err(IngestError::DuplicateColumn { source_name: raw.source.clone(), column: c.name, first, second: h.clone() });
            }
        }
        out.push(MappedColumn { spec: col, money_multiplier: mult });
    }
    for c in spec.columns.iter().filter(|c| c.required) {
        if !seen.contains_key(c.name) {
            return Err(IngestError::MissingColumn {
                source_name: raw.source.clone(),
                table: spec.name,
                column: c.name,
                aliases: c.aliases.join(" / "),
            });
        }
    }
    Ok(out)
}

/// A parsed column of the kept type. Text is numbered by its distinct values or a polars string
/// column ([`Text`]; no string allocated per cell); the other types are plain vectors.
#[derive(Debug)]
pub(crate) enum Parsed {
    Str(Text),
    F64(Vec<Option<f64>>),
    I64(Vec<Option<i64>>),
    Bool(Vec<Option<bool>>),
    /// Days since 1970-01-01.
    Date(Vec<Option<i32>>),
    /// Milliseconds since 1970-01-01T00:00 (Shanghai local time, stored naive).
    DateTime(Vec<Option<i64>>),
}

/// Builds a [`Parsed`] column cell by cell.
enum Builder<'b> {
    Str(TextBuilder<'b>),
    /// A first batch: a column of its own, with room for the whole file.
    Other(Parsed),
    /// A later batch: its cells pushed after the column's, in place. Built apart and copied over
    /// after, each batch's values were written twice into fresh memory, which the kernel zeroes
    /// first (a quarter of the samples of the bids' read at 10M were that zeroing).
    OtherOn(&'b mut Parsed),
}

/// A batch of a column as parsed: text may be numbered on the column's values (see
/// [`TextBuilder`]), to be appended to it; other values may be in the column already.
enum Built {
    Parsed(Parsed),
    Text(Batch),
    InPlace,
}

impl Built {
    /// A first batch: built on nothing.
    fn into_parsed(self) -> PolarsResult<Parsed> {
        match self {
            Built::Parsed(p) => Ok(p),
            Built::Text(Batch::Own(t)) => Ok(Parsed::Str(t)),
            Built::Text(Batch::OnColumn) | Built::InPlace => polars_bail!(ComputeError: "a first batch was built on a column before it"),
        }
    }

    /// The rows of this batch after `column`'s: values are there already, text that went plain
    /// goes after the column's.
    fn append_to(self, column: &mut Parsed) -> PolarsResult<()> {
        match (self, column) {
            (Built::InPlace, _) => Ok(()),
            (Built::Text(batch), Parsed::Str(t)) => t.append_batch(batch),
            (Built::Parsed(_), _) => polars_bail!(ComputeError: "a later batch was built apart from its column"),
            (Built::Text(_), _) => polars_bail!(SchemaMismatch: "a batch parsed to another type than the one before"),
        }
    }
}

impl<'b> Builder<'b> {
    /// A builder of `n` rows after `column` (the column so far, none for a first batch) or, for a
    /// first batch, with room for `room` (the whole file's).
    fn for_type(ty: &ColType, name: &str, n: usize, room: usize, column: Option<&'b mut Parsed>) -> Builder<'b> {
        // An id column is keyed by its distinct ids: numbered whatever its values.
        let always_numbered = matches!(ty, ColType::Id(Some(_)));
        let start = match column {
            Some(Parsed::Str(t)) => t.start(),
            Some(column) => {
                column.reserve(n);
                return Builder::OtherOn(column);
            }
            None => Start::First,
        };
        let room = room.max(n);
        match ty {
            ColType::Money | ColType::Number { .. } => Builder::Other(Parsed::F64(Vec::with_capacity(room))),
            ColType::Int { .. } => Builder::Other(Parsed::I64(Vec::with_capacity(room))),
            ColType::Bool => Builder::Other(Parsed::Bool(Vec::with_capacity(room))),
            ColType::Date | ColType::Month => Builder::Other(Parsed::Date(Vec::with_capacity(room))),
            ColType::DateTime => Builder::Other(Parsed::DateTime(Vec::with_capacity(room))),
            _ => Builder::Str(TextBuilder::on(name, n, room, always_numbered, start)),
        }
    }

    fn push_null(&mut self) {
        match self {
            Builder::Str(b) => b.push_null(),
            Builder::Other(p) => p.push_null(),
            Builder::OtherOn(p) => p.push_null(),
        }
    }

    /// Pushes a parsed cell; returns false if it went in as null (text that normalised to nothing).
    /// `again`: the cell is the last one pushed, parsed from the same text.
    fn push(&mut self, cell: &Cell<'_>, again: bool) -> bool {
        let pushed = match (&mut *self, cell) {
            (Builder::Str(b), Cell::Str(x)) if !x.is_empty() => {
                if again {
                    b.push_again(x.as_ref());
                } else {
                    b.push(x.as_ref());
                }
                true
            }
            (Builder::Str(_), _) => false,
            (Builder::Other(p), cell) => p.push(cell),
            (Builder::OtherOn(p), cell) => p.push(cell),
        };
        if !pushed {
            self.push_null();
        }
        pushed
    }

    fn finish(self) -> Built {
        match self {
            Builder::Str(b) => Built::Text(b.finish()),
            Builder::Other(p) => Built::Parsed(p),
            Builder::OtherOn(_) => Built::InPlace,
        }
    }
}

impl Parsed {
    /// Pushes a cell of the column's type; returns false (pushing nothing) for another.
    fn push(&mut self, cell: &Cell<'_>) -> bool {
        match (self, cell) {
            (Parsed::F64(v), Cell::F64(x)) => v.push(Some(*x)),
            (Parsed::I64(v), Cell::I64(x)) => v.push(Some(*x)),
            (Parsed::Bool(v), Cell::Bool(x)) => v.push(Some(*x)),
            (Parsed::Date(v), Cell::Date(x)) => v.push(Some(*x)),
            (Parsed::DateTime(v), Cell::DateTime(x)) => v.push(Some(*x)),
            _ => return false,
        }
        true
    }

    fn push_null(&mut self) {
        match self {
            Parsed::F64(v) => v.push(None),
            Parsed::I64(v) => v.push(None),
            Parsed::Bool(v) => v.push(None),
            Parsed::Date(v) => v.push(None),
            Parsed::DateTime(v) => v.push(None),
            Parsed::Str(_) => unreachable!("text columns are built by Builder::Str"),
        }
    }

    /// Room for `n` more rows of a column of values (text is reserved by its builder).
    fn reserve(&mut self, n: usize) {
        match self {
            Parsed::F64(v) => v.reserve(n),
            Parsed::I64(v) => v.reserve(n),
            Parsed::Bool(v) => v.reserve(n),
            Parsed::Date(v) => v.reserve(n),
            Parsed::DateTime(v) => v.reserve(n),
            Parsed::Str(_) => {}
        }
    }

    fn set_nulls(&mut self, rows: &[usize]) {
        fn clear<T>(v: &mut [Option<T>], rows: &[usize]) {
            for &i in rows {
                v[i] = None;
            }
        }
        match self {
            Parsed::Str(t) => t.set_nulls(rows),
            Parsed::F64(v) => clear(v, rows),
            Parsed::I64(v) => clear(v, rows),
            Parsed::Bool(v) => clear(v, rows),
            Parsed::Date(v) => clear(v, rows),
            Parsed::DateTime(v) => clear(v, rows),
        }
    }

    /// The value as text, for keys and messages.
    pub(crate) fn text(&self, i: usize) -> Option<String> {
        match self {
            Parsed::Str(t) => t.get(i).map(str::to_owned),
            Parsed::F64(v) => v[i].map(|x| x.to_string()),
            Parsed::I64(v) => v[i].map(|x| x.to_string()),
            Parsed::Bool(v) => v[i].map(|x| x.to_string()),
            Parsed::Date(v) => v[i].map(|x| x.to_string()),
            Parsed::DateTime(v) => v[i].map(|x| x.to_string()),
        }
    }

    /// The whole column, every row read (`into_frame` keeps the kept rows of all columns at once).
    fn into_column(self, name: &str) -> Column {
        let name: PlSmallStr = name.into();
        match self {
            Parsed::Str(t) => t.into_plain(name).into_column(),
            Parsed::F64(v) => Column::new(name, v),
            Parsed::I64(v) => Column::new(name, v),
            Parsed::Bool(v) => Column::new(name, v),
            Parsed::Date(v) => Int32Chunked::from_iter_options(name, v.into_iter()).into_date().into_column(),
            Parsed::DateTime(v) => {
                Int64Chunked::from_iter_options(name, v.into_iter()).into_datetime(TimeUnit::Milliseconds, None).into_column()
            }
        }
    }

    /// Mixes each row's value into its running hash (`h[i]`).
    fn fold_hashes(&self, state: &foldhash::fast::FixedState, h: &mut [u64]) {
        fn fold<T: Hash>(state: &foldhash::fast::FixedState, h: &mut [u64], values: impl Iterator<Item = T>) {
            for (x, v) in h.iter_mut().zip(values) {
                *x = state.hash_one((*x, v));
            }
        }
        match self {
            // Within one column a value has one number: equal numbers, equal values.
            Parsed::Str(Text::Numbered { rows, .. }) => fold(state, h, rows.iter()),
            Parsed::Str(t) => fold(state, h, t.iter()),
            Parsed::F64(v) => fold(state, h, v.iter().map(|x| x.map(f64::to_bits))),
            Parsed::I64(v) => fold(state, h, v.iter()),
            Parsed::Bool(v) => fold(state, h, v.iter()),
            Parsed::Date(v) => fold(state, h, v.iter()),
            Parsed::DateTime(v) => fold(state, h, v.iter()),
        }
    }

    fn eq_at(&self, i: usize, j: usize) -> bool {
        match self {
            Parsed::Str(Text::Numbered { rows, .. }) => rows.get(i) == rows.get(j),
            Parsed::Str(t) => t.get(i) == t.get(j),
            Parsed::F64(v) => v[i].map(f64::to_bits) == v[j].map(f64::to_bits),
            Parsed::I64(v) => v[i] == v[j],
            Parsed::Bool(v) => v[i] == v[j],
            Parsed::Date(v) => v[i] == v[j],
            Parsed::DateTime(v) => v[i] == v[j],
        }
    }
}

/// One parsed cell; text borrows the raw cell when it is already in normal form.
enum Cell<'a> {
    Str(Cow<'a, str>),
    F64(f64),
    I64(i64),
    Bool(bool),
    Date(i32),
    DateTime(i64),
}

/// What parsing one cell gave.
enum Outcome<'a> {
    Ok(Cell<'a>),
    /// Usable, with a warning for the report.
    Warn(Cell<'a>, String),
    Bad(String),
}

const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => panic!("epoch"),
};

fn days(d: NaiveDate) -> i32 {
    (d - EPOCH).num_days() as i32
}

pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    fn word(s: &str) -> Option<bool> {
        match s {
            "true" | "t" | "1" | "yes" | "y" | "是" | "真" | "已批准" | "批准" => Some(true),
            "false" | "f" | "0" | "no" | "n" | "否" | "假" | "未批准" => Some(false),
            _ => None,
        }
    }
    // most cells are one of the words as they are (folding, trimming and lower-casing leave each
    // word unchanged), and need no copy
    word(s).or_else(|| word(&fold_width_cow(s).trim().to_lowercase()))
}

/// [`normalize_id`] without a copy when nothing changes.
fn id_cow(raw: &str) -> Cow<'_, str> {
    match normalize_text_cow(raw) {
        Cow::Borrowed(t) if t.len() == 18 && t.bytes().any(|b| b.is_ascii_lowercase()) => Cow::Owned(normalize_id(raw)),
        Cow::Borrowed(t) => Cow::Borrowed(t),
        Cow::Owned(_) => Cow::Owned(normalize_id(raw)),
    }
}

fn parse_cell<'a>(col: &ColumnSpec, mult: f64, raw: &'a str, org_space: bool) -> Outcome<'a> {
    if raw.len() > CELL_LIMIT {
        return Outcome::Bad(format!("cell too long ({} bytes; the limit is {CELL_LIMIT})", raw.len()));
    }
    let owned = |v: String| Outcome::Ok(Cell::Str(Cow::Owned(v)));
    match &col.ty {
        ColType::Id(_) => {
            let id = id_cow(raw);
            if org_space {
                match check_uscc(&id) {
                    UsccCheck::BadCheckChar { expected, found } => {
                        let why = format!("统一社会信用代码 check character is {found}, expected {expected} (GB 32100-2015); row kept");
                        return Outcome::Warn(Cell::Str(id), why);
                    }
                    UsccCheck::BadOrgCode { expected, found } => {
                        let why = format!("统一社会信用代码 embeds an organisation code whose check digit is {found}, expected {expected} (GB 11714); row kept");
                        return Outcome::Warn(Cell::Str(id), why);
                    }
                    UsccCheck::Valid | UsccCheck::NotUscc => {}
                }
            }
            Outcome::Ok(Cell::Str(id))
        }
        ColType::Text => Outcome::Ok(Cell::Str(normalize_text_cow(raw))),
        ColType::Enum(values) => {
            // Most cells are written exactly as the contract's value.
            if let Some(v) = values.iter().find(|v| v.value == raw) {
                return Outcome::Ok(Cell::Str(Cow::Borrowed(v.value)));
            }
            let key = normalize_text(raw).to_lowercase();
            match values.iter().find(|v| v.value == key || v.aliases.iter().any(|a| a.to_lowercase() == key)) {
                Some(v) => Outcome::Ok(Cell::Str(Cow::Borrowed(v.value))),
                None => Outcome::Bad(format!(
                    "not one of {} (or their Chinese labels)",
                    values.iter().map(|v| v.value).collect::<Vec<_>>().join(", ")
                )),
            }
        }
        ColType::Money => match parse_money(raw) {
            Ok(m) => {
                let explicit = raw.contains('元') || raw.contains('万');
                Outcome::Ok(Cell::F64(if explicit { m.0 } else { m.0 * mult }))
            }
            Err(e) => Outcome::Bad(e.to_string()),
        },
        ColType::Number { min, max } => {
            let t = fold_width_cow(raw);
            let t = t.trim().trim_end_matches('%');
            match t.parse::<f64>() {
                Ok(x) if x.is_finite() && x >= *min && x <= *max => Outcome::Ok(Cell::F64(x)),
                Ok(x) if x.is_finite() => Outcome::Bad(format!("out of range ({min} to {max})")),
                _ => Outcome::Bad("not a number".into()),
            }
        }
        ColType::Int { min, max } => {
            let t = fold_width_cow(raw);
            let t = t.trim();
            let t = t.strip_suffix(".0").unwrap_or(t);
            match t.parse::<i64>() {
                Ok(x) if x >= *min && x <= *max => Outcome::Ok(Cell::I64(x)),
                Ok(_) => Outcome::Bad(format!("out of range ({min} to {max})")),
                Err(_) => Outcome::Bad("not a whole number".into()),
            }
        }
        ColType::Bool => match parse_bool(raw) {
            Some(b) => Outcome::Ok(Cell::Bool(b)),
            None => Outcome::Bad("not true/false (also accepted: 1/0, yes/no, 是/否)".into()),
        },
        ColType::Date => match parse_date(raw) {
            Ok(d) => Outcome::Ok(Cell::Date(days(d))),
            Err(e) => Outcome::Bad(e.to_string()),
        },
        ColType::Month => match parse_month(raw) {
            Ok(d) => Outcome::Ok(Cell::Date(days(d))),
            Err(e) => Outcome::Bad(e.to_string()),
        },
        ColType::DateTime => match parse_datetime(raw) {
            Ok(t) => Outcome::Ok(Cell::DateTime(t.and_utc().timestamp_millis())),
            Err(e) => Outcome::Bad(e.to_string()),
        },
        ColType::Phone => normalize_phone(raw).map_or_else(|e| Outcome::Bad(e.into()), owned),
        ColType::Email => normalize_email(raw).map_or_else(|e| Outcome::Bad(e.into()), owned),
        ColType::Ip => normalize_ip(raw).map_or_else(|e| Outcome::Bad(e.into()), |v| Outcome::Ok(Cell::Str(v))),
        ColType::Mac => normalize_mac(raw).map_or_else(|e| Outcome::Bad(e.into()), |v| Outcome::Ok(Cell::Str(v))),
        ColType::List => Outcome::Ok(Cell::Str(normalize_list(raw))),
        ColType::RuleCode => {
            let t = normalize_text(raw).to_ascii_uppercase();
            match RuleCode::new(&t) {
                Ok(c) => owned(c.to_string()),
                Err(e) => Outcome::Bad(e.to_string()),
            }
        }
    }
}

/// A validated table: kept rows as typed columns, the source row of each, and what was set aside.
#[derive(Debug)]
pub(crate) struct ValidTable {
    pub table: TableName,
    pub source: String,
    pub format: &'static str,
    pub encoding: Option<&'static str>,
    pub rows_read: usize,
    pub columns: Vec<(&'static ColumnSpec, Parsed)>,
    /// Columns that are not in the contract, as read.
    pub extra: Vec<(String, StringChunked)>,
    /// The source row of each row read: 4 bytes a row, as the frame's `_row` keeps it (a file of
    /// more than four billion rows is no county's; a row past that reads as `u32::MAX`).
    pub rows: Vec<u32>,
    pub keep: Vec<bool>,
}

impl ValidTable {
    /// The source row of row `i`.
    fn row(&self, i: usize) -> u64 {
        u64::from(self.rows[i])
    }

    pub fn column(&self, name: &str) -> Option<&Parsed> {
        self.columns.iter().find(|(c, _)| c.name == name).map(|(_, p)| p)
    }

    pub fn str_column(&self, name: &str) -> Option<&Text> {
        match self.column(name) {
            Some(Parsed::Str(t)) => Some(t),
            _ => None,
        }
    }

    pub fn rows_kept(&self) -> usize {
        self.keep.iter().filter(|k| **k).count()
    }

    /// The typed frame of the kept rows, with `_row` (the spreadsheet row of each).
    pub fn into_frame(self) -> PolarsResult<DataFrame> {
        use rayon::prelude::*;
        let height = self.keep.len();
        let mut cols = Vec::with_capacity(self.columns.len() + self.extra.len() + 1);
        // the rows' numbers as they are, not copied
        cols.push(UInt32Chunked::from_vec("_row".into(), self.rows).into_column());
        // Columns side by side (rayon).
        let typed: Vec<Column> = self
            .columns
            .into_par_iter()
            .with_max_len(1)
            .map(|(spec, parsed)| match (&spec.ty, parsed) {
                // Keyed by `dataset::finish` against its key space, which puts the keys in this
                // place: nothing to build here.
                (ColType::Id(Some(space)), Parsed::Str(_)) if !matches!(space, KeySpace::ByKind(_)) => {
                    Ok(Column::full_null(spec.name.into(), height, &DataType::Null))
                }
                (ColType::Id(Some(_)), parsed) => Ok(parsed.into_column(spec.name)),
                (_, Parsed::Str(t)) => text_column(spec.name, t),
                (_, parsed) => Ok(parsed.into_column(spec.name)),
            })
            .collect::<PolarsResult<_>>()?;
        cols.extend(typed);
        let mut used: HashSet<String> = cols.iter().map(|c| c.name().to_string()).collect();
        for (name, values) in self.extra {
            let mut n = format!("extra:{name}");
            let mut k = 2;
            while !used.insert(n.clone()) {
                n = format!("extra:{name}#{k}");
                k += 1;
            }
            cols.push(values.with_name(n.into()).into_column());
        }
        let df = DataFrame::new(height, cols)?;
        if self.keep.iter().all(|k| *k) {
            Ok(df)
        } else {
            df.filter(&BooleanChunked::from_slice("keep".into(), &self.keep))
        }
    }
}

/// A text column as the frame stores it. A column whose values repeat (a status, a role, a
/// criterion, a kind; or a column left empty) is stored categorical — each distinct value once
/// and a 1-, 2- or 4-byte number a row — instead of a 16-byte view a row: at 10M bids some
/// 60 M cells. A column of mostly distinct values (hashes, addresses, clause texts) stays text.
fn text_column(name: &str, t: Text) -> PolarsResult<Column> {
    let name: PlSmallStr = name.into();
    // A column that went plain had three values in four distinct in its first batch (a million
    // rows at 10M bids): it stays text.
    let (distinct, numbers) = match t.compacted() {
        Ok(numbered) => numbered,
        Err(ca) => return Ok(ca.with_name(name).into_column()),
    };
    let values = numbers.iter().filter(|k| k.is_some()).count();
    // Each distinct value costs the mapping ~100 bytes, each row saves 12 or more: worth it when
    // at most one row in eight brings a new value.
    if distinct.len() > values / 8 {
        let t = Text::Numbered { distinct, rows: numbers };
        return Ok(t.into_plain(name).into_column());
    }
    let cats = Categories::random("bidwatch-text".into(), CategoricalPhysical::smallest_physical(distinct.len())?);
    let mapping = cats.mapping();
    // A fresh mapping numbers its values in the order inserted: the same numbers as `distinct`'s.
    for v in distinct.iter() {
        mapping.insert_cat(v)?;
    }
    let dtype = DataType::Categorical(cats, mapping);
    Ok(categorical(name, numbers, dtype).into_column())
}

/// A categorical column of `numbers` into the mapping of `dtype`, stored in the mapping's own
/// width.
///
/// Every number is checked below the mapping's count, one pass in order; polars' checked
/// constructor instead looked each cell up in the mapping (a random read a cell: 2 % of ingest at
/// 10M bids, some 175 M cells). A number past the count (none is made so) would take that
/// constructor, which reads it as null.
#[allow(unsafe_code)]
pub(crate) fn categorical(name: PlSmallStr, numbers: Numbers, dtype: DataType) -> Series {
    let DataType::Categorical(cats, mapping) = &dtype else { unreachable!("a categorical type") };
    let count = mapping.num_cats_upper_bound();
    let held = numbers.iter().flatten().all(|k| (k as usize) < count);
    match cats.physical() {
        CategoricalPhysical::U8 => {
            let phys = UInt8Chunked::from_iter_options(name, numbers.iter().map(|k| k.map(|k| k as u8)));
            if !held || count > 1 << 8 {
                return Categorical8Chunked::from_cats_and_dtype(phys, dtype).into_series();
            }
            // SAFETY: every number is below the mapping's count, so each names one of its values.
            unsafe { Categorical8Chunked::from_cats_and_dtype_unchecked(phys, dtype) }.into_series()
        }
        CategoricalPhysical::U16 => {
            let phys = UInt16Chunked::from_iter_options(name, numbers.iter().map(|k| k.map(|k| k as u16)));
            if !held || count > 1 << 16 {
                return Categorical16Chunked::from_cats_and_dtype(phys, dtype).into_series();
            }
            // SAFETY: as above
            unsafe { Categorical16Chunked::from_cats_and_dtype_unchecked(phys, dtype) }.into_series()
        }
        CategoricalPhysical::U32 => {
            // Every row numbered (most id columns): the numbers are the column's values as they
            // are, not copied.
            let phys = if numbers.has_none() {
                UInt32Chunked::from_iter_options(name, numbers.iter())
            } else {
                UInt32Chunked::from_vec(name, numbers.into_raw())
            };
            if !held {
                return Categorical32Chunked::from_cats_and_dtype(phys, dtype).into_series();
            }
            // SAFETY: as above
            unsafe { Categorical32Chunked::from_cats_and_dtype_unchecked(phys, dtype) }.into_series()
        }
    }
}

fn is_org_space(col: &ColumnSpec) -> bool {
    matches!(col.ty, ColType::Id(Some(KeySpace::Org)))
}

/// Whether a cell is empty or only spaces. Most cells start and end with a visible ASCII
/// character and are answered by those two bytes, without a call to `trim` at each cell.
fn is_blank(s: &str) -> bool {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() || z.is_ascii_graphic() => false,
        _ => s.trim().is_empty(),
    }
}

/// How many cells ahead a numbered column's lookups are readied: enough for memory to answer
/// while the cells between are parsed.
const PREFETCH_AHEAD: usize = 8;

/// One column parsed: its values, what was reported, and the rows it sets aside.
struct ParsedColumn {
    parsed: Built,
    issues: Vec<IngestIssue>,
    set_aside: Vec<usize>,
}

/// Parses one column cell by cell: the `len` cells that `values` reads (each call from the first).
/// Columns are independent, so a table's columns are parsed side by side (rayon) and their issues
/// gathered in column order.
#[allow(clippy::too_many_arguments)]
fn parse_column<'v, I: Iterator<Item = Option<&'v str>>>(
    table: &str,
    col: &'static ColumnSpec,
    mult: f64,
    values: impl Fn() -> I,
    len: usize,
    rows: &[u64],
    column: Option<&mut Parsed>,
    room: usize,
) -> ParsedColumn {
    let org = is_org_space(col);
    let mut b = Builder::for_type(&col.ty, col.name, len, room, column);
    let mut issues = Vec::new();
    let mut set_aside = Vec::new();
    let mut issue = |row: u64, value: &str, action: Action, reason: String| {
        issues.push(IngestIssue { table: table.to_owned(), row, column: col.name.to_owned(), value: clip(value), action, reason });
    };
    // The last cell parsed and what it gave: ids, codes and times come in runs of one value (a
    // project's bids, a person's months of insurance, an employer's staff), and a cell the same as
    // the last is not parsed and checked again (its warning, if any, is reported at its own row).
    // The two are kept apart and the outcome read in place: moved out and back as one pair at
    // every cell, the copy was half of this loop's own samples at 10M bids.
    let mut last: Option<&str> = None;
    let mut outcome = Outcome::Bad(String::new());
    // A numbered column's lookups are readied a few cells ahead, by the cell as read (the same
    // text as its normal form for most ids, devices and accounts): each lookup is a random place
    // among hundreds of thousands of values, and waited for one by one they were a quarter of
    // the bids' read at 10M.
    let mut ahead = match &b {
        Builder::Str(t) if t.numbered() => Some(values().skip(PREFETCH_AHEAD)),
        _ => None,
    };
    for (i, v) in values().enumerate() {
        if let (Some(Some(next)), Builder::Str(t)) = (ahead.as_mut().and_then(Iterator::next), &b) {
            t.prefetch(next);
        }
        let Some(v) = v.filter(|s| !is_blank(s)) else {
            b.push_null();
            if col.required {
                set_aside.push(i);
                issue(rows[i], "", Action::SetAside, format!("required value `{}` is empty", col.name));
            }
            continue;
        };
        let again = last == Some(v);
        if !again {
            outcome = parse_cell(col, mult, v, org);
            last = Some(v);
        }
        let pushed = match &outcome {
            Outcome::Ok(cell) => b.push(cell, again),
            Outcome::Warn(cell, why) => {
                issue(rows[i], v, Action::Warning, why.clone());
                b.push(cell, again)
            }
            Outcome::Bad(why) => {
                b.push_null();
                if col.required {
                    set_aside.push(i);
                    issue(rows[i], v, Action::SetAside, why.clone());
                } else {
                    issue(rows[i], v, Action::Cleared, why.clone());
                }
                // reported already
                true
            }
        };
        // A required value that normalised to nothing (e.g. only zero-width spaces).
        if col.required && !pushed {
            set_aside.push(i);
            issue(rows[i], v, Action::SetAside, format!("required value `{}` is empty", col.name));
        }
    }
    ParsedColumn { parsed: b.finish(), issues, set_aside }
}

/// A table being validated batch by batch (a CSV file read in parts): each batch's cells are
/// parsed and appended as it comes; the checks across rows (references, duplicates, two columns
/// of a row) run once every batch is in.
pub(crate) struct Validating {
    vt: ValidTable,
    mapped: Vec<MappedColumn>,
    headers: Vec<String>,
}

impl Validating {
    /// Maps the headers of the table's first batch (every batch has the same).
    pub(crate) fn new(first: &RawTable) -> Result<Validating> {
        let mapped = map_headers(first)?;
        let vt = ValidTable {
            table: first.table,
            source: first.source.clone(),
            format: first.format,
            encoding: first.encoding.map(|e| e.as_str()),
            rows_read: 0,
            columns: Vec::new(),
            extra: Vec::new(),
            rows: Vec::new(),
            keep: Vec::new(),
        };
        Ok(Validating { vt, mapped, headers: first.headers.clone() })
    }

    /// Parses one batch and appends it.
    pub(crate) fn add(&mut self, raw: &RawTable, issues: &mut Vec<IngestIssue>) -> Result<()> {
        use rayon::prelude::*;
        let table_name = raw.table.spec().name;
        let n = raw.height();
        let before = self.vt.keep.len();
        // A first batch's columns are sized for the whole file when its size is known: the
        // batches after it are appended in place.
        let first = self.vt.columns.is_empty();
        let room = if first { raw.rows_expected.unwrap_or(n) } else { n };
        if first {
            self.vt.rows.reserve(room);
            self.vt.keep.reserve(room);
        }
        issues.extend(raw.issues.iter().cloned());
        let rows: Vec<u64> = (0..n).map(|i| raw.row_number(i)).collect();
        let unreadable = |e: PolarsError| IngestError::Unreadable { path: raw.path.clone(), reason: e.to_string() };
        let texts = raw.cells.columns().map_err(unreadable)?;
        let extra = self.mapped.iter().zip(&texts).enumerate().filter(|(_, (m, _))| m.spec.is_none());
        for (k, (ci, (_, values))) in extra.enumerate() {
            let values = values.to_chunked(format!("c{ci}").into());
            match self.vt.extra.get_mut(k) {
                Some((_, all)) => {
                    all.append(&values).map_err(unreadable)?;
                }
                None => self.vt.extra.push((self.headers[ci].clone(), values)),
            }
        }
        // Each kept column so far, which the batch's cells go after (the kept columns come in the
        // mapped columns' order); none at a first batch.
        let mut columns = self.vt.columns.iter_mut().map(|(_, p)| p);
        let jobs: Vec<(&'static ColumnSpec, f64, ColumnCells<'_>, Option<&mut Parsed>)> =
            self.mapped.iter().zip(&texts).filter_map(|(m, values)| Some((m.spec?, m.money_multiplier, *values, columns.next()))).collect();
        // Each job holds its own column (a numbered column takes the batch's new values as they
        // are met, and every column its rows), so the columns are parsed side by side.
        let parsed: Vec<(&'static ColumnSpec, ParsedColumn)> = jobs
            .into_par_iter()
            .with_max_len(1)
            .map(|(col, mult, values, column)| {
                // one parse for each kind of cells, each reading its own without a branch a cell
                let parsed = match values {
                    ColumnCells::Frame(ca) => parse_column(table_name, col, mult, || ca.iter(), ca.len(), &rows, column, room),
                    ColumnCells::Split { cells, column: c } => {
                        parse_column(table_name, col, mult, || cells.column(c), cells.height(), &rows, column, room)
                    }
                };
                (col, parsed)
            })
            .collect();
        self.vt.keep.resize(before + n, true);
        for (k, (col, pc)) in parsed.into_iter().enumerate() {
            issues.extend(pc.issues);
            for i in pc.set_aside {
                self.vt.keep[before + i] = false;
            }
            if first {
                self.vt.columns.push((col, pc.parsed.into_parsed().map_err(unreadable)?));
            } else {
                pc.parsed.append_to(&mut self.vt.columns[k].1).map_err(unreadable)?;
            }
        }
        self.vt.rows.extend(rows.iter().map(|&r| u32::try_from(r).unwrap_or(u32::MAX)));
        self.vt.rows_read += n + raw.issues.iter().filter(|i| i.row > 0).count();
        Ok(())
    }

    /// The checks across rows, once every batch is in.
    pub(crate) fn finish(mut self, known: &HashMap<TableName, KeySet>, issues: &mut Vec<IngestIssue>) -> ValidTable {
        let table_name = self.vt.table.spec().name.to_owned();
        let spec: &TableSpec = self.vt.table.spec();
        let mut issue = |row: u64, column: &str, value: &str, action: Action, reason: String| {
            issues.push(IngestIssue { table: table_name.clone(), row, column: column.to_owned(), value: clip(value), action, reason });
        };
        check_references(&mut self.vt, known, &mut issue);
        check_duplicates(&mut self.vt, spec, &mut issue);
        check_rows(&mut self.vt, &mut issue);
        self.vt
    }
}

/// The ids of a table, for the reference checks of the tables after it.
pub(crate) type KeySet = HashSet<String, foldhash::fast::FixedState>;

type IssueFn<'a> = dyn FnMut(u64, &str, &str, Action, String) + 'a;

fn check_references(vt: &mut ValidTable, known: &HashMap<TableName, KeySet>, issue: &mut IssueFn<'_>) {
    for (col, parsed) in &mut vt.columns {
        let (Some(target), Parsed::Str(values)) = (col.refers, &*parsed) else {
            continue;
        };
        if target == vt.table {
            continue;
        }
        let Some(keys) = known.get(&target) else {
            continue;
        };
        // The rows whose id is not in the target table, in order; each distinct id asked once.
        let missing: Vec<(usize, String)> = values.with_numbers(|distinct, rows| {
            let known: Vec<bool> = distinct.iter().map(|v| keys.contains(v)).collect();
            let missing = rows.iter().enumerate().filter_map(|(i, k)| k.filter(|&k| !known[k as usize]).map(|k| (i, k)));
            missing.map(|(i, k)| (i, distinct.get(k).to_owned())).collect()
        });
        let mut to_clear = Vec::new();
        for (i, v) in &missing {
            let (i, v) = (*i, v.as_str());
            if !vt.keep[i] {
                continue;
            }
            if col.required {
                vt.keep[i] = false;
                issue(u64::from(vt.rows[i]), col.name, v, Action::SetAside, format!("{} {v} is not in table {target}", col.name));
            } else {
                issue(u64::from(vt.rows[i]), col.name, v, Action::Cleared, format!("{} {v} is not in table {target}", col.name));
                to_clear.push(i);
            }
        }
        if !to_clear.is_empty() {
            parsed.set_nulls(&to_clear);
        }
    }
}

/// Finds, for each kept row, the first kept row with equal values in `cols` before it: one hash
/// per row (the columns folded in one after another), the rows partitioned by it
/// ([`Partitions`]) and each partition's rows mapped by hash in row order, values compared only
/// between rows of equal hash. No allocation per row.
fn earlier_equal(vt: &ValidTable, cols: &[&Parsed]) -> Vec<Option<usize>> {
    use rayon::prelude::*;
    let n = vt.keep.len();
    let state = foldhash::fast::FixedState::with_seed(0x6269_6477_6174_6368);
    let mut hashes = vec![0u64; n];
    for c in cols {
        c.fold_hashes(&state, &mut hashes);
    }
    let parts = Partitions::of(n, |i| vt.keep[i].then_some(hashes[i]));
    let found: Vec<Vec<(u32, u32)>> = parts
        .par_iter()
        .map(|rows| {
            // the first row of each hash; rows of one hash but other values (a collision) chained
            let mut first: HashMap<u64, u32, foldhash::fast::FixedState> = HashMap::with_capacity_and_hasher(rows.len(), state.clone());
            let mut next: HashMap<u32, u32, foldhash::fast::FixedState> = HashMap::with_hasher(state.clone());
            let mut equal = Vec::new();
            for &(h, i) in rows {
                match first.entry(h) {
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(i);
                    }
                    std::collections::hash_map::Entry::Occupied(e) => {
                        let mut j = *e.get();
                        loop {
                            if cols.iter().all(|c| c.eq_at(i as usize, j as usize)) {
                                equal.push((i, j));
                                break;
                            }
                            match next.get(&j) {
                                Some(&k) => j = k,
                                None => {
                                    next.insert(j, i);
                                    break;
                                }
                            }
                        }
                    }
                }
            }
            equal
        })
        .collect();
    let mut out = vec![None; n];
    for (i, j) in found.into_iter().flatten() {
        out[i as usize] = Some(j as usize);
    }
    out
}

fn check_duplicates(vt: &mut ValidTable, spec: &TableSpec, issue: &mut IssueFn<'_>) {
    // Exact duplicates of a whole row (every contract value equal): a double export.
    let all: Vec<&Parsed> = vt.columns.iter().map(|(_, p)| p).collect();
    let dups = earlier_equal(vt, &all);
    for (i, d) in dups.into_iter().enumerate() {
        if let Some(j) = d {
            vt.keep[i] = false;
            issue(vt.row(i), "", "", Action::SetAside, format!("exact duplicate of row {}", vt.row(j)));
        }
    }
    if spec.unique.is_empty() || !spec.unique.iter().all(|c| vt.column(c).is_some()) {
        return;
    }
    let cols: Vec<&Parsed> = spec.unique.iter().filter_map(|c| vt.column(c)).collect();
    let found: Vec<(usize, usize, String)> = earlier_equal(vt, &cols)
        .into_iter()
        .enumerate()
        .filter_map(|(i, d)| d.map(|j| (i, j, cols.iter().map(|p| p.text(i).unwrap_or_default()).collect::<Vec<_>>().join("|"))))
        .collect();
    for (i, j, shown) in found {
        vt.keep[i] = false;
        issue(
            vt.row(i),
            spec.unique.join("+").as_str(),
            &shown,
            Action::SetAside,
            format!("duplicate key ({}) already given at row {}", spec.unique.join(", "), vt.row(j)),
        );
    }
}

/// Checks that need two columns of one row.
fn check_rows(vt: &mut ValidTable, issue: &mut IssueFn<'_>) {
    if vt.table == TableName::Assignments {
        let (Some(Parsed::Date(start)), Some(Parsed::Date(end))) = (vt.column("start_date"), vt.column("end_date")) else {
            return;
        };
        let bad: Vec<usize> =
            (0..vt.keep.len()).filter(|&i| vt.keep[i] && matches!((start[i], end[i]), (Some(s), Some(e)) if e < s)).collect();
        for i in bad {
            vt.keep[i] = false;
            issue(vt.row(i), "end_date", "", Action::SetAside, "end_date is before start_date".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// A cell read as one of the words as it is reads as folding, trimming and lower-casing
        /// would have it read.
        #[test]
        fn a_bool_reads_as_its_normal_form(s in "( |　)?(TRUE|True|true|ｔｒｕｅ|t|T|1|１|yes|Y|是|真|批准|已批准|false|F|0|no|N|否|假|未批准|x|tru)( |\t)?") {
            let normal = match fold_width(&s).trim().to_lowercase().as_str() {
                "true" | "t" | "1" | "yes" | "y" | "是" | "真" | "已批准" | "批准" => Some(true),
                "false" | "f" | "0" | "no" | "n" | "否" | "假" | "未批准" => Some(false),
                _ => None,
            };
            prop_assert_eq!(parse_bool(&s), normal);
        }

        /// A cell is blank exactly when trimming leaves nothing, whatever its ends.
        #[test]
        fn blank_is_what_trimming_empties(s in "[ \t\r\n　\u{85}\u{a0}\u{2028}a-z0-9,.张-]{0,6}") {
            prop_assert_eq!(is_blank(&s), s.trim().is_empty());
        }
    }

    /// A cell the same as the one before it gives what it gave there, its warning or its refusal
    /// reported again at its own row.
    #[test]
    fn a_repeated_cell_is_parsed_once_and_reported_at_every_row() {
        let spec = TableName::Bids.spec();
        let bidder = spec.columns.iter().find(|c| c.name == "bidder_id").expect("bidder_id");
        let price = spec.columns.iter().find(|c| c.name == "price").expect("price");
        // a valid 统一社会信用代码 and the same with a wrong check character
        let (good, bad) = ("91330281001230940J", "91330281001230940K");
        let cells = [Some(good), Some(good), Some(bad), Some(bad), None, Some(bad), Some(good)];
        let rows: Vec<u64> = (2..9).collect();
        let pc = parse_column("bids", bidder, 1.0, || cells.into_iter(), cells.len(), &rows, None, cells.len());
        let warned: Vec<u64> = pc.issues.iter().filter(|i| i.action == Action::Warning).map(|i| i.row).collect();
        assert_eq!(warned, [4, 5, 7]);
        assert_eq!(pc.set_aside, [4], "the empty required cell");
        let Ok(Parsed::Str(text)) = pc.parsed.into_parsed() else { panic!("ids are text") };
        let read: Vec<Option<String>> = text.iter().map(|v| v.map(str::to_owned)).collect();
        let want: Vec<Option<String>> = cells.iter().map(|c| c.map(str::to_owned)).collect();
        assert_eq!(read, want);
        // a number that repeats: parsed once, cleared at every row when it is no number
        let cells = [Some("1,000"), Some("1,000"), Some("abc"), Some("abc"), Some("2万")];
        let pc = parse_column("bids", price, 1.0, || cells.into_iter(), cells.len(), &rows[..5], None, cells.len());
        let refused: Vec<u64> = pc.issues.iter().map(|i| i.row).collect();
        assert_eq!(refused, [4, 5]);
        let Built::Parsed(Parsed::F64(prices)) = pc.parsed else { panic!("prices are numbers") };
        assert_eq!(prices, [Some(1000.0), Some(1000.0), None, None, Some(20_000.0)]);
    }

    /// A categorical column built from numbers reads back its mapping's values, in each width; a
    /// number the mapping does not hold reads as null instead of past the mapping's end.
    #[test]
    fn categorical_numbers_read_back_and_a_number_past_the_mapping_reads_null() {
        for width in [CategoricalPhysical::U8, CategoricalPhysical::U16, CategoricalPhysical::U32] {
            let cats = Categories::random("bidwatch-test".into(), width);
            let mapping = cats.mapping();
            for v in ["甲", "b", "c"] {
                mapping.insert_cat(v).expect("room");
            }
            let dtype = DataType::Categorical(cats, mapping);
            let read = |numbers: Vec<Option<u32>>| {
                let s = categorical("c".into(), numbers.into_iter().collect(), dtype.clone());
                let df = DataFrame::new(s.len(), vec![s.into_column()]).expect("one column");
                crate::frame::str_iter(&df, "c").map(|v| v.map(str::to_owned)).collect::<Vec<_>>()
            };
            let want = |v: &[Option<&str>]| v.iter().map(|v| v.map(str::to_owned)).collect::<Vec<_>>();
            assert_eq!(read(vec![Some(2), None, Some(0), Some(1)]), want(&[Some("c"), None, Some("甲"), Some("b")]), "{width:?}");
            assert_eq!(read(vec![Some(1), Some(3), Some(200)]), want(&[Some("b"), None, None]), "{width:?}");
            // every row numbered (the numbers taken as they are), and one past the mapping
            assert_eq!(read(vec![Some(1), Some(0), Some(2)]), want(&[Some("b"), Some("甲"), Some("c")]), "{width:?}");
            assert_eq!(read(vec![Some(1), Some(3)]), want(&[Some("b"), None]), "{width:?}");
        }
    }
}
