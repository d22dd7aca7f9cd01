//! Items grouped by a dense number (a project, a wording), in one vector: a vector per group grows
//! by doubling and costs an allocation of its own, which at millions of groups is most of the
//! memory.

/// Items in one vector, group after group, with where each group starts.
#[derive(Debug)]
pub struct Grouped<T> {
    starts: Vec<u32>,
    items: Vec<T>,
}

impl<T> Default for Grouped<T> {
    fn default() -> Self {
        Grouped { starts: Vec::new(), items: Vec::new() }
    }
}

impl<T: Copy> Grouped<T> {
    /// Places each `(group, item)`, group after group and each group's items in the order given;
    /// group `g` gets `sizes[g]` items (`fill` stands in a slot until its item comes); a group
    /// must be given no more items than its size.
    pub fn build(sizes: &[u32], placed: impl IntoIterator<Item = (u32, T)>, fill: T) -> Grouped<T> {
        let mut starts: Vec<u32> = Vec::with_capacity(sizes.len() + 1);
        starts.push(0);
        for n in sizes {
            starts.push(starts[starts.len() - 1] + n);
        }
        let mut next = starts.clone();
        let mut items = vec![fill; starts[starts.len() - 1] as usize];
        for (g, item) in placed {
            let slot = &mut next[g as usize];
            items[*slot as usize] = item;
            *slot += 1;
        }
        Grouped { starts, items }
    }

    /// Groups `items` by their key, each group in the order given; a key at or past `n` is left
    /// out. The items are read twice: once to count each group, once to place them.
    pub fn by_key(n: usize, items: impl Iterator<Item = (u32, T)> + Clone) -> Grouped<T> {
        let mut sizes = vec![0u32; n];
        let mut fill = None;
        for (k, item) in items.clone() {
            if let Some(size) = sizes.get_mut(k as usize) {
                *size += 1;
                fill.get_or_insert(item);
            }
        }
        match fill {
            Some(fill) => Grouped::build(&sizes, items.filter(|(k, _)| (*k as usize) < n), fill),
            None => Grouped { starts: vec![0; n + 1], items: Vec::new() },
        }
    }

    /// The items of group `i` (none for a group never placed).
    pub fn of(&self, i: usize) -> &[T] {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.items[a as usize..b as usize],
            _ => &[],
        }
    }

    /// Every group's items.
    pub fn iter(&self) -> impl Iterator<Item = &[T]> {
        self.starts.windows(2).map(|w| &self.items[w[0] as usize..w[1] as usize])
    }

    /// Sorts each group's items by `key`, stably (items of one key keep their order).
    pub fn sort_each_by_key<K: Ord>(&mut self, key: impl Fn(&T) -> K) {
        for w in self.starts.windows(2) {
            self.items[w[0] as usize..w[1] as usize].sort_by_key(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_group_is_sorted_on_its_own_and_stably() {
        let mut g = Grouped::build(&[3, 0, 2], [(0, (3, 'a')), (2, (9, 'b')), (0, (1, 'c')), (0, (3, 'd')), (2, (2, 'e'))], (0, ' '));
        g.sort_each_by_key(|x| x.0);
        let groups: Vec<&[(i32, char)]> = g.iter().collect();
        assert_eq!(groups, [&[(1, 'c'), (3, 'a'), (3, 'd')][..], &[], &[(2, 'e'), (9, 'b')]]);
    }

    #[test]
    fn groups_keep_their_items_in_the_order_placed() {
        let g = Grouped::build(&[2, 0, 3], [(2, 'a'), (0, 'b'), (2, 'c'), (0, 'd'), (2, 'e')], ' ');
        assert_eq!(g.of(0), &['b', 'd']);
        assert!(g.of(1).is_empty());
        assert_eq!(g.of(2), &['a', 'c', 'e']);
        assert!(g.of(3).is_empty(), "a group past the end has nothing");
        assert_eq!(g.iter().map(<[char]>::len).collect::<Vec<_>>(), vec![2, 0, 3]);
    }

    #[test]
    fn grouping_by_key_counts_the_groups_and_leaves_out_keys_past_the_end() {
        let items = [(2, 'a'), (0, 'b'), (7, 'x'), (2, 'c'), (0, 'd'), (2, 'e')];
        let g = Grouped::by_key(3, items.iter().copied());
        assert_eq!(g.of(0), &['b', 'd']);
        assert!(g.of(1).is_empty());
        assert_eq!(g.of(2), &['a', 'c', 'e']);
        assert_eq!(g.iter().count(), 3);
        let none = Grouped::<char>::by_key(2, std::iter::empty());
        assert_eq!(none.iter().map(<[char]>::len).collect::<Vec<_>>(), vec![0, 0]);
    }
}
