//! A set of distinct strings numbered in the order first seen: the dictionary behind ingest's
//! interned ids and text columns and behind the linking's values.
//!
//! Millions of short ids (bidders, people, machine codes) cost two allocations each as `String`
//! keys of a map plus a `Vec<String>` to read them back (≈ 100 bytes an id). Here their text lies
//! end to end in one buffer, each id is its end offset, and the hash table holds only numbers:
//! ≈ 14 bytes plus the text.

use std::hash::BuildHasher;

/// Distinct strings and their dense `u32` numbers (0, 1, 2, … in first-seen order).
#[derive(Debug, Default, Clone)]
pub struct TextSet {
    text: String,
    /// Where string `i` ends in `text` (it starts where `i - 1` ends).
    ends: Vec<usize>,
    table: hashbrown::HashTable<u32>,
}

fn hash(value: &str) -> u64 {
    foldhash::fast::FixedState::with_seed(0x0074_6578_7473_6574).hash_one(value)
}

impl TextSet {
    pub fn new() -> TextSet {
        TextSet::default()
    }

    fn at<'t>(text: &'t str, ends: &[usize], id: u32) -> &'t str {
        let i = id as usize;
        let Some(&end) = ends.get(i) else { return "" };
        let start = if i == 0 { 0 } else { ends[i - 1] };
        &text[start..end]
    }

    /// The number of `value`, added if new. Past `u32::MAX` strings every new one is numbered
    /// `u32::MAX` (no data set of the contract comes near).
    pub fn intern(&mut self, value: &str) -> u32 {
        let TextSet { text, ends, table } = self;
        let h = hash(value);
        if let Some(&id) = table.find(h, |&id| Self::at(text, ends, id) == value) {
            return id;
        }
        let Ok(id) = u32::try_from(ends.len()) else { return u32::MAX };
        text.push_str(value);
        ends.push(text.len());
        table.insert_unique(h, id, |&id| hash(Self::at(text, ends, id)));
        id
    }

    /// The number of `value`, if it is in the set.
    pub fn find(&self, value: &str) -> Option<u32> {
        self.table.find(hash(value), |&id| Self::at(&self.text, &self.ends, id) == value).copied()
    }

    /// The string numbered `id` (`""` for a number never given out).
    pub fn get(&self, id: u32) -> &str {
        Self::at(&self.text, &self.ends, id)
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
        self.text.capacity()
            + self.ends.capacity() * std::mem::size_of::<usize>()
            + self.table.capacity() * (std::mem::size_of::<u32>() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    proptest::proptest! {
        /// Against a map and a vector of owned strings: the same numbers, the same text back.
        #[test]
        fn behaves_as_a_map_and_a_vector(values in proptest::collection::vec("\\PC{0,6}", 0..200)) {
            let mut s = TextSet::new();
            let mut map = std::collections::HashMap::new();
            let mut seen: Vec<String> = Vec::new();
            for v in &values {
                let id = s.intern(v);
                let want = *map.entry(v.clone()).or_insert_with(|| { seen.push(v.clone()); seen.len() as u32 - 1 });
                proptest::prop_assert_eq!(id, want);
            }
            for (i, v) in seen.iter().enumerate() {
                proptest::prop_assert_eq!(s.get(i as u32), v.as_str());
                proptest::prop_assert_eq!(s.find(v), Some(i as u32));
            }
            proptest::prop_assert_eq!(s.len(), seen.len());
        }
    }
}
