//! The validated data set: one polars frame per table present, ids interned to dense `u32` keys.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::*;

use crate::error::{IngestError, Result};
use crate::read::{file_name, parquet_batch_rows, read_csv, read_csv_batches, read_parquet_batches, read_xlsx, RawTable, BATCH_BYTES};
use crate::report::{IngestIssue, IngestReport};
use crate::schema::{key_column, ColType, ColumnSpec, KeySpace, TableName};
use crate::textcol::{Numbers, Text};
use crate::validate::{KeySet, Parsed, ValidTable, Validating};

/// Strings to dense `u32` keys, in first-seen order (deterministic: tables and rows are visited in
/// a fixed order, one at a time).
///
/// The keys are a polars categorical mapping's ids, so an id column is stored in its frame as a
/// categorical column of those keys (4 bytes a cell) rather than as text (a 16-byte view a cell):
/// at 10M bids some 175 M id cells. The strings are held once, by the mapping, and the frames read
/// them back through it (`frame::str_iter` and its siblings).
///
/// Not `Clone`: a copy would share the mapping, and an id interned through it would take a key in
/// the original's space.
#[derive(Debug)]
pub struct Interner {
    cats: Arc<Categories>,
    ids: Arc<CategoricalMapping>,
    text_bytes: usize,
}

impl Default for Interner {
    fn default() -> Self {
        // A name of its own (a random one), so that two data sets in one process never share ids;
        // the namespace tells a key space from a repeated text column's own values.
        let cats = Categories::random(KEY_SPACE.into(), CategoricalPhysical::U32);
        let ids = cats.mapping();
        Interner { cats, ids, text_bytes: 0 }
    }
}

impl Interner {
    pub fn intern(&mut self, id: &str) -> u32 {
        let before = self.ids.num_cats_upper_bound();
        // A `u32` key space has room for 4 billion ids; the mapping refuses only past that.
        let key = self.ids.insert_cat(id).expect("fewer than 2^32 distinct ids");
        if key as usize >= before {
            self.text_bytes += id.len();
        }
        key
    }

    pub fn get(&self, id: &str) -> Option<u32> {
        self.ids.get_cat(id)
    }

    pub fn resolve(&self, key: u32) -> Option<&str> {
        self.ids.cat_to_str(key)
    }

    pub fn len(&self) -> usize {
        self.ids.num_cats_upper_bound()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes the ids take, estimated: their text plus the mapping's entry (an allocation of
    /// its own), its hash slots (the table keeps the allocations it grew out of) and its reverse
    /// slot — about 100 bytes an id (dropping the 1M county's key spaces freed 85 MB for 0.58 M ids
    /// and the data set's other small parts).
    pub fn heap_bytes(&self) -> usize {
        self.text_bytes + self.len() * 100
    }

    /// The column type of this key space's id columns: categorical, its ids the keys.
    pub fn dtype(&self) -> DataType {
        DataType::Categorical(self.cats.clone(), self.ids.clone())
    }

    /// The ids of this key space, read by key: a handle that shares the mapping and cannot add to
    /// it, for a stage that numbers things by key and reads back the few ids it reports.
    pub fn texts(&self) -> KeyTexts {
        KeyTexts { ids: self.ids.clone(), len: self.len() }
    }
}

/// The ids of a key space, read by key ([`Interner::texts`]): as many as the space held when the
/// handle was taken.
#[derive(Clone)]
pub struct KeyTexts {
    ids: Arc<CategoricalMapping>,
    len: usize,
}

impl KeyTexts {
    /// The id of `key`, if the space holds it.
    pub fn resolve(&self, key: u32) -> Option<&str> {
        ((key as usize) < self.len).then(|| self.ids.cat_to_str(key)).flatten()
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl std::fmt::Debug for KeyTexts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyTexts").field("len", &self.len).finish()
    }
}

/// The namespace of the key spaces' categories: a categorical column in it holds keys.
pub(crate) const KEY_SPACE: &str = "bidwatch-keys";

/// One table of the data set.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: TableName,
    /// The file (or `file.xlsx#sheet`) it came from.
    pub source: String,
    pub format: &'static str,
    pub encoding: Option<&'static str>,
    pub rows_read: usize,
    pub rows_kept: usize,
    /// Typed columns of the contract, `_row` (the source row of each), and unknown columns kept as
    /// text under `extra:<header>`. An id column is stored as its keys (categorical: read it with
    /// `frame::str_iter` for the ids, `frame::key_iter` for the keys); one whose ids fall in several
    /// key spaces (a holder by `holder_kind`) stays text, its keys beside it in `<id>_key`.
    pub df: DataFrame,
}

/// A validated folder of tables.
#[derive(Debug, Default)]
pub struct Dataset {
    pub folder: PathBuf,
    pub tables: BTreeMap<TableName, Table>,
    pub projects: Interner,
    /// Bidders, tenderers, agents, employers and organisation shareholders: one key space.
    pub orgs: Interner,
    pub persons: Interner,
    pub experts: Interner,
    pub report: IngestReport,
    /// Files (and workbook sheets) in the folder that are no table of the contract.
    pub ignored: Vec<String>,
    /// Columns read, checked and then taken out ([`Dataset::take`]), by table.
    released: BTreeMap<TableName, Vec<&'static str>>,
}

impl Dataset {
    pub fn table(&self, name: TableName) -> Option<&Table> {
        self.tables.get(&name)
    }

    pub fn frame(&self, name: TableName) -> Option<&DataFrame> {
        self.tables.get(&name).map(|t| &t.df)
    }

    /// Whether a table is present and has the given columns (for "not evaluated" decisions). A
    /// released column counts: the data had it.
    pub fn has_columns(&self, name: TableName, columns: &[&str]) -> bool {
        let released = self.released.get(&name).map_or(&[][..], Vec::as_slice);
        self.frame(name).is_some_and(|df| columns.iter().all(|c| df.column(c).is_ok() || released.contains(c)))
    }

    /// Takes columns out of a table, for the stage that reads them last to let go of as it reads
    /// them (the bids' identifiers, 1.5 GB at 10M bids, each as linking has read it): the frame
    /// returned (as high as the table, with those of `columns` the table has) is the only one
    /// that holds them. `None` for a table not present.
    ///
    /// The table still counts as having them ([`Dataset::has_columns`]): a rule that needs a column
    /// only to know the data has it, and reads what an earlier stage took from it, is still
    /// evaluated. A stage that reads a taken column's cells finds no such column in the frame.
    pub fn take(&mut self, name: TableName, columns: &[&'static str]) -> Option<DataFrame> {
        let t = self.tables.get_mut(&name)?;
        let height = t.df.height();
        let mut taken = Vec::new();
        for &c in columns {
            if let Ok(column) = t.df.drop_in_place(c) {
                taken.push(column);
                self.released.entry(name).or_default().push(c);
            }
        }
        DataFrame::new(height, taken).ok()
    }

    /// The columns taken out ([`Dataset::take`]), by table.
    pub fn released(&self) -> impl Iterator<Item = (TableName, &'static str)> + '_ {
        self.released.iter().flat_map(|(t, cols)| cols.iter().map(move |c| (*t, *c)))
    }

    pub fn rows_read(&self) -> usize {
        self.tables.values().map(|t| t.rows_read).sum()
    }

    pub fn rows_kept(&self) -> usize {
        self.tables.values().map(|t| t.rows_kept).sum()
    }

    fn interner(&mut self, space: KeySpace) -> &mut Interner {
        match space {
            KeySpace::Project => &mut self.projects,
            KeySpace::Org => &mut self.orgs,
            KeySpace::Person => &mut self.persons,
            KeySpace::Expert => &mut self.experts,
            KeySpace::ByKind(_) => &mut self.orgs,
        }
    }
}

fn space_of_kind(kind: &str) -> KeySpace {
    match kind {
        "person" => KeySpace::Person,
        "expert" => KeySpace::Expert,
        _ => KeySpace::Org,
    }
}

/// `project_id` → `project_key`.
pub fn key_column_name(id_column: &str) -> String {
    format!("{}_key", id_column.strip_suffix("_id").unwrap_or(id_column))
}

/// Where a table of the contract comes from: a file read when its turn comes, or a workbook sheet
/// read with its workbook.
enum Source {
    Csv(PathBuf),
    Parquet(PathBuf),
    Sheet(Box<RawTable>),
}

impl Source {
    fn name(&self) -> String {
        match self {
            Source::Csv(p) | Source::Parquet(p) => file_name(p),
            Source::Sheet(raw) => raw.source.clone(),
        }
    }
}

/// Loads and validates every table of the contract found in `folder`.
///
/// Tables are read, validated and interned one at a time, in the contract's order (a table's
/// references are checked against the tables before it), and each file's text is dropped before
/// the next is read: at most one table is held both as text and as typed columns.
pub fn load(folder: &Path) -> Result<Dataset> {
    load_in_batches_of(folder, BATCH_BYTES)
}

/// [`load`], reading a CSV file about `batch_bytes` of text at a time (tests read a small file in
/// many batches to hold the batched reading to the whole one).
pub fn load_in_batches_of(folder: &Path, batch_bytes: usize) -> Result<Dataset> {
    let meta = fs::metadata(folder).map_err(|source| IngestError::Io { path: folder.to_owned(), source })?;
    if !meta.is_dir() {
        return Err(IngestError::NotAFolder { path: folder.to_owned() });
    }
    let mut entries: Vec<PathBuf> = fs::read_dir(folder)
        .map_err(|source| IngestError::Io { path: folder.to_owned(), source })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();

    let mut ds = Dataset { folder: folder.to_owned(), ..Dataset::default() };
    let mut sources: BTreeMap<TableName, Source> = BTreeMap::new();
    let add = |table: TableName, src: Source, sources: &mut BTreeMap<TableName, Source>| -> Result<()> {
        if let Some(prev) = sources.get(&table) {
            return Err(IngestError::DuplicateTable { table: table.as_str(), first: prev.name(), second: src.name() });
        }
        sources.insert(table, src);
        Ok(())
    };
    for path in entries {
        let name = file_name(&path);
        if !path.is_file() {
            ds.ignored.push(format!("{name}/"));
            continue;
        }
        let ext = path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
        let stem = path.file_stem().map(|s| s.to_string_lossy().trim().to_lowercase()).unwrap_or_default();
        match (ext.as_str(), TableName::from_name(&stem)) {
            ("csv", Some(t)) => add(t, Source::Csv(path), &mut sources)?,
            ("parquet", Some(t)) => add(t, Source::Parquet(path), &mut sources)?,
            ("xlsx" | "xlsm" | "xls" | "ods", _) => {
                let (tables, other) = read_xlsx(&path)?;
                for raw in tables {
                    add(raw.table, Source::Sheet(Box::new(raw)), &mut sources)?;
                }
                ds.ignored.extend(other.into_iter().map(|s| format!("{name}#{s}")));
            }
            _ => ds.ignored.push(name),
        }
    }
    for t in TableName::ALL.iter().filter(|t| t.spec().required) {
        if !sources.contains_key(t) {
            return Err(IngestError::MissingTable { folder: folder.to_owned(), table: t.as_str() });
        }
    }

    let mut known: Arc<HashMap<TableName, KeySet>> = Arc::default();
    let mut issues = Vec::new();
    // A table's checks across rows (references, duplicates, two columns of a row) run, its ids
    // are interned and its frame built on a thread of its own, the finisher, while the next table
    // is read: at 10M bids those steps take 1–2 s of one core and the finishing 1–8 s, which
    // otherwise wait on each other or on the read. The finisher takes the tables one after
    // another in the contract's order, so every id takes the key it took before; one table
    // waits for it at most (a small table read while a large one is finished), so the reading
    // goes on to the next meanwhile. Only the tables whose ids the later ones refer to
    // (projects, bidders, experts, agents: the first four) are checked before the next is read.
    let mut ds = std::thread::scope(|scope| -> Result<Dataset> {
        let (to_finish, tables) = std::sync::mpsc::sync_channel::<Checked>(1);
        let finisher = scope.spawn(move || -> Result<(Dataset, Vec<IngestIssue>)> {
            let mut issues = Vec::new();
            for checked in tables {
                checked.finish(&mut ds, &mut issues)?;
                // the next table is finished in fresh memory, not on top of this one's parsing
                bidwatch_model::mem::trim();
            }
            Ok((ds, issues))
        });
        // The finisher's data set and what it reported; its error first, being a table's before.
        let finished = |finisher: std::thread::ScopedJoinHandle<'_, Result<(Dataset, Vec<IngestIssue>)>>| {
            finisher.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        };
        for t in TableName::ALL {
            let Some(src) = sources.remove(&t) else { continue };
            let started = std::time::Instant::now();
            let read = match read_table(t, src, batch_bytes, &mut issues) {
                Ok(v) => v,
                Err(e) => {
                    drop(to_finish);
                    finished(finisher)?;
                    return Err(e);
                }
            };
            let read_ms = started.elapsed().as_millis() as u64;
            if tracing::enabled!(tracing::Level::DEBUG) {
                let (rss_mib, peak_mib) = bidwatch_model::mem::rss_mib().unwrap_or_default();
                tracing::debug!(table = t.as_str(), read_ms, rss_mib, peak_mib, "table read");
            }
            let checks = match key_column(t) {
                Some(key) => {
                    let vt = read.finish(&known, &mut issues);
                    if let Some(values) = vt.str_column(key) {
                        let set = values.iter().zip(&vt.keep).filter(|(_, k)| **k).filter_map(|(v, _)| v.map(str::to_owned)).collect();
                        Arc::make_mut(&mut known).insert(t, set);
                    }
                    Checks::Done(vt)
                }
                None => Checks::Left(read, Arc::clone(&known)),
            };
            if to_finish.send(Checked { t, checks, started, read_ms }).is_err() {
                // the finisher stopped at an error, which is the one reported
                break;
            }
        }
        drop(to_finish);
        let (ds, late) = finished(finisher)?;
        issues.extend(late);
        Ok(ds)
    })?;
    let spaces = [&ds.projects, &ds.orgs, &ds.persons, &ds.experts];
    tracing::debug!(
        projects = ds.projects.len(),
        orgs = ds.orgs.len(),
        persons = ds.persons.len(),
        experts = ds.experts.len(),
        mib = spaces.iter().map(|s| s.heap_bytes()).sum::<usize>() >> 20,
        "ids interned"
    );
    ds.report.issues = issues;
    ds.report.sort();
    Ok(ds)
}

/// A table read, on its way to the finisher.
struct Checked {
    t: TableName,
    checks: Checks,
    started: std::time::Instant,
    read_ms: u64,
}

/// A table's checks across rows: done, or left to the finisher, with the ids of the tables before
/// it for the reference checks.
enum Checks {
    Done(ValidTable),
    Left(Validating, Arc<HashMap<TableName, KeySet>>),
}

impl Checked {
    /// Runs the checks left, then interns the table's ids and adds its frame to the data set.
    fn finish(self, ds: &mut Dataset, issues: &mut Vec<IngestIssue>) -> Result<()> {
        let Checked { t, checks, started, read_ms } = self;
        let checking = std::time::Instant::now();
        let vt = match checks {
            Checks::Done(vt) => vt,
            Checks::Left(v, known) => v.finish(&known, issues),
        };
        finish_table(ds, t, vt, started, read_ms, checking)
    }
}

/// Reads one table and checks its cells: a CSV file a batch of records at a time, or, when a batch
/// cannot be split, whole (its bad records set aside one by one); a Parquet file a batch of row
/// groups at a time; a sheet whole.
/// Its checks across rows are left to [`Validating::finish`].
fn read_table(t: TableName, src: Source, batch_bytes: usize, issues: &mut Vec<IngestIssue>) -> Result<Validating> {
    if let Source::Csv(path) = &src {
        let reported = issues.len();
        let mut validating: Option<Validating> = None;
        let whole = read_csv_batches(t, path, batch_bytes, |raw| check_batch(&mut validating, raw, issues))?;
        match validating {
            Some(v) if whole => return Ok(v),
            _ => issues.truncate(reported),
        }
    }
    let raw = match src {
        Source::Csv(path) => read_csv(t, &path)?,
        Source::Parquet(path) => {
            let mut validating: Option<Validating> = None;
            read_parquet_batches(t, &path, parquet_batch_rows(batch_bytes), |raw| check_batch(&mut validating, raw, issues))?;
            // every file is handed over once at least (one without rows, whole)
            return validating.ok_or_else(|| IngestError::Unreadable { path, reason: "no table read".into() });
        }
        Source::Sheet(raw) => *raw,
    };
    let mut v = Validating::new(&raw)?;
    v.add(&raw, issues)?;
    Ok(v)
}

/// Checks one batch of a table's cells, appended to the table's validation (started at its first
/// batch, whose headers it maps).
fn check_batch(validating: &mut Option<Validating>, raw: &RawTable, issues: &mut Vec<IngestIssue>) -> Result<()> {
    let v = match validating {
        Some(v) => v,
        None => validating.insert(Validating::new(raw)?),
    };
    v.add(raw, issues)
}

/// Interns a checked table's ids, builds its frame and adds it to the data set.
fn finish_table(
    ds: &mut Dataset,
    t: TableName,
    vt: ValidTable,
    started: std::time::Instant,
    read_ms: u64,
    checking: std::time::Instant,
) -> Result<()> {
    let rows = vt.rows_read;
    let finishing = std::time::Instant::now();
    let check_ms = finishing.duration_since(checking).as_millis() as u64;
    let table = finish(ds, vt).map_err(|e| IngestError::Unreadable { path: ds.folder.join(t.as_str()), reason: e.to_string() })?;
    let finish_ms = finishing.elapsed().as_millis() as u64;
    let (rss_mib, peak_mib) = bidwatch_model::mem::rss_mib().unwrap_or_default();
    let frame_mib = table.df.columns().iter().map(column_bytes).sum::<usize>() >> 20;
    if tracing::enabled!(tracing::Level::TRACE) {
        for c in table.df.columns() {
            let kib = column_bytes(c) >> 10;
            tracing::trace!(table = t.as_str(), column = c.name().as_str(), dtype = %c.dtype(), kib, "column held");
        }
    }
    tracing::debug!(
        table = t.as_str(),
        rows,
        read_ms,
        check_ms,
        finish_ms,
        ms = started.elapsed().as_millis() as u64,
        frame_mib,
        rss_mib,
        peak_mib,
        "table loaded"
    );
    ds.tables.insert(t, table);
    Ok(())
}

/// The bytes a column holds: polars' estimate, plus the 16-byte view of every text cell, which the
/// estimate leaves out (it counts the text only).
fn column_bytes(c: &Column) -> usize {
    let views = if c.dtype() == &DataType::String { 16 * c.len() } else { 0 };
    c.as_materialized_series().estimated_size() + views
}

/// Interns the ids of a validated table and builds its frame.
///
/// Each key space's columns are interned on a thread of their own, one column after another in
/// the table's order (a space's keys are numbered in first-seen order, as one thread reading the
/// table would number them). A column whose ids fall in several spaces (a holder by its kind) is
/// keyed with the rest in one thread.
fn finish(ds: &mut Dataset, vt: ValidTable) -> PolarsResult<Table> {
    let id_cols: Vec<(&'static ColumnSpec, KeySpace, &Text)> = vt
        .columns
        .iter()
        .filter_map(|(spec, parsed)| match (&spec.ty, parsed) {
            (ColType::Id(Some(space)), Parsed::Str(values)) => Some((*spec, *space, values)),
            _ => None,
        })
        .collect();
    let rows_kept = vt.rows_kept();
    let keyed: Vec<Numbers> = if id_cols.iter().any(|c| matches!(c.1, KeySpace::ByKind(_))) {
        id_cols
            .iter()
            .map(|&(_, space, values)| match space {
                KeySpace::ByKind(kind_col) => keys_by_kind(ds, &vt, kind_col, values),
                plain => keys_in(ds.interner(plain), values, &vt.keep, rows_kept),
            })
            .collect()
    } else {
        use rayon::prelude::*;
        let Dataset { projects, orgs, persons, experts, .. } = &mut *ds;
        let spaces = vec![(KeySpace::Project, projects), (KeySpace::Org, orgs), (KeySpace::Person, persons), (KeySpace::Expert, experts)];
        let keep = &vt.keep;
        let mut placed: Vec<(usize, Numbers)> = spaces
            .into_par_iter()
            .flat_map_iter(|(space, interner)| {
                let of_space = id_cols.iter().enumerate().filter(move |(_, c)| c.1 == space);
                of_space.map(move |(i, c)| (i, keys_in(interner, c.2, keep, rows_kept)))
            })
            .collect();
        placed.sort_unstable_by_key(|(i, _)| *i);
        placed.into_iter().map(|(_, keys)| keys).collect()
    };
    let mut key_cols = Vec::new();
    for (&(spec, space, _), keys) in id_cols.iter().zip(keyed) {
        if let KeySpace::ByKind(_) = space {
            // Keys of several spaces in one column: the text stays, beside the keys.
            key_cols.push(UInt32Chunked::from_iter_options(key_column_name(spec.name).into(), keys.iter()).into_column());
            continue;
        }
        // Every key was just returned by this space's interner, whose mapping the dtype holds.
        key_cols.push(crate::validate::categorical(spec.name.into(), keys, ds.interner(space).dtype()).into_column());
    }
    let name = vt.table;
    let source = vt.source.clone();
    let format = vt.format;
    let encoding = vt.encoding;
    let rows_read = vt.rows_read;
    let mut df = vt.into_frame()?;
    for c in key_cols {
        df.with_column(c)?;
    }
    Ok(Table { name, source, format, encoding, rows_read, rows_kept, df })
}

/// The keys of one id column of a single key space, its kept rows (`kept` of them) in order.
fn keys_in(interner: &mut Interner, values: &Text, keep: &[bool], kept: usize) -> Numbers {
    // The space is asked once per distinct id, in the order the kept rows first show them: the
    // keys a row-by-row interning would give.
    values.with_numbers(|distinct, rows| {
        let mut key_of: Vec<Option<u32>> = vec![None; distinct.len()];
        // Sized once: collected through the filter, the keys grew by doubling, each step a copy
        // into fresh memory (14 M rows of staff at 10M bids).
        let mut keys = Numbers::with_capacity(kept);
        keys.extend(
            rows.iter()
                .zip(keep)
                .filter(|(_, k)| **k)
                .map(|(r, _)| r.map(|k| *key_of[k as usize].get_or_insert_with(|| interner.intern(distinct.get(k))))),
        );
        keys
    })
}

/// The keys of an id column whose ids fall in several key spaces, each row's decided by its kind
/// column (`kind_col`), its kept rows in order.
fn keys_by_kind(ds: &mut Dataset, vt: &ValidTable, kind_col: &str, values: &Text) -> Numbers {
    let kinds: Option<Vec<Option<&str>>> = vt.str_column(kind_col).map(|k| k.iter().collect());
    let mut keys = Numbers::with_capacity(values.len());
    let mut previous: Option<(&str, KeySpace, u32)> = None;
    for (i, v) in values.iter().enumerate() {
        if !vt.keep[i] {
            continue;
        }
        keys.push(v.map(|id| {
            let sp = match &kinds {
                Some(k) => k[i].map_or_else(|| guess_space(id), space_of_kind),
                None => guess_space(id),
            };
            let key = match previous {
                Some((p, s, key)) if p == id && s == sp => key,
                _ => ds.interner(sp).intern(id),
            };
            previous = Some((id, sp, key));
            key
        }));
    }
    keys
}

/// A holder without a kind: an id shaped like a 统一社会信用代码 is an organisation, else a person.
fn guess_space(id: &str) -> KeySpace {
    match bidwatch_model::check_uscc(id) {
        bidwatch_model::UsccCheck::NotUscc => KeySpace::Person,
        _ => KeySpace::Org,
    }
}
