//! A set of distinct strings numbered in the order first seen: the dictionary behind ingest's
//! interned ids and text columns and behind the linking's values.
//!
//! Millions of short ids (bidders, people, machine codes) cost two allocations each as `String`
//! keys of a map plus a `Vec<String>` to read them back (≈ 100 bytes an id). Here their text lies
//! end to end in one buffer, each id is its end offset, and the hash table holds a slot of 32 bytes
//! per string: its number, its length and its first [`INLINE`] bytes ([`CompactTextSet`]: 8 bytes,
//! its first 2).
//!
//! Lookups dominate ingest: each cell of a column of ids, devices or accounts is looked up among
//! the column's hundreds of thousands of values, a random place in memory each time. A table of
//! bare numbers took four such places per lookup (the table's control bytes, the number, the
//! number's end offsets, then the text to compare), each about a quarter of the lookup's time in a
//! profile at 10M bids. With the text's head in the slot, a string of up to 26 bytes (an
//! 统一社会信用代码 or a 身份证号 is 18, a MAC address 17, an IPv4 address at most 15, a bank
//! account up to 25 digits) is compared in the slot itself. The slots are the table (open
//! addressing, the next slot tried on a collision, at most 7 in 10 of them full): a lookup is one
//! place in memory, where a table of separate control bytes took two, and that place is known
//! from the string's hash alone, so a caller that knows the strings it will look up next asks for
//! their places ahead ([`TextSet::prefetch`]) and the lookups stop waiting on memory one by one.

use std::hash::BuildHasher;

/// The bytes of a string a [`TextSet`] keeps in its slot by default: every id, device code and
/// account of the contract fits whole.
pub const INLINE: usize = 26;

/// A set held for long beside everything else (the linking's values, at its peak of memory):
/// 8-byte slots, a string told apart by 16 bits of its hash and compared from the text.
pub type CompactTextSet = TextSet<2>;

/// A string's entry in the table: its number, its length and its first `W` bytes (32 bytes for
/// the default `W`); a slot too narrow for a useful head (`W` < 8) holds bits of the string's
/// hash there instead (the first two bytes of the linking's values are mostly the same — `91`
/// of every 统一社会信用代码 — and told nothing apart).
#[derive(Debug, Clone, Copy)]
#[repr(C, align(8))]
struct Slot<const W: usize> {
    id: u32,
    /// The length in bytes, `u16::MAX` for that length and more (compared in full from the text).
    len: u16,
    /// The first `W` bytes (zero after the string's end), or `W` bytes of its hash.
    head: [u8; W],
}

impl<const W: usize> Slot<W> {
    /// Whether the head is the string's first bytes (else bits of its hash).
    const TEXT_HEAD: bool = W >= 8;

    /// The head of `value`, hashed `h`: its first `W` bytes, zero after its end, or the top `W`
    /// bytes of `h` (the table's place is taken from its low bits).
    fn head_of(value: &[u8], h: u64) -> [u8; W] {
        let mut head = [0u8; W];
        if Self::TEXT_HEAD {
            let n = value.len().min(W);
            head[..n].copy_from_slice(&value[..n]);
        } else {
            let bits = h.to_be_bytes();
            let n = W.min(bits.len());
            head[..n].copy_from_slice(&bits[..n]);
        }
        head
    }

    fn len_of(value: &[u8]) -> u16 {
        u16::try_from(value.len()).unwrap_or(u16::MAX)
    }

    /// Whether the slot holds `value`, whose [`Slot::head_of`] is `head`: by the slot alone for a
    /// string of up to `W` bytes in a head of text. The heads compare as arrays of one size (a few
    /// wide loads, where a slice of the string's own length was a call to `memcmp` at every
    /// lookup).
    fn holds(&self, value: &[u8], head: &[u8; W], text: &str, ends: &[usize]) -> bool {
        self.len == Self::len_of(value)
            && self.head == *head
            && if Self::TEXT_HEAD {
                value.len() <= W || at(text, ends, self.id).as_bytes().get(W..) == value.get(W..)
            } else {
                at(text, ends, self.id).as_bytes() == value
            }
    }

    /// The hash of the slot's string, from the slot alone when it is whole there (the table
    /// places every slot again as it grows).
    fn hash(&self, text: &str, ends: &[usize]) -> u64 {
        match self.head.get(..usize::from(self.len)).filter(|_| Self::TEXT_HEAD) {
            Some(whole) => hash(whole),
            None => hash(at(text, ends, self.id).as_bytes()),
        }
    }
}

/// A slot that holds no string.
const VACANT: u32 = u32::MAX;

/// The share of a table's slots that may hold strings before it grows (as `(numerator,
/// denominator)`): at 7 in 10 full a search for a string not in the set reads about six slots, most
/// of them in the cache line of the first; at half full the tables of the bids' columns were
/// 0.2 GB larger at 10M bids.
const MAX_FULL: (usize, usize) = (7, 10);

impl<const W: usize> Slot<W> {
    const EMPTY: Slot<W> = Slot { id: VACANT, len: 0, head: [0; W] };
}

/// Distinct strings and their dense `u32` numbers (0, 1, 2, … in first-seen order), each
/// string's first `W` bytes in its slot.
#[derive(Debug, Default, Clone)]
pub struct TextSet<const W: usize = INLINE> {
    text: String,
    /// Where string `i` ends in `text` (it starts where `i - 1` ends).
    ends: Vec<usize>,
    /// The table: a power of two of slots (or none yet), at most [`MAX_FULL`] of them holding a
    /// string; a string's slot is the first it finds holding it or vacant, from its hash's place on.
    slots: Vec<Slot<W>>,
}

fn hash(value: &[u8]) -> u64 {
    foldhash::fast::FixedState::with_seed(0x0074_6578_7473_6574).hash_one(value)
}

/// String `id` of `text`, whose strings end at `ends`.
fn at<'t>(text: &'t str, ends: &[usize], id: u32) -> &'t str {
    let i = id as usize;
    let Some(&end) = ends.get(i) else { return "" };
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &text[start..end]
}

impl TextSet {
    pub fn new() -> TextSet {
        TextSet::default()
    }
}

impl<const W: usize> TextSet<W> {
    /// Where `bytes` (hashed `h`, its head `head`) is in the table, or the vacant slot where it
    /// would go. The table has a vacant slot (at most [`MAX_FULL`] are full), so the search ends.
    fn place(&self, bytes: &[u8], h: u64, head: &[u8; W]) -> Result<u32, usize> {
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let s = &self.slots[i];
            if s.id == VACANT {
                return Err(i);
            }
            if s.holds(bytes, head, &self.text, &self.ends) {
                return Ok(s.id);
            }
            i = (i + 1) & mask;
        }
    }

    /// Twice the slots (16 at first), every string placed again by its hash.
    fn grow(&mut self) {
        self.resize((self.slots.len() * 2).max(16));
    }

    /// Makes room for `additional` more strings than it holds, the table sized once: a set
    /// grown by doubling to millions of strings hashes each of them again at every doubling
    /// (and, holding only hashes' heads in its slots, reads each string's text back to do so).
    pub fn reserve(&mut self, additional: usize) {
        // no more strings than numbers to give them
        let want = self.ends.len().saturating_add(additional).min(VACANT as usize);
        let mut size = self.slots.len().max(16);
        while want.saturating_mul(MAX_FULL.1) > size.saturating_mul(MAX_FULL.0) {
            size *= 2;
        }
        if size > self.slots.len() {
            self.resize(size);
        }
        self.ends.reserve(want - self.ends.len());
    }

    /// Places every string in a table of `size` slots (a power of two, more than it holds).
    fn resize(&mut self, size: usize) {
        let mut slots = vec![Slot::<W>::EMPTY; size];
        let mask = size - 1;
        for s in self.slots.iter().filter(|s| s.id != VACANT) {
            let mut i = s.hash(&self.text, &self.ends) as usize & mask;
            while slots[i].id != VACANT {
                i = (i + 1) & mask;
            }
            slots[i] = *s;
        }
        self.slots = slots;
    }

    /// The number of `value`, added if new. Past `u32::MAX - 1` strings every new one is
    /// numbered `u32::MAX` (no data set of the contract comes near).
    pub fn intern(&mut self, value: &str) -> u32 {
        let bytes = value.as_bytes();
        let h = hash(bytes);
        let head = Slot::<W>::head_of(bytes, h);
        if self.slots.is_empty() {
            self.grow();
        }
        let mut vacant = match self.place(bytes, h, &head) {
            Ok(id) => return id,
            Err(i) => i,
        };
        let id = match u32::try_from(self.ends.len()) {
            Ok(id) if id != VACANT => id,
            _ => return u32::MAX,
        };
        if (self.ends.len() + 1) * MAX_FULL.1 > self.slots.len() * MAX_FULL.0 {
            self.grow();
            vacant = self.place(bytes, h, &head).err().unwrap_or(vacant);
        }
        self.text.push_str(value);
        self.ends.push(self.text.len());
        self.slots[vacant] = Slot { id, len: Slot::<W>::len_of(bytes), head };
        id
    }

    /// The number of `value`, if it is in the set.
    pub fn find(&self, value: &str) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let bytes = value.as_bytes();
        let h = hash(bytes);
        self.place(bytes, h, &Slot::<W>::head_of(bytes, h)).ok()
    }

    /// Asks the processor to bring `value`'s place in the table into its cache, for an
    /// [`TextSet::intern`] or [`TextSet::find`] of it a little later: a caller that looks up
    /// each of millions of cells asks a few cells ahead, so that the lookups wait on memory side
    /// by side instead of one after another. Nothing else changes.
    #[allow(unsafe_code)]
    pub fn prefetch(&self, value: &str) {
        if self.slots.is_empty() {
            return;
        }
        let i = hash(value.as_bytes()) as usize & (self.slots.len() - 1);
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch reads nothing and cannot fault; the address is a slot of the table.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(self.slots.as_ptr().wrapping_add(i).cast());
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = i;
    }

    /// The string numbered `id` (`""` for a number never given out).
    pub fn get(&self, id: u32) -> &str {
        at(&self.text, &self.ends, id)
    }

    /// The string numbered `id`, if it was given out.
    pub fn resolve(&self, id: u32) -> Option<&str> {
        ((id as usize) < self.ends.len()).then(|| self.get(id))
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Every string, in number order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len() as u32).map(|id| self.get(id))
    }

    /// The bytes held (text, ends and table), for the memory figures.
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.ends.capacity() * std::mem::size_of::<usize>() + self.slots.capacity() * std::mem::size_of::<Slot<W>>()
    }
}

/// What a memo of [`memoised`] holds for a code not yet met.
const UNSEEN: u32 = u32::MAX - 1;

/// The number `memo` keeps for `code`, made by `make` the first time the code is met: a
/// categorical column's code numbered once, not once a cell. `u32::MAX` (the callers' "nothing")
/// is kept like any number; `u32::MAX - 1`, which marks a code not met, would be made again.
pub fn memoised(memo: &mut Vec<u32>, code: usize, make: impl FnOnce() -> u32) -> u32 {
    if memo.len() <= code {
        memo.resize(code + 1, UNSEEN);
    }
    if memo[code] == UNSEEN {
        memo[code] = make();
    }
    memo[code]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_numbered_once_and_nothing_is_kept_too() {
        let mut memo = Vec::new();
        let mut made = 0;
        let mut number = |code: usize, n: u32| {
            memoised(&mut memo, code, || {
                made += 1;
                n
            })
        };
        assert_eq!((number(3, 7), number(3, 9), number(0, u32::MAX), number(0, 1)), (7, 7, u32::MAX, u32::MAX));
        assert_eq!(made, 2);
    }

    #[test]
    fn a_set_made_room_for_numbers_and_finds_as_one_grown() {
        let words: Vec<String> = (0..5_000).map(|i| format!("330281{:012}", (i * 7_919) % 4_000)).collect();
        let (mut grown, mut reserved) = (CompactTextSet::default(), CompactTextSet::default());
        reserved.intern("first");
        reserved.reserve(words.len());
        let slots = reserved.slots.len();
        let ids: Vec<(u32, u32)> = words.iter().map(|w| (grown.intern(w), reserved.intern(w))).collect();
        // the same strings numbered one later (after "first"), and the table never grown
        assert!(ids.iter().all(|&(g, r)| r == g + 1), "{:?}", &ids[..5]);
        assert_eq!(reserved.slots.len(), slots);
        assert_eq!((reserved.len(), grown.len()), (4_001, 4_000));
        assert!(words.iter().all(|w| reserved.find(w) == grown.find(w).map(|g| g + 1)));
        assert_eq!(reserved.find("first"), Some(0));
    }

    #[test]
    fn numbers_follow_first_sight_and_read_back() {
        let mut s = TextSet::new();
        assert_eq!(s.intern("b"), 0);
        assert_eq!(s.intern(""), 1);
        assert_eq!(s.intern("张伟"), 2);
        assert_eq!(s.intern("b"), 0);
        assert_eq!(s.intern(""), 1);
        assert_eq!((s.get(0), s.get(1), s.get(2), s.get(9)), ("b", "", "张伟", ""));
        assert_eq!((s.find("张伟"), s.find("x")), (Some(2), None));
        assert_eq!((s.resolve(1), s.resolve(3)), (Some(""), None));
        assert_eq!(s.iter().collect::<Vec<_>>(), ["b", "", "张伟"]);
        assert_eq!(s.len(), 3);
    }

    #[test]
    fn strings_past_the_slot_are_told_apart_by_their_tails() {
        told_apart(TextSet::new());
        told_apart(CompactTextSet::default());
    }

    fn told_apart<const W: usize>(mut s: TextSet<W>) {
        let head = "62220212345678901234567890"; // 26 bytes: whole in the slot
        let long = "x".repeat(70_000); // past a u16 length
        let values = [head, "622202123456789012345678901", "622202123456789012345678900", "6222021234567890123456789", &long, &long[1..]];
        let ids: Vec<u32> = values.iter().map(|v| s.intern(v)).collect();
        assert_eq!(ids, [0, 1, 2, 3, 4, 5]);
        for (v, id) in values.iter().zip(&ids) {
            assert_eq!(s.find(v), Some(*id));
            assert_eq!(s.intern(v), *id);
            assert_eq!(s.get(*id), *v);
        }
        assert_eq!(s.find("622202123456789012345678902"), None);
        assert_eq!(s.find(&long[2..]), None);
    }

    #[test]
    fn a_table_grown_many_times_finds_every_string_and_keeps_vacant_slots() {
        let mut s = TextSet::new();
        let mut c = CompactTextSet::default();
        assert_eq!((s.find("x"), c.find("x")), (None, None));
        let ids: Vec<String> = (0..100_000u32).map(|i| format!("91330281{:010}", i.wrapping_mul(2_654_435_761))).collect();
        for (i, v) in ids.iter().enumerate() {
            assert_eq!((s.intern(v), c.intern(v)), (i as u32, i as u32));
        }
        for (i, v) in ids.iter().enumerate().rev() {
            assert_eq!((s.intern(v), c.find(v)), (i as u32, Some(i as u32)));
        }
        assert!(s.slots.len().is_power_of_two() && s.slots.len() * MAX_FULL.0 >= ids.len() * MAX_FULL.1);
        assert_eq!(s.slots.iter().filter(|x| x.id != VACANT).count(), ids.len());
        assert_eq!((s.find("91330281"), c.find("")), (None, None));
    }

    proptest::proptest! {
        /// Against a map and a vector of owned strings: the same numbers, the same text back (short
        /// strings, and strings past the slot's head sharing their first 24 bytes), by either slot.
        #[test]
        fn behaves_as_a_map_and_a_vector(values in proptest::collection::vec("(622202123456789012345678|张伟)?\\PC{0,6}", 0..200)) {
            let mut s = TextSet::new();
            let mut c = CompactTextSet::default();
            let mut map = std::collections::HashMap::new();
            let mut seen: Vec<String> = Vec::new();
            for v in &values {
                // readying a lookup changes nothing
                s.prefetch(v);
                let want = *map.entry(v.clone()).or_insert_with(|| { seen.push(v.clone()); seen.len() as u32 - 1 });
                proptest::prop_assert_eq!(s.intern(v), want);
                proptest::prop_assert_eq!(c.intern(v), want);
            }
            for (i, v) in seen.iter().enumerate() {
                proptest::prop_assert_eq!(s.get(i as u32), v.as_str());
                proptest::prop_assert_eq!(s.find(v), Some(i as u32));
                proptest::prop_assert_eq!(c.find(v), Some(i as u32));
            }
            proptest::prop_assert_eq!(s.len(), seen.len());
            proptest::prop_assert_eq!(c.len(), seen.len());
        }
    }
}
