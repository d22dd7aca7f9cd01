//! Reading what can link two bidders out of the validated frames: one [`Item`] per value a bidder
//! shows, interned per kind so that equal values are equal numbers.

use std::collections::HashMap;
use std::net::IpAddr;

use bidwatch_ingest::{frame, Dataset, KeyTexts, TableName};
use bidwatch_model::grouped::Grouped;
use bidwatch_model::text::fold_width;
use bidwatch_model::textset::{memoised, CompactTextSet};
use polars::prelude::DataFrame;

use crate::kinds::LinkKind;
use crate::LinkConfig;

/// The table an evidence row comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Src {
    Bids,
    Bidders,
    BidPersonnel,
    Employment,
    Shareholders,
}

impl Src {
    /// Every source, in the order of their discriminants.
    pub(crate) const ALL: [Src; 5] = [Src::Bids, Src::Bidders, Src::BidPersonnel, Src::Employment, Src::Shareholders];

    pub fn table(self) -> &'static str {
        match self {
            Src::Bids => "bids",
            Src::Bidders => "bidders",
            Src::BidPersonnel => "bid_personnel",
            Src::Employment => "employment",
            Src::Shareholders => "shareholders",
        }
    }
}

/// Which side of a directed link an item stands on: a bond's payer account against a bidder's own
/// basic account, a controlled firm against its controller. Plain values match any plain value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Role {
    Plain,
    Payer,
    Owner,
}

impl Role {
    /// Every role, in the order of their discriminants.
    pub(crate) const ALL: [Role; 3] = [Role::Plain, Role::Payer, Role::Owner];
}

/// One value one bidder shows, with the row it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Item {
    pub kind: LinkKind,
    pub value: u32,
    pub bidder: u32,
    pub role: Role,
    pub src: Src,
    /// The source row (ingest keeps rows as `u32`): 16 bytes an item, for the tens of millions.
    pub row: u32,
}

impl Item {
    /// A number that orders items as their fields do (kind, value, bidder, role, source, row):
    /// a project's items are sorted by it, two comparisons of 64 bits instead of six of fields.
    pub fn order_key(&self) -> u128 {
        (u128::from(self.kind as u8) << 112)
            | (u128::from(self.value) << 80)
            | (u128::from(self.bidder) << 48)
            | (u128::from(self.role as u8) << 40)
            | (u128::from(self.src as u8) << 32)
            | u128::from(self.row)
    }

    /// The item whose [`order_key`](Item::order_key) `key` is: every field is in it, so a
    /// project's items are sorted as bare numbers (no key made at each comparison) and read back.
    pub fn from_key(key: u128) -> Item {
        // Each field is read from its own bits; a discriminant past its enum (no key made by
        // `order_key` has one) reads as the last variant.
        let byte = |shift: u32| usize::from((key >> shift) as u8);
        let word = |shift: u32| (key >> shift) as u32;
        Item {
            kind: LinkKind::ALL[byte(112).min(LinkKind::ALL.len() - 1)],
            value: word(80),
            bidder: word(48),
            role: Role::ALL[byte(40).min(Role::ALL.len() - 1)],
            src: Src::ALL[byte(32).min(Src::ALL.len() - 1)],
            row: word(0),
        }
    }
}

/// A hash map with a fixed, fast hasher (foldhash): lookups only, never iterated for output.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// The distinct values of one kind, numbered in first-seen order.
type KindValues = CompactTextSet;

/// Every distinct value, by kind. A value's id counts within its kind, in first-seen order, so
/// the kinds are interned independently (side by side) and an id means something only with its
/// kind, as every [`Item`] and hit carries it.
///
/// The people are the exception while the pairs are found: a person's value is ingest's key for
/// them ([`Values::persons`]), so that the millions of people named in the staff and insurance
/// rows are not numbered a second time; [`Values::keep_only`] turns the few it keeps into values
/// of their own, as every other kind's.
#[derive(Debug)]
pub struct Values {
    kinds: Vec<KindValues>,
    /// The person ids by key while `Personnel` values are ingest's person keys (from the
    /// collection to [`Values::keep_only`]; its set in `kinds` is empty meanwhile).
    persons: Option<KeyTexts>,
}

impl Default for Values {
    fn default() -> Values {
        Values { kinds: LinkKind::ALL.iter().map(|_| KindValues::default()).collect(), persons: None }
    }
}

impl Values {
    pub(crate) fn intern(&mut self, kind: LinkKind, value: &str) -> u32 {
        debug_assert!(self.by_key(kind).is_none(), "a value of a kind numbered by key is never interned");
        self.kinds[kind.index()].intern(value)
    }

    /// The person ids by key, when `kind`'s values are keys.
    fn by_key(&self, kind: LinkKind) -> Option<&KeyTexts> {
        self.persons.as_ref().filter(|_| Self::space(kind) == LinkKind::Personnel)
    }

    /// The value as read (normalised), by kind and id. A COL-009 hit (`Employment`) names the
    /// person, a value of `Personnel`.
    pub fn get(&self, kind: LinkKind, id: u32) -> &str {
        match self.by_key(kind) {
            Some(persons) => persons.resolve(id).unwrap_or_default(),
            None => self.kinds[Self::space(kind).index()].get(id),
        }
    }

    /// How many distinct values of `kind` (for values numbered by key, how many keys).
    pub fn count(&self, kind: LinkKind) -> usize {
        match self.by_key(kind) {
            Some(persons) => persons.len(),
            None => self.kinds[kind.index()].len(),
        }
    }

    pub fn len(&self) -> usize {
        self.kinds.iter().map(KindValues::len).sum::<usize>() + self.persons.as_ref().map_or(0, KeyTexts::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The kind whose numbers a value of `kind` is numbered among (a COL-009 `Employment` hit
    /// names a `Personnel` value).
    fn space(kind: LinkKind) -> LinkKind {
        if kind == LinkKind::Employment {
            LinkKind::Personnel
        } else {
            kind
        }
    }

    /// Keeps only the values `ids` name (kind and number), renumbered in the same order (so a
    /// sort by number sorts the same), and rewrites each number in `ids`. Linking reads tens of
    /// millions of values; the rules and reports need the few that made a hit.
    pub(crate) fn keep_only<'a>(&mut self, ids: impl IntoIterator<Item = (LinkKind, &'a mut u32)>) {
        let mut ids: Vec<(LinkKind, &mut u32)> = ids.into_iter().map(|(k, v)| (Self::space(k), v)).collect();
        let mut used: Vec<Vec<u32>> = LinkKind::ALL.iter().map(|_| Vec::new()).collect();
        for (k, v) in &ids {
            used[k.index()].push(**v);
        }
        let mut kept = Values::default();
        for (k, used) in used.iter_mut().enumerate() {
            used.sort_unstable();
            used.dedup();
            for &id in used.iter() {
                kept.kinds[k].intern(self.get(LinkKind::ALL[k], id));
            }
        }
        for (k, v) in &mut ids {
            let used = &used[k.index()];
            **v = used.binary_search(v).unwrap_or(used.len()) as u32;
        }
        *self = kept;
    }

    /// Takes the values of some kinds out, to be interned by a task of their own.
    fn take(&mut self, kinds: &[LinkKind]) -> Values {
        let mut part = Values::default();
        for k in kinds {
            part.kinds[k.index()] = std::mem::take(&mut self.kinds[k.index()]);
        }
        part
    }

    /// Puts back what [`Values::take`] took out.
    fn put(&mut self, part: Values, kinds: &[LinkKind]) {
        let mut part = part;
        for k in kinds {
            self.kinds[k.index()] = std::mem::take(&mut part.kinds[k.index()]);
        }
    }
}

/// A bid, with what the linking needs besides its values.
#[derive(Debug, Clone)]
pub(crate) struct BidRec {
    pub project: u32,
    pub bidder: u32,
    /// The consortium it bid in, as a number (equal `consortium_id`s are equal numbers).
    pub consortium: Option<u32>,
    pub withdrawn: bool,
    pub winner: bool,
    /// Its row in the `bids` frame, where [`BidValues`] reads its values.
    pub at: u32,
}

/// A month of social insurance paid by an employer for a person.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paid {
    pub employer: u32,
    /// Days since 1970-01-01 of the month's first day.
    pub month: i32,
    pub row: u32,
}

/// What links bids in the bids' own rows, kept as one value id per cell (4 bytes) and made into
/// [`Item`]s project by project as the pairs are found. Holding every bid's items at once cost 16
/// bytes a value, 1.4 GB at 10M bids, at the moment the run peaked.
#[derive(Debug, Default)]
pub(crate) struct BidValues {
    /// One column of value ids per entry of [`BID_COLUMNS`], by frame row ([`NONE`]: no value).
    columns: Vec<Vec<u32>>,
    /// (bid index, value) of every lock serial, in bid order (a bid may carry several).
    locks: Vec<(u32, u32)>,
    /// The source row of each frame row.
    rows: Vec<u32>,
}

impl BidValues {
    /// Appends the items of bid `k` that `keep` keeps to `out`: its columns in the order of
    /// [`BID_COLUMNS`], then its lock serials.
    pub fn items_of(&self, k: usize, bid: &BidRec, out: &mut Vec<Item>, keep: impl Fn(&Item) -> bool) {
        let at = bid.at as usize;
        let row = self.rows[at];
        let item = |kind, value, role| Item { kind, value, bidder: bid.bidder, role, src: Src::Bids, row };
        for (ids, (_, kind, role, _)) in self.columns.iter().zip(&BID_COLUMNS) {
            if let Some(&value) = ids.get(at).filter(|&&v| v != NONE) {
                let it = item(*kind, value, *role);
                if keep(&it) {
                    out.push(it);
                }
            }
        }
        let k = k as u32;
        let from = self.locks.partition_point(|&(b, _)| b < k);
        for &(_, value) in self.locks[from..].iter().take_while(|&&(b, _)| b == k) {
            let it = item(LinkKind::LockSerial, value, Role::Plain);
            if keep(&it) {
                out.push(it);
            }
        }
    }

    /// Calls `f(value, bidder)` for every value of `kind` a bid shows.
    pub fn each_of_kind(&self, kind: LinkKind, bids: &[BidRec], mut f: impl FnMut(u32, u32)) {
        for (ids, (_, k, _, _)) in self.columns.iter().zip(&BID_COLUMNS) {
            if *k != kind {
                continue;
            }
            for b in bids {
                if let Some(&value) = ids.get(b.at as usize).filter(|&&v| v != NONE) {
                    f(value, b.bidder);
                }
            }
        }
        if kind == LinkKind::LockSerial {
            for &(k, value) in &self.locks {
                f(value, bids[k as usize].bidder);
            }
        }
    }
}

/// The personnel items of each (project, bidder), in one vector group after group: a map to a
/// vector per bid cost ~100 bytes a bid for one or two people.
#[derive(Debug, Default)]
pub(crate) struct Staff {
    /// Each project's (bidder, group): a project's dozen bidders side by side, found by a scan.
    /// A map from (project, bidder) held 10 M groups at 10M bids (≈ 0.2 GB), each lookup a miss.
    groups: Grouped<(u32, u32)>,
    items: Grouped<Item>,
}

impl Staff {
    /// The staff named in the bid of `bidder` on `project`.
    pub fn get(&self, key: &(u32, u32)) -> Option<&[Item]> {
        let &(_, g) = self.groups.of(key.0 as usize).iter().find(|(b, _)| *b == key.1)?;
        Some(self.items.of(g as usize))
    }

    /// Every group's items.
    pub fn values(&self) -> impl Iterator<Item = &[Item]> {
        self.items.iter()
    }
}

/// The months of social insurance of each person, grouped by person value id in the table's order
/// (a map to a vector per person cost ~3 times the months themselves).
pub(crate) type Insurance = Grouped<Paid>;

/// Everything read from the frames.
#[derive(Debug, Default)]
pub(crate) struct Collected {
    pub values: Values,
    pub bids: Vec<BidRec>,
    /// The values of each bid, read through its [`BidRec::at`].
    pub bid_values: BidValues,
    /// Items of each bidder that do not depend on the project (contacts, owners), by org key.
    pub static_items: Vec<Vec<Item>>,
    /// Personnel items by (project key, bidder key).
    pub personnel: Staff,
    /// Social insurance by person value.
    pub employment: Insurance,
    /// A date for each project to place it in time (opening, else deadline, else publication), in days.
    pub project_day: Vec<Option<i64>>,
    pub project_category: Vec<Option<String>>,
    /// The region of each project, numbered in the order the projects table first names it
    /// ([`NONE`]: not given).
    pub project_region: Vec<u32>,
}

/// An author that names no one: empty, a default account or vendor name, a number.
pub(crate) fn generic_author(norm: &str, generic: &[String]) -> bool {
    if norm.chars().count() <= 1 || norm.chars().all(|c| c.is_ascii_digit() || c.is_ascii_punctuation()) {
        return true;
    }
    generic.iter().any(|g| g == norm || (norm.is_ascii() && g.is_ascii() && norm.len() >= 4 && strsim::jaro_winkler(g, norm) >= 0.93))
}

/// An author as compared: width folded, lower-cased, without spaces.
pub(crate) fn norm_author(s: &str) -> String {
    fold_width(s).chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

/// An address as compared: width folded, without spaces and punctuation, lower-cased.
pub(crate) fn norm_address(s: &str) -> String {
    fold_width(s)
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_ascii_punctuation() && !matches!(c, '，' | '。' | '、' | '（' | '）' | '—' | '·'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether an upload IP can identify a bidder: private, loopback, link-local, multicast and
/// unspecified addresses name a network, not an office.
pub(crate) fn public_ip(ip: &str) -> bool {
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => {
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1]))
        }
        Ok(IpAddr::V6(v6)) => {
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80)
        }
        Err(_) => false,
    }
}

/// A MAC that names no card: all zeros, broadcast.
fn real_mac(mac: &str) -> bool {
    !matches!(mac, "00:00:00:00:00:00" | "FF:FF:FF:FF:FF:FF")
}

/// No value in this cell (empty, or naming no one).
pub(crate) const NONE: u32 = u32::MAX;

/// How a text column of `bids` turns into values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    All,
    RealMac,
    PublicIp,
    /// Normalised, and judged generic once per distinct text.
    Author,
    /// A file hash: hex digits compared without case; the hash of an empty file names no document.
    Hash,
}

/// The MD5, SHA-1, SHA-256 and SM3 digests of zero bytes: an upload that failed, not a document.
const EMPTY_FILE_HASHES: [&str; 4] = [
    "D41D8CD98F00B204E9800998ECF8427E",
    "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709",
    "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
    "1AB21D8355CFA17F8E61194831E81A8F22BEC8C728FEFB747ED035EB5082AA2B",
];

/// A file hash as compared: upper-cased when written in lower-case hex; `None` for an empty file's.
fn norm_hash(v: &str) -> Option<std::borrow::Cow<'_, str>> {
    let v = if v.bytes().any(|b| b.is_ascii_lowercase()) { std::borrow::Cow::Owned(v.to_ascii_uppercase()) } else { v.into() };
    (!EMPTY_FILE_HASHES.contains(&v.as_ref())).then_some(v)
}

/// The text columns of `bids` that link bidders, in the order their items are kept. The payer side
/// of bonds is last ([`PAYERS`]): it is interned with the bidders' own accounts.
const BID_COLUMNS: [(&str, LinkKind, Role, Keep); 9] = [
    ("machine_code", LinkKind::MachineCode, Role::Plain, Keep::All),
    ("upload_mac", LinkKind::Mac, Role::Plain, Keep::RealMac),
    ("file_create_id", LinkKind::FileCreateId, Role::Plain, Keep::All),
    ("upload_ip", LinkKind::UploadIp, Role::Plain, Keep::PublicIp),
    ("doc_author", LinkKind::DocAuthor, Role::Plain, Keep::Author),
    ("authorized_rep_id", LinkKind::AuthorizedRep, Role::Plain, Keep::All),
    ("bond_account", LinkKind::BondAccount, Role::Plain, Keep::All),
    ("doc_hash", LinkKind::DocHash, Role::Plain, Keep::Hash),
    // The payer side of a bond; interned with the bidders' own accounts (the owner side).
    ("bond_account", LinkKind::BondFromOther, Role::Payer, Keep::All),
];

/// The columns of `bids` whose cells linking reads: [`BID_COLUMNS`] and the lock serials.
pub fn bid_columns_read() -> Vec<&'static str> {
    let mut cols: Vec<&'static str> = BID_COLUMNS.iter().map(|c| c.0).chain(["lock_serials"]).collect();
    cols.sort_unstable();
    cols.dedup();
    cols
}

/// The entry of [`BID_COLUMNS`] for the payer side of bonds.
const PAYERS: usize = BID_COLUMNS.len() - 1;

/// One text column of `bids` interned: the value id of each frame row ([`NONE`] for a cell
/// without one, or a bid that cannot be placed).
#[allow(clippy::too_many_arguments)]
fn bid_column(
    values: &mut KindValues,
    df: &polars::prelude::DataFrame,
    index: &[u32],
    name: &str,
    keep: Keep,
    cfg: &LinkConfig,
    generic: &[String],
    only_repeated: bool,
) -> Vec<u32> {
    // A file hash is normalised before it is compared, so two of a column's values may be one.
    if keep != Keep::Hash {
        if let Some((codes, text)) = frame::codes(df, name) {
            let once = only_repeated && matches!(keep, Keep::All | Keep::RealMac);
            let counts = if once { frame::codes(df, name).map(|(c, _)| placed_counts(c, index)) } else { None };
            let judge = |v: &str, values: &mut KindValues| judged(values, keep, v, cfg, generic);
            return by_code(values, codes, &text, index, counts.as_deref(), judge);
        }
    }
    let mut memo: FastMap<&str, u32> = FastMap::default();
    // Identifiers compared as written (or as a hash is): the ones this column shows more than once.
    let exact = matches!(keep, Keep::All | Keep::RealMac | Keep::Hash);
    let twice = if only_repeated && exact { Some(repeated(df, index, name, keep)) } else { None };
    let shown_once = |v: &str| twice.as_ref().is_some_and(|t| t.binary_search(&fingerprint(v)).is_err());
    frame::str_iter(df, name)
        .zip(index)
        .map(|(v, &k)| {
            let Some(v) = v.filter(|_| k != NONE) else { return NONE };
            if keep != Keep::Hash && shown_once(v) {
                return NONE;
            }
            match keep {
                Keep::Hash => norm_hash(v).filter(|h| !shown_once(h)).map_or(NONE, |h| values.intern(&h)),
                // Judged once per distinct text: parsing an address, normalising a name.
                Keep::PublicIp | Keep::Author => *memo.entry(v).or_insert_with(|| judged(values, keep, v, cfg, generic)),
                Keep::All | Keep::RealMac => judged(values, keep, v, cfg, generic),
            }
        })
        .collect()
}

/// A cell's value id under `keep` (a file hash aside: see [`norm_hash`]): interned if it names
/// something, else [`NONE`].
fn judged(values: &mut KindValues, keep: Keep, v: &str, cfg: &LinkConfig, generic: &[String]) -> u32 {
    match keep {
        Keep::All | Keep::Hash => values.intern(v),
        Keep::RealMac if real_mac(v) => values.intern(v),
        Keep::PublicIp if public_ip(v) && !cfg.ignore_ips.iter().any(|x| x == v) => values.intern(v),
        Keep::RealMac | Keep::PublicIp => NONE,
        Keep::Author => {
            let n = norm_author(v);
            if generic_author(&n, generic) {
                NONE
            } else {
                values.intern(&n)
            }
        }
    }
}

/// A categorical column's values: each distinct value (one number within the column) judged and
/// interned once, at the first placed row that shows it, so that values are numbered in the order
/// of their first rows as when every cell was interned; its text is looked up then only. With
/// `counts`, a value shown in fewer than two placed rows is left out (it can link no one).
fn by_code<'a>(
    values: &mut KindValues,
    codes: impl Iterator<Item = Option<u32>>,
    text: impl Fn(u32) -> Option<&'a str>,
    index: &[u32],
    counts: Option<&[u8]>,
    mut judge: impl FnMut(&str, &mut KindValues) -> u32,
) -> Vec<u32> {
    let mut memo: Vec<u32> = Vec::new();
    // Room for the values shown twice, where they were counted: a kind's set sized once, not
    // doubled to a million values (each doubling hashes every value again).
    if let Some(c) = counts {
        values.reserve(c.iter().filter(|&&n| n >= 2).count());
    }
    codes
        .zip(index)
        .map(|(code, &k)| {
            let Some(code) = code.filter(|_| k != NONE) else { return NONE };
            let at = code as usize;
            if counts.is_some_and(|c| c.get(at).copied().unwrap_or(0) < 2) {
                return NONE;
            }
            memoised(&mut memo, at, || text(code).map_or(NONE, |v| judge(v, values)))
        })
        .collect()
}

/// How many placed rows show each number of a categorical column, counted up to two.
fn placed_counts(codes: impl Iterator<Item = Option<u32>>, index: &[u32]) -> Vec<u8> {
    let mut counts: Vec<u8> = Vec::new();
    for (code, &k) in codes.zip(index) {
        let Some(code) = code.filter(|_| k != NONE) else { continue };
        let code = code as usize;
        if counts.len() <= code {
            counts.resize(code + 1, 0);
        }
        counts[code] = counts[code].saturating_add(1).min(2);
    }
    counts
}

/// A value's fingerprint, to find the values a column shows more than once.
fn fingerprint(v: &str) -> u64 {
    std::hash::BuildHasher::hash_one(&foldhash::fast::FixedState::with_seed(0x6f6e_6365), v)
}

/// The fingerprints (sorted) of the values a column shows in more than one placed row. A value
/// shown once can link no one, and most cells of the identifier columns (machine codes, file ids,
/// file hashes) are: at 10M bids they were most of the 22.8 M values interned. Two values with one
/// fingerprint are both kept and then told apart by their text, so a collision costs a little
/// memory, never a link. Only the relative order of the kept values' first sightings matters to
/// their numbers, and it is the same as when every value was interned.
fn repeated(df: &polars::prelude::DataFrame, index: &[u32], name: &str, keep: Keep) -> Vec<u64> {
    let mut seen: Vec<u64> = frame::str_iter(df, name)
        .zip(index)
        .filter_map(|(v, &k)| {
            let v = v.filter(|_| k != NONE)?;
            match keep {
                Keep::Hash => norm_hash(v).map(|h| fingerprint(&h)),
                _ => Some(fingerprint(v)),
            }
        })
        .collect();
    seen.sort_unstable();
    let mut twice: Vec<u64> = seen.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0]).collect();
    twice.dedup();
    twice
}

/// The serials of a `lock_serials` cell: `;`-separated, empty ones skipped.
fn serials(list: &str) -> impl Iterator<Item = &str> {
    list.split(';').filter(|s| !s.is_empty())
}

/// The lock serials of each bid (a bid may carry several): (bid index, value id), in bid order.
/// A categorical column's lists (a firm's locks, the same on each of its bids) are split and
/// interned once each, at their first placed row.
fn lock_serials(values: &mut KindValues, df: &polars::prelude::DataFrame, index: &[u32]) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    if let Some((codes, text)) = frame::codes(df, "lock_serials") {
        // each list's values: `at[code]` = (start, count) in `ids`; (u32::MAX, _) not yet split
        let (mut at, mut ids): (Vec<(u32, u32)>, Vec<u32>) = (Vec::new(), Vec::new());
        for (code, &k) in codes.zip(index) {
            let Some(code) = code.filter(|_| k != NONE) else { continue };
            let slot = code as usize;
            if at.len() <= slot {
                at.resize(slot + 1, (u32::MAX, 0));
            }
            if at[slot].0 == u32::MAX {
                let start = ids.len() as u32;
                ids.extend(text(code).into_iter().flat_map(serials).map(|v| values.intern(v)));
                at[slot] = (start, ids.len() as u32 - start);
            }
            let (start, n) = at[slot];
            out.extend(ids[start as usize..(start + n) as usize].iter().map(|&v| (k, v)));
        }
        return out;
    }
    for (list, &k) in frame::str_iter(df, "lock_serials").zip(index) {
        let Some(list) = list.filter(|_| k != NONE) else { continue };
        for v in serials(list) {
            out.push((k, values.intern(v)));
        }
    }
    out
}

/// The items of each bidder that do not depend on the project: contacts, accounts, owners. The
/// payer side of bonds (returned first: a value id per `bids` row) is interned first, as the owner side shares
/// its values.
fn static_items(values: &mut Values, ds: &Dataset, bids: Option<(DataFrame, &[u32])>, cfg: &LinkConfig) -> (Vec<u32>, Vec<Vec<Item>>) {
    let mut items: Vec<Vec<Item>> = vec![Vec::new(); ds.orgs.len()];
    let payers = match bids {
        // Every payer: one bond paid from another bidder's own account is a link. The bond
        // accounts' frame is let go of here.
        Some((df, index)) => {
            bid_column(&mut values.kinds[LinkKind::BondFromOther.index()], &df, index, "bond_account", Keep::All, cfg, &[], false)
        }
        None => Vec::new(),
    };
    if let Some(df) = ds.frame(TableName::Bidders) {
        let keys = frame::keys(df, "bidder_id");
        let rows = frame::rows32(df);
        let rep = frame::str_refs(df, "legal_rep_id");
        let phone = frame::str_refs(df, "phone");
        let email = frame::str_refs(df, "email");
        let address = frame::str_refs(df, "address");
        let account = frame::str_refs(df, "basic_account");
        let ids = frame::str_refs(df, "bidder_id");
        for i in 0..df.height() {
            let Some(b) = keys[i] else { continue };
            let row = rows[i];
            let mut add = |values: &mut Values, kind: LinkKind, v: &str, role: Role| {
                let value = values.intern(kind, v);
                items[b as usize].push(Item { kind, value, bidder: b, role, src: Src::Bidders, row });
            };
            if let Some(v) = &rep[i] {
                add(values, LinkKind::LegalRep, v, Role::Plain);
            }
            if let Some(v) = &phone[i] {
                add(values, LinkKind::Phone, v, Role::Plain);
            }
            if let Some(v) = &email[i] {
                add(values, LinkKind::Email, &v.to_lowercase(), Role::Plain);
            }
            if let Some(v) = address[i].map(norm_address).filter(|a| a.chars().count() >= 6) {
                add(values, LinkKind::Address, &v, Role::Plain);
            }
            if let Some(v) = &account[i] {
                add(values, LinkKind::BondFromOther, v, Role::Owner);
            }
            // A bidder stands as its own controller, so that a firm it controls matches it.
            if let Some(id) = &ids[i] {
                add(values, LinkKind::Controller, &format!("org:{id}"), Role::Owner);
            }
        }
    }
    if let Some(df) = ds.frame(TableName::Shareholders) {
        let keys = frame::keys(df, "bidder_id");
        let rows = frame::rows32(df);
        let holder = frame::str_refs(df, "holder_id");
        let kind = frame::str_refs(df, "holder_kind");
        let pct = frame::f64s(df, "share_pct");
        let ctrl = frame::bools(df, "is_controller");
        for i in 0..df.height() {
            let (Some(b), Some(h)) = (keys[i], &holder[i]) else {
                continue;
            };
            let person = match kind[i] {
                Some("person") => true,
                Some(_) => false,
                // Ingest placed an untyped holder in a key space by its shape.
                None => ds.orgs.get(h).is_none(),
            };
            let controls = ctrl[i] == Some(true) || pct[i].is_some_and(|p| p > cfg.control_pct);
            let tag = if person { "person" } else { "org" };
            let row = rows[i];
            let items = &mut items[b as usize];
            if controls {
                let value = values.intern(LinkKind::Controller, &format!("{tag}:{h}"));
                items.push(Item { kind: LinkKind::Controller, value, bidder: b, role: Role::Payer, src: Src::Shareholders, row });
            }
            if person {
                let value = values.intern(LinkKind::SharedHolder, h);
                items.push(Item { kind: LinkKind::SharedHolder, value, bidder: b, role: Role::Plain, src: Src::Shareholders, row });
            }
        }
    }
    (payers, items)
}

/// Personnel by (project, bidder) and social insurance by person: both share the person values, so
/// a person id is one number.
type People = (Staff, Insurance);

/// The staff of each bid and the insurance months of each person, a person's value their key in
/// ingest's person space (34 M rows name 3.5 M people at 10M bids: numbering them again as text
/// took half of this task). A row whose person has no key (none named) is passed over, as every
/// reader of the key columns does.
fn people(ds: &Dataset) -> People {
    let mut personnel = Staff::default();
    let mut employment = Insurance::default();
    // The columns are read cell by cell (not as a vector each: 0.5 GB at 10M bids, at the run's peak).
    if let Some(df) = ds.frame(TableName::BidPersonnel) {
        // Each row's group and person ((NONE, _): a row placed nowhere), then the rows read again
        // and placed in their groups (8 bytes a row meanwhile, not a 20-byte item). A group is a
        // run of consecutive rows of one (project, bidder), as a bid's staff come; numbered as
        // first seen.
        let mut placed: Vec<(u32, u32)> = Vec::with_capacity(df.height());
        let mut sizes: Vec<u32> = Vec::new();
        let mut firsts: Vec<(u32, (u32, u32))> = Vec::new();
        let mut last: Option<(u32, u32)> = None;
        let cells = frame::key_iter(df, "project_id").zip(frame::key_iter(df, "bidder_id")).zip(frame::key_iter(df, "person_id"));
        for ((p, b), value) in cells {
            let (Some(p), Some(b), Some(value)) = (p, b, value) else {
                placed.push((NONE, 0));
                continue;
            };
            if last != Some((p, b)) {
                firsts.push((p, (b, sizes.len() as u32)));
                sizes.push(0);
                last = Some((p, b));
            }
            let g = sizes.len() - 1;
            sizes[g] += 1;
            placed.push((g as u32, value));
        }
        let groups = Grouped::by_key(ds.projects.len(), firsts.into_iter());
        // A (project, bidder) whose rows come in more than one run: its later runs join its first
        // (left empty, and never found: a lookup takes a project's first entry for the bidder).
        if let Some(first) = first_runs(&groups, &mut sizes) {
            for (g, _) in placed.iter_mut().filter(|(g, _)| *g != NONE) {
                *g = first[*g as usize];
            }
        }
        let blank = Item { kind: LinkKind::Personnel, value: 0, bidder: 0, role: Role::Plain, src: Src::BidPersonnel, row: 0 };
        let items = placed.into_iter().zip(frame::key_iter(df, "bidder_id")).zip(frame::key_iter(df, "_row")).filter_map(
            |(((g, value), b), row)| {
                let item =
                    Item { kind: LinkKind::Personnel, value, bidder: b?, role: Role::Plain, src: Src::BidPersonnel, row: row.unwrap_or(0) };
                (g != NONE).then_some((g, item))
            },
        );
        personnel.items = Grouped::build(&sizes, items, blank);
        personnel.groups = groups;
    }
    if let Some(df) = ds.frame(TableName::Employment) {
        // The person of each row (NONE: a row without an employer, a month or a person pays
        // nothing usable), counted per person; then the rows read again and their months placed
        // person after person, in row order (4 bytes a row meanwhile, not a 16-byte month).
        let mut whose: Vec<u32> = Vec::with_capacity(df.height());
        // a count for every person of the key space, which numbers them
        let mut count: Vec<u32> = vec![0; ds.persons.len()];
        let cells = frame::key_iter(df, "person_id").zip(frame::key_iter(df, "employer_id")).zip(frame::i64_iter(df, "month"));
        for ((value, employer), month) in cells {
            let (Some(value), Some(_), Some(month)) = (value, employer, month) else {
                whose.push(NONE);
                continue;
            };
            if i32::try_from(month).is_err() {
                whose.push(NONE);
                continue;
            }
            count[value as usize] += 1;
            whose.push(value);
        }
        // A row whose person is not NONE has an employer and a month that fits, as counted above.
        let months =
            whose.into_iter().zip(frame::key_iter(df, "employer_id")).zip(frame::i64_iter(df, "month")).zip(frame::key_iter(df, "_row"));
        let placed = months.filter(|(((value, _), _), _)| *value != NONE).filter_map(|(((value, employer), month), row)| {
            Some((value, Paid { employer: employer?, month: i32::try_from(month?).ok()?, row: row.unwrap_or(0) }))
        });
        employment = Grouped::build(&count, placed, Paid { employer: 0, month: 0, row: 0 });
        // a person's months in time order: a bid reads only those of its window (COL-009)
        employment.sort_each_by_key(|m| m.month);
    }
    (personnel, employment)
}

/// For runs of one (project, bidder) after its first (`groups`: each project's (bidder, run) in
/// order of first sight), the run each joins — every run's first run of its (project, bidder) —
/// with their sizes added to it; `None` when every (project, bidder) came in one run. A project's
/// runs are sorted by bidder, O(k log k).
fn first_runs(groups: &Grouped<(u32, u32)>, sizes: &mut [u32]) -> Option<Vec<u32>> {
    let mut first: Option<Vec<u32>> = None;
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for runs_of_project in groups.iter().filter(|r| r.len() > 1) {
        runs.clear();
        runs.extend_from_slice(runs_of_project);
        // by bidder, then by run: a bidder's first run leads its own
        runs.sort_unstable();
        for w in 0..runs.len() - 1 {
            let (lead, next) = (runs[w], runs[w + 1]);
            if lead.0 != next.0 {
                continue;
            }
            let map = first.get_or_insert_with(|| (0..sizes.len() as u32).collect());
            let to = map[lead.1 as usize];
            map[next.1 as usize] = to;
            sizes[to as usize] += std::mem::take(&mut sizes[next.1 as usize]);
        }
    }
    first
}

/// `work()`, its time in the debug log: the tasks of [`collect`] run side by side, and the longest
/// is the stage's.
fn lap<T>(what: &str, work: impl FnOnce() -> T) -> T {
    let t = std::time::Instant::now();
    let out = work();
    tracing::debug!(ms = t.elapsed().as_millis() as u64, "link: collected {what}");
    out
}

/// The kinds the bidders' own rows and shareholders intern (with the payer side of bonds).
const STATIC_KINDS: [LinkKind; 7] = [
    LinkKind::BondFromOther,
    LinkKind::LegalRep,
    LinkKind::Phone,
    LinkKind::Email,
    LinkKind::Address,
    LinkKind::Controller,
    LinkKind::SharedHolder,
];

/// The bids that can be placed (a project and a bidder), the bid index of each frame row
/// ([`NONE`]: a bid that cannot be placed), and each frame row's source row.
fn placed_bids(bids_df: Option<&polars::prelude::DataFrame>) -> (Vec<BidRec>, Vec<u32>, Vec<u32>) {
    let Some(df) = bids_df else { return (Vec::new(), Vec::new(), Vec::new()) };
    let mut bids = Vec::with_capacity(df.height());
    let rows = frame::rows32(df);
    let winner = frame::bools(df, "is_winner");
    let has_winner_col = df.column("is_winner").is_ok();
    let mut index = vec![NONE; df.height()];
    let mut consortia: FastMap<&str, u32> = FastMap::default();
    // cell by cell, not a vector per column
    let cells = frame::key_iter(df, "project_id")
        .zip(frame::key_iter(df, "bidder_id"))
        .zip(frame::i64_iter(df, "rank"))
        .zip(frame::str_iter(df, "status"))
        .zip(frame::str_iter(df, "consortium_id"));
    for (i, ((((project, bidder), rank), status), consortium)) in cells.enumerate() {
        let (Some(p), Some(b)) = (project, bidder) else { continue };
        index[i] = bids.len() as u32;
        let is_winner = if has_winner_col { winner[i] == Some(true) } else { rank == Some(1) };
        bids.push(BidRec {
            project: p,
            bidder: b,
            consortium: consortium.map(|c| {
                let next = consortia.len() as u32;
                *consortia.entry(c).or_insert(next)
            }),
            withdrawn: status == Some("withdrawn"),
            winner: is_winner,
            at: i as u32,
        });
    }
    (bids, index, rows)
}

/// The identifier columns of `bids` the collection reads, each in a frame of its own (one per
/// [`BID_COLUMNS`] entry, in its order, and the lock serials last), for the task that reads it to
/// let go of: taken from `taken` (the data set no longer holds those), else shared with the data
/// set's `bids`; a column neither has is a frame of no column, as high as the table. `None`
/// without a `bids` table.
fn id_frames(bids_df: Option<&DataFrame>, taken: Option<DataFrame>) -> Option<Vec<DataFrame>> {
    let df = bids_df?;
    let height = df.height();
    let frames: Vec<DataFrame> = BID_COLUMNS
        .iter()
        .map(|c| c.0)
        .chain(["lock_serials"])
        .map(|name| {
            let column = taken.as_ref().and_then(|t| t.column(name).ok()).or_else(|| df.column(name).ok()).cloned();
            DataFrame::new(height, column.into_iter().collect()).unwrap_or_else(|_| DataFrame::empty_with_height(height))
        })
        .collect();
    // Only the frames hold the taken columns now (a column read by two tasks, the bond
    // accounts, by both).
    drop(taken);
    Some(frames)
}

/// Reads every value that can link two bidders. The kinds are independent, so they are interned
/// side by side (rayon): each column of `bids`, the bidders' own rows, and the people; the items
/// are then put together in one fixed order, so the result does not depend on the threads. The
/// identifier columns `taken` out of the data set are let go of as they are read.
pub(crate) fn collect(ds: &Dataset, taken: Option<DataFrame>, cfg: &LinkConfig) -> Collected {
    let mut c = Collected {
        project_day: vec![None; ds.projects.len()],
        project_category: vec![None; ds.projects.len()],
        project_region: vec![NONE; ds.projects.len()],
        ..Collected::default()
    };
    let generic: Vec<String> = cfg.generic_authors.iter().map(|g| norm_author(g)).collect();

    if let Some(df) = ds.frame(TableName::Projects) {
        let keys = frame::keys(df, "project_id");
        let cat = frame::str_refs(df, "category");
        let opened = frame::i64s(df, "opened_at");
        let deadline = frame::i64s(df, "bid_deadline_at");
        let published = frame::i64s(df, "published_at");
        let region = frame::str_refs(df, "region");
        let mut regions: FastMap<&str, u32> = FastMap::default();
        for i in 0..df.height() {
            let Some(k) = keys[i].map(|k| k as usize) else {
                continue;
            };
            if let Some(r) = region[i].map(str::trim).filter(|r| !r.is_empty()) {
                let next = regions.len() as u32;
                c.project_region[k] = *regions.entry(r).or_insert(next);
            }
            c.project_category[k] = cat[i].map(str::to_owned);
            c.project_day[k] = opened[i].or(deadline[i]).or(published[i]).map(|ms| ms.div_euclid(86_400_000));
        }
    }

    let bids_df = ds.frame(TableName::Bids);
    // Each task owns the values of its kinds, and the frame of the column it reads, which it lets
    // go of when done.
    let (column_frames, payer_frame, lock_frame) = match id_frames(bids_df, taken) {
        Some(mut frames) => {
            let locks = frames.pop();
            let payers = frames.pop();
            (frames.into_iter().map(Some).collect(), payers, locks)
        }
        None => (BID_COLUMNS[..PAYERS].iter().map(|_| None).collect::<Vec<Option<DataFrame>>>(), None, None),
    };
    let mut per_column: Vec<KindValues> = BID_COLUMNS[..PAYERS].iter().map(|_| KindValues::default()).collect();
    let mut serials = KindValues::default();
    let mut statics = c.values.take(&STATIC_KINDS);
    let generic_ref = &generic;
    // The people (the longest task, and one that needs no bid placed) start at once on this
    // thread; the bids are placed and the other tasks run on the others.
    let ((personnel, employment), ((bids, index, rows), (columns, locks), (payers, static_items))) = rayon::join(
        || lap("people", || people(ds)),
        || {
            let (bids, index, rows) = placed_bids(bids_df);
            let index_ref = &index;
            // The bids' columns are read first, the largest first, each let go of when read: the
            // people's and the bidders' items grow meanwhile on top of what is left of them. The
            // bidders' own rows go to the other thread once the people are read.
            let (columns, statics) = rayon::join(
                || {
                    let Some(locks) = lock_frame else { return (Vec::new(), Vec::new()) };
                    rayon::join(
                        || {
                            use rayon::prelude::*;
                            let mut jobs: Vec<_> = per_column
                                .iter_mut()
                                .zip(column_frames)
                                .zip(&BID_COLUMNS[..PAYERS])
                                .enumerate()
                                .filter_map(|(i, ((vals, df), spec))| Some((i, vals, df?, spec)))
                                .collect();
                            jobs.sort_by_key(|(i, _, df, _)| (std::cmp::Reverse(df.estimated_size()), *i));
                            let mut done: Vec<(usize, Vec<u32>)> = jobs
                                .into_par_iter()
                                .with_max_len(1)
                                .map(|(i, vals, df, (name, _, _, keep))| {
                                    let ids = lap(name, || bid_column(vals, &df, index_ref, name, *keep, cfg, generic_ref, true));
                                    drop(df);
                                    bidwatch_model::mem::trim_thread();
                                    (i, ids)
                                })
                                .collect();
                            done.sort_unstable_by_key(|(i, _)| *i);
                            let mut columns: Vec<Vec<u32>> = vec![Vec::new(); PAYERS];
                            for (i, ids) in done {
                                columns[i] = ids;
                            }
                            columns
                        },
                        || lap("lock_serials", || lock_serials(&mut serials, &locks, index_ref)),
                    )
                },
                || {
                    lap("bidders and shareholders", || {
                        static_items(&mut statics, ds, payer_frame.map(|df| (df, index_ref.as_slice())), cfg)
                    })
                },
            );
            ((bids, index, rows), columns, statics)
        },
    );
    drop(index);
    c.bids = bids;
    for (vals, (_, kind, _, _)) in per_column.into_iter().zip(&BID_COLUMNS) {
        c.values.kinds[kind.index()] = vals;
    }
    c.values.kinds[LinkKind::LockSerial.index()] = serials;
    c.values.persons = Some(ds.persons.texts());
    c.values.put(statics, &STATIC_KINDS);
    c.static_items = static_items;
    c.personnel = personnel;
    c.employment = employment;

    let mut columns = columns;
    columns.push(payers);
    c.bid_values = BidValues { columns, locks, rows };
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_authors_are_recognised_with_typos_but_names_are_not() {
        let generic: Vec<String> = ["Administrator", "微软用户", "user"].iter().map(|g| norm_author(g)).collect();
        for a in ["Administrator", "ADMINISTRATOR", "Adminstrator", " administrator ", "微软用户", "USER", "1", "123"] {
            assert!(generic_author(&norm_author(a), &generic), "{a}");
        }
        for a in ["张伟", "wang.lei", "Zhang Wei"] {
            assert!(!generic_author(&norm_author(a), &generic), "{a}");
        }
    }

    #[test]
    fn only_public_addresses_identify_an_office() {
        for ip in ["10.1.2.3", "192.168.1.10", "172.16.0.9", "127.0.0.1", "0.0.0.0", "100.64.1.1", "::1", "fe80::1", "fd00::1"] {
            assert!(!public_ip(ip), "{ip}");
        }
        for ip in ["112.17.40.1", "8.8.8.8", "2408:8000::1"] {
            assert!(public_ip(ip), "{ip}");
        }
    }

    proptest::proptest! {
        #[test]
        fn normalisers_never_panic_and_are_idempotent(s in "\\PC{0,40}") {
            let a = norm_author(&s);
            proptest::prop_assert_eq!(norm_author(&a), a.clone());
            let d = norm_address(&s);
            proptest::prop_assert_eq!(norm_address(&d), d);
            let _ = generic_author(&a, &[norm_author("Administrator")]);
            let _ = public_ip(&s);
            let _ = real_mac(&s);
        }
    }

    #[test]
    fn file_hashes_compare_without_case_and_an_empty_file_names_nothing() {
        assert_eq!(norm_hash("9f2c7d10e85b4a6c").as_deref(), Some("9F2C7D10E85B4A6C"));
        assert_eq!(norm_hash("9F2C7D10E85B4A6C").as_deref(), Some("9F2C7D10E85B4A6C"));
        assert_eq!(norm_hash("d41d8cd98f00b204e9800998ecf8427e"), None);
        assert_eq!(norm_hash("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"), None);
    }

    #[test]
    fn only_values_shown_in_two_placed_rows_are_kept() {
        use polars::prelude::{Column, DataFrame};
        let cells = [Some("A"), Some("B"), Some("A"), Some("C"), Some("C"), Some("9f2c"), Some("9F2C"), None];
        let df = DataFrame::new(cells.len(), vec![Column::new("v".into(), cells.to_vec())]).expect("a frame of one column");
        // Row 3 cannot be placed: C is shown once among the placed rows.
        let index = [0, 1, 2, NONE, 3, 4, 5, 6];
        let twice = repeated(&df, &index, "v", Keep::All);
        assert_eq!(twice.len(), 1);
        assert!(twice.binary_search(&fingerprint("A")).is_ok());
        // Hashes are compared as normalised: 9f2c and 9F2C are one value shown twice.
        let twice = repeated(&df, &index, "v", Keep::Hash);
        assert!(twice.binary_search(&fingerprint("9F2C")).is_ok());
        let mut values = KindValues::default();
        let ids = bid_column(&mut values, &df, &index, "v", Keep::Hash, &LinkConfig::default(), &[], true);
        assert_eq!(ids, [0, NONE, 0, NONE, NONE, 1, 1, NONE]);
        let ids = bid_column(&mut values, &df, &index, "v", Keep::All, &LinkConfig::default(), &[], false);
        assert_eq!(values.get(ids[0]), "A");
        assert_eq!(ids[3], NONE);
    }

    #[test]
    fn a_categorical_column_numbers_its_values_as_its_text_would() {
        use polars::prelude::{Categories, Column, DataFrame, DataType};
        let cells = [
            Some("8.8.8.8"),
            Some("10.0.0.1"),
            Some("Administrator"),
            Some("8.8.8.8"),
            None,
            Some("00:00:00:00:00:00"),
            Some("张伟"),
            Some("Zhang Wei"),
            Some("zhang wei"),
            Some("112.17.40.1"),
            Some("张伟"),
            Some("112.17.40.1"),
        ];
        let plain = DataFrame::new(cells.len(), vec![Column::new("v".into(), cells.to_vec())]).expect("a frame of one column");
        let coded = plain.column("v").and_then(|c| c.cast(&DataType::from_categories(Categories::global()))).expect("categorical");
        let coded = DataFrame::new(cells.len(), vec![coded]).expect("a frame of one column");
        assert!(frame::codes(&coded, "v").is_some() && frame::codes(&plain, "v").is_none());
        // Row 9 cannot be placed: 112.17.40.1 is then shown once among the placed rows.
        let index: Vec<u32> = (0..cells.len() as u32).map(|i| if i == 9 { NONE } else { i }).collect();
        let generic = [norm_author("Administrator")];
        for keep in [Keep::All, Keep::RealMac, Keep::PublicIp, Keep::Author] {
            for only_repeated in [false, true] {
                let (mut a, mut b) = (KindValues::default(), KindValues::default());
                let cfg = LinkConfig::default();
                let want = bid_column(&mut a, &plain, &index, "v", keep, &cfg, &generic, only_repeated);
                let got = bid_column(&mut b, &coded, &index, "v", keep, &cfg, &generic, only_repeated);
                assert_eq!(got, want, "{keep:?} {only_repeated}");
                let texts = |v: &KindValues| (0..v.len() as u32).map(|i| v.get(i).to_owned()).collect::<Vec<_>>();
                assert_eq!(texts(&b), texts(&a), "{keep:?} {only_repeated}");
            }
        }
    }

    #[test]
    fn lock_serials_read_as_lists_or_by_code_give_the_same_values() {
        use polars::prelude::{Categories, Column, DataFrame, DataType};
        let cells = [Some("L9;L2"), Some("L2"), Some(""), None, Some("L7;L9"), Some("L9;L2"), Some("L3;;L9"), Some("L7;L9"), Some("L5")];
        let plain = DataFrame::new(cells.len(), vec![Column::new("lock_serials".into(), cells.to_vec())]).expect("a frame of one column");
        let coded =
            plain.column("lock_serials").and_then(|c| c.cast(&DataType::from_categories(Categories::global()))).expect("categorical");
        let coded = DataFrame::new(cells.len(), vec![coded]).expect("a frame of one column");
        assert!(frame::codes(&coded, "lock_serials").is_some());
        // Rows 1 and 8 cannot be placed: L2 is first seen in row 0, L5 never.
        let index = [0, NONE, 1, 2, 3, 4, 5, 6, NONE];
        let (mut a, mut b) = (KindValues::default(), KindValues::default());
        let want = lock_serials(&mut a, &plain, &index);
        let got = lock_serials(&mut b, &coded, &index);
        assert_eq!(want, [(0, 0), (0, 1), (3, 2), (3, 0), (4, 0), (4, 1), (5, 3), (5, 0), (6, 2), (6, 0)]);
        assert_eq!(got, want);
        let texts = |v: &KindValues| v.iter().map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(texts(&a), ["L9", "L2", "L7", "L3"]);
        assert_eq!(texts(&b), texts(&a));
    }

    proptest::proptest! {
        /// Items sorted by their order key are sorted as by their fields, and read back whole
        /// from it.
        #[test]
        fn the_order_key_orders_items_as_their_fields(
            items in proptest::collection::vec((0..LinkKind::ALL.len(), proptest::prelude::any::<u32>(), proptest::prelude::any::<u32>(), 0..3usize, 0..5usize, proptest::prelude::any::<u32>()), 0..40),
            small in proptest::collection::vec((0..3usize, 0..3u32, 0..3u32, 0..3usize, 0..5usize, 0..3u32), 0..40),
        ) {
            let make = |&(k, value, bidder, r, s, row): &(usize, u32, u32, usize, usize, u32)| Item { kind: LinkKind::ALL[k], value, bidder, role: Role::ALL[r], src: Src::ALL[s], row };
            // wide values, and narrow ones that tie field after field
            let mut items: Vec<Item> = items.iter().map(make).collect();
            items.extend(small.iter().map(make));
            // each item is read back from its key
            for it in &items {
                proptest::prop_assert_eq!(Item::from_key(it.order_key()), *it);
            }
            let mut keys: Vec<u128> = items.iter().map(Item::order_key).collect();
            keys.sort_unstable();
            let by_key: Vec<Item> = keys.into_iter().map(Item::from_key).collect();
            items.sort_unstable();
            proptest::prop_assert_eq!(by_key, items);
        }
    }

    #[test]
    fn keeping_the_named_values_renumbers_them_in_order() {
        let mut v = Values::default();
        for s in ["m0", "m1", "m2", "m3"] {
            v.intern(LinkKind::MachineCode, s);
        }
        for s in ["p0", "p1", "p2"] {
            v.intern(LinkKind::Personnel, s);
        }
        let (mut a, mut b, mut c, mut d, mut e) = (3, 1, 3, 2, 0);
        v.keep_only([
            (LinkKind::MachineCode, &mut a),
            (LinkKind::MachineCode, &mut b),
            (LinkKind::MachineCode, &mut c),
            (LinkKind::Employment, &mut d),
            (LinkKind::Personnel, &mut e),
        ]);
        assert_eq!((a, b, c, d, e), (1, 0, 1, 1, 0));
        assert_eq!((v.get(LinkKind::MachineCode, a), v.get(LinkKind::MachineCode, b)), ("m3", "m1"));
        assert_eq!((v.get(LinkKind::Employment, d), v.get(LinkKind::Personnel, e)), ("p2", "p0"));
        assert_eq!(v.len(), 4);
    }

    /// A data set of two projects (P1, P2) with `bids` and the other `tables` (file, text), loaded
    /// from a folder of its own (`name`) that is removed once read.
    fn two_projects(name: &str, bids: &str, tables: &[(&str, &str)]) -> Dataset {
        let dir = std::env::temp_dir().join(format!("bidwatch-graph-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        let projects = ("projects.csv", "project_id,name,category\nP1,一标段,engineering\nP2,二标段,engineering\n");
        for (file, text) in [projects, ("bids.csv", bids)].iter().chain(tables) {
            std::fs::write(dir.join(file), text).expect("a fixture file");
        }
        let ds = bidwatch_ingest::load(&dir).expect("the fixture loads");
        let _ = std::fs::remove_dir_all(&dir);
        ds
    }

    /// A bid's staff rows need not be consecutive: a (project, bidder) whose rows come in several
    /// runs has them all, in row order, and the values are numbered in first-seen order.
    #[test]
    fn a_bid_s_staff_are_found_whatever_the_order_of_its_rows() {
        let ds = two_projects(
            "staff",
            "project_id,bidder_id,price,status,rank,is_winner\nP1,B1,950000,valid,1,true\nP1,B2,962500,valid,2,false\n\
             P2,B1,700000,valid,1,true\nP2,B2,710000,valid,2,false\n",
            &[(
                "bid_personnel.csv",
                "project_id,bidder_id,person_id,role\n\
                 P1,B1,330281198505051234,项目经理\n\
                 P1,B2,330281198606061111,项目经理\n\
                 P1,B1,330281198707072222,技术负责人\n\
                 P2,B2,330281198505051234,项目经理\n\
                 P1,B2,330281198808083333,技术负责人\n\
                 P1,B1,330281198909094444,other\n",
            )],
        );
        let c = collect(&ds, None, &LinkConfig::default());
        let key = |p: &str, b: &str| (ds.projects.get(p).expect("a project"), ds.orgs.get(b).expect("a bidder"));
        let staff = |p: &str, b: &str| -> Vec<(String, u32)> {
            c.personnel
                .get(&key(p, b))
                .unwrap_or_default()
                .iter()
                .map(|i| (c.values.get(LinkKind::Personnel, i.value).to_owned(), i.row))
                .collect()
        };
        let person = |id: &str, row: u32| (id.to_owned(), row);
        assert_eq!(staff("P1", "B1"), [person("330281198505051234", 2), person("330281198707072222", 4), person("330281198909094444", 7)]);
        assert_eq!(staff("P1", "B2"), [person("330281198606061111", 3), person("330281198808083333", 6)]);
        assert_eq!(staff("P2", "B2"), [person("330281198505051234", 5)]);
        assert_eq!(staff("P2", "B1"), []);
        // one person, one number; numbered as first seen (rows are the file's lines, the header 1)
        let values: Vec<&str> = (0..c.values.count(LinkKind::Personnel) as u32).map(|v| c.values.get(LinkKind::Personnel, v)).collect();
        assert_eq!(values, ["330281198505051234", "330281198606061111", "330281198707072222", "330281198808083333", "330281198909094444"]);
        assert_eq!(c.personnel.values().map(<[Item]>::len).sum::<usize>(), 6);
    }

    /// The people are numbered by ingest's keys and read back as their ids: each bid's staff and
    /// each person's months, whichever table names a person first. A person column without keys
    /// names no one.
    #[test]
    fn people_are_numbered_by_key_and_read_back_as_their_ids() {
        let mut ds = two_projects(
            "people",
            "project_id,bidder_id,price,status\nP1,B1,950000,valid\nP1,B2,962500,valid\nP2,B1,700000,valid\n",
            &[
                // the insurance names a person first (E-only), and a person the staff name later
                (
                    "employment.csv",
                    "person_id,employer_id,month\n330281197001010000,B2,2025-01\n330281198606061111,B1,2025-02\n\
                     330281198606061111,B2,2025-01\n330281198505051234,B2,2025-03\n",
                ),
                (
                    "bid_personnel.csv",
                    "project_id,bidder_id,person_id,role\nP1,B1,330281198505051234,项目经理\nP1,B2,330281198606061111,项目经理\n\
                     P2,B1,330281198606061111,项目经理\nP1,B1,330281198707072222,技术负责人\n",
                ),
            ],
        );
        // Every bid's staff and every person's months, with the people as their ids.
        let read = |ds: &Dataset| {
            let c = collect(ds, None, &LinkConfig::default());
            let person = |v: u32| c.values.get(LinkKind::Personnel, v).to_owned();
            let mut staff: Vec<(u32, u32, String)> = c.personnel.values().flatten().map(|i| (i.row, i.bidder, person(i.value))).collect();
            staff.sort();
            let mut months: Vec<(String, u32, i32, u32)> = Vec::new();
            for (v, paid) in c.employment.iter().enumerate() {
                months.extend(paid.iter().map(|m| (person(v as u32), m.employer, m.month, m.row)));
            }
            months.sort();
            (staff, months)
        };
        let (staff, months) = read(&ds);
        let org = |id: &str| ds.orgs.get(id).expect("an org");
        let (b1, b2) = (org("B1"), org("B2"));
        let who = |p: &str| format!("33028119{p}");
        assert_eq!(staff, [(2, b1, who("8505051234")), (3, b2, who("8606061111")), (4, b1, who("8606061111")), (5, b1, who("8707072222"))]);
        // days since 1970-01-01 of each month's first day
        let (jan, feb, mar) = (20_089, 20_120, 20_148);
        assert_eq!(
            months,
            [
                (who("7001010000"), b2, jan, 2),
                (who("8505051234"), b2, mar, 5),
                (who("8606061111"), b1, feb, 3),
                (who("8606061111"), b2, jan, 4)
            ]
        );
        // The same tables with their people as text only: no row names anyone.
        for t in [TableName::BidPersonnel, TableName::Employment] {
            let table = ds.tables.get_mut(&t).expect("the table");
            let text = table.df.column("person_id").and_then(|c| c.cast(&polars::prelude::DataType::String)).expect("text");
            table.df.with_column(text).expect("the column replaced");
        }
        assert_eq!(read(&ds), (Vec::new(), Vec::new()));
    }

    #[test]
    fn addresses_compare_without_spaces_and_punctuation() {
        assert_eq!(norm_address("杭州市 人民路１２号, 501室"), norm_address("杭州市人民路12号501室"));
    }
}
