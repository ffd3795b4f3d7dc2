//! One sort for the whole crate. Each `sort_by` on a different element type
//! or comparator is a separate copy of the standard library's sort in the
//! app's WebAssembly (about 1 KB each); [`sort_by`] sorts *indices* with a
//! comparator behind `&dyn Fn`, so every caller shares one copy, and then
//! moves the elements into place. Stable: equal elements keep their order.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Sorts `items` by `cmp`, stably.
pub fn sort_by<T>(items: &mut [T], cmp: &dyn Fn(&T, &T) -> Ordering) {
    let mut order: Vec<usize> = (0..items.len()).collect();
    sort_indices(&mut order, &|a, b| {
        cmp(&items[a], &items[b]).then(a.cmp(&b))
    });
    // `order[k]` is the index of the element that belongs at `k`: follow
    // each cycle of the permutation, swapping the element into place.
    for start in 0..order.len() {
        let mut at = start;
        while order[at] != usize::MAX {
            let from = order[at];
            order[at] = usize::MAX;
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

/// A map of `pairs`, built by inserting them one by one (`collect()` into a
/// `BTreeMap` sorts them first: another copy of the sort per type); a later
/// pair replaces an earlier one with the same key, as with `collect()`.
pub fn map_of<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    for (key, value) in pairs {
        map.insert(key, value);
    }
    map
}

/// A set of `items`, built by inserting them one by one (see [`map_of`]).
pub fn set_of<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    for item in items {
        set.insert(item);
    }
    set
}

/// The one instance of the standard sort.
#[inline(never)]
fn sort_indices(order: &mut [usize], cmp: &dyn Fn(usize, usize) -> Ordering) {
    order.sort_unstable_by(|a, b| cmp(*a, *b));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_stably_like_the_standard_sort() {
        let mut seed = 12345u64;
        for len in [0usize, 1, 2, 3, 7, 50, 300] {
            let mut items: Vec<(u8, usize)> = (0..len)
                .map(|i| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    ((seed % 5) as u8, i)
                })
                .collect();
            let mut expected = items.clone();
            expected.sort_by_key(|item| item.0);
            sort_by(&mut items, &|a, b| a.0.cmp(&b.0));
            assert_eq!(items, expected, "{len}");
        }
    }
}
