//! Rows split by their hash into partitions small enough that a hash map over one of them stays
//! in the processor's cache.
//!
//! Finding equal values with one hash map over every row of a large table (14 M staff rows, 10 M
//! bids) misses the cache at nearly every probe: at 10 M bids the duplicate check spent most of
//! its time waiting for memory. Equal values have equal
//! hashes, so every row equal to a row of a partition is in that partition, and the partitions
//! can be worked one at a time, or side by side, each with a small map. A partition holds each
//! of its rows' hash beside the row's number, one after another (the rows of a partition lie far
//! apart in the table: read there, each would be a miss again). Within a partition the rows stay
//! in row order, so "the first earlier row equal to this one" is found as with one map.

use rayon::prelude::*;

/// About how many rows a partition holds: its map (≈ 16 bytes an entry) then fits in a core's
/// second-level cache.
const ROWS_PER_PARTITION: usize = 32 * 1024;

/// At most 2¹² partitions.
const MAX_BITS: u32 = 12;

/// Which bits of a hash choose the partition: bits 40 and up, away from the low bits and the top
/// seven that a hash table keyed by the same hash places and tags its entries by, so the rows of
/// one partition would still spread over such a table.
const SHIFT: u32 = 40;

/// Rows (their hash, their number) grouped by partition, each partition's in row order.
#[derive(Debug)]
pub(crate) struct Partitions {
    /// Partition `p` is `rows[offsets[p]..offsets[p + 1]]`.
    offsets: Vec<usize>,
    rows: Vec<(u64, u32)>,
}

impl Partitions {
    /// Partitions rows `0..n` by `hash(i)`; a row whose hash is `None` takes no part. `hash` is
    /// called twice a row (once to count, once to place), so it should be cheap or stored.
    pub(crate) fn of(n: usize, hash: impl Fn(usize) -> Option<u64>) -> Partitions {
        let bits = (n / ROWS_PER_PARTITION).next_power_of_two().trailing_zeros().min(MAX_BITS);
        let mask = (1u64 << bits) - 1;
        let part = |h: u64| ((h >> SHIFT) & mask) as usize;
        let mut offsets = vec![0usize; (1 << bits) + 1];
        for h in (0..n).filter_map(&hash) {
            offsets[part(h) + 1] += 1;
        }
        for p in 1..offsets.len() {
            offsets[p] += offsets[p - 1];
        }
        let mut fill = offsets.clone();
        let mut rows = vec![(0u64, 0u32); offsets[offsets.len() - 1]];
        for i in 0..n {
            if let Some(h) = hash(i) {
                let p = part(h);
                rows[fill[p]] = (h, i as u32);
                fill[p] += 1;
            }
        }
        Partitions { offsets, rows }
    }

    /// The partitions, side by side (rayon): each its rows (hash, number) in row order.
    pub(crate) fn par_iter(&self) -> impl IndexedParallelIterator<Item = &[(u64, u32)]> + '_ {
        (0..self.offsets.len() - 1).into_par_iter().map(|p| &self.rows[self.offsets[p]..self.offsets[p + 1]])
    }

    #[cfg(test)]
    fn iter(&self) -> impl Iterator<Item = &[(u64, u32)]> + '_ {
        (0..self.offsets.len() - 1).map(|p| &self.rows[self.offsets[p]..self.offsets[p + 1]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every row with a hash is in exactly one partition, equal hashes in the same one, and
        /// each partition's rows in row order.
        #[test]
        fn rows_are_placed_once_by_hash_in_order(hashes in proptest::collection::vec(proptest::option::of(any::<u64>()), 0..3000), n in 0usize..200_000) {
            // `n` stretches the row count past one partition; rows beyond `hashes` hash alike.
            let n = n.max(hashes.len());
            let hash = |i: usize| if i < hashes.len() { hashes[i] } else { Some((i % 7) as u64 * 0x0101_0101_0101_0101) };
            let parts = Partitions::of(n, hash);
            let mut seen = vec![false; n];
            let mut part_of_hash = std::collections::HashMap::new();
            for (p, rows) in parts.iter().enumerate() {
                prop_assert!(rows.windows(2).all(|w| w[0].1 < w[1].1));
                for &(h, r) in rows {
                    let r = r as usize;
                    prop_assert!(!seen[r]);
                    seen[r] = true;
                    prop_assert_eq!(Some(h), hash(r));
                    prop_assert_eq!(*part_of_hash.entry(h).or_insert(p), p);
                }
            }
            for (i, s) in seen.iter().enumerate() {
                prop_assert_eq!(*s, hash(i).is_some());
            }
        }
    }

    #[test]
    fn a_large_table_is_split() {
        let parts = Partitions::of(1_000_000, |i| Some((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)));
        let sizes: Vec<usize> = parts.iter().map(<[(u64, u32)]>::len).collect();
        assert_eq!(sizes.len(), 32);
        assert!(sizes.iter().all(|&s| s > 20_000 && s < 45_000), "{sizes:?}");
    }
}
