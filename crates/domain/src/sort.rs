//! Sorting that keeps the app's download small.
//!
//! The standard library's `sort_by`, `sort_by_key`, `sort_by_cached_key` and
//! `sort_unstable` are generic over the element and the comparator, so every
//! call site got its own copy of the sorting code in the app's wasm (about 30
//! copies, ~50 KB before compression). The functions here sort a list of
//! positions with one comparator type (`&dyn Fn`), then move the elements
//! into that order: the app carries the sorting code once.
//!
//! Every sort here is stable (equal elements keep their order), like
//! `slice::sort_by`. The lists the app sorts are short (at most a few
//! thousand complaints), so the indirection costs nothing anyone would see.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Sorts `items` by `compare`, stably (`slice::sort_by`).
pub fn sort_by<T>(items: &mut [T], compare: impl Fn(&T, &T) -> Ordering) {
    let order = sorted_positions(items.len(), &|a, b| compare(&items[a], &items[b]));
    permute(items, order);
}

/// Sorts `items` by the key `key` gives, stably (`slice::sort_by_key`).
pub fn sort_by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `items` by the key `key` gives, working out each element's key
/// once, stably (`slice::sort_by_cached_key`).
pub fn sort_by_cached_key<T, K: Ord>(items: &mut [T], key: impl FnMut(&T) -> K) {
    let keys: Vec<K> = items.iter().map(key).collect();
    let order = sorted_positions(items.len(), &|a, b| keys[a].cmp(&keys[b]));
    permute(items, order);
}

/// Sorts `items` in their natural order, stably (`slice::sort`).
pub fn sort<T: Ord>(items: &mut [T]) {
    sort_by(items, T::cmp);
}

/// The map of `pairs`, like `pairs.collect()` (a later value for a key
/// wins). `BTreeMap`'s `collect` sorts the pairs first, with its own copy of
/// the sort for every iterator type; inserting them one by one needs none.
pub fn map_of<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    map.extend(pairs);
    map
}

/// The set of `items`, like `items.collect()`, without a sort (see [`map_of`]).
pub fn set_of<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    set.extend(items);
    set
}

/// The positions `0..len` in the order `compare` (which compares the
/// elements at two positions) puts them: the one place the app's sorting
/// code is instantiated.
#[inline(never)]
fn sorted_positions(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| compare(a, b));
    order
}

/// Moves the elements of `items` so that position `k` holds the element that
/// was at `order[k]`, following each cycle of the permutation with swaps.
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    for start in 0..items.len() {
        let mut at = start;
        loop {
            let from = order[at];
            order[at] = at;
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_stably_like_the_standard_library() {
        let words = [
            "pear", "fig", "apple", "kiwi", "date", "plum", "lime", "fig",
        ];
        let mut ours: Vec<(usize, &str)> = words.iter().copied().enumerate().collect();
        let mut std_sorted = ours.clone();
        sort_by_key(&mut ours, |(_, w)| w.len());
        std_sorted.sort_by_key(|(_, w)| w.len());
        assert_eq!(ours, std_sorted);

        let mut cached: Vec<(usize, &str)> = words.iter().copied().enumerate().collect();
        sort_by_cached_key(&mut cached, |(_, w)| std::cmp::Reverse(w.len()));
        std_sorted.sort_by_cached_key(|(_, w)| std::cmp::Reverse(w.len()));
        assert_eq!(cached, std_sorted);
    }

    #[test]
    fn every_permutation_of_a_few_elements_comes_out_sorted() {
        // All orders of 0..6 (with one repeated value), through every function.
        fn orders(n: usize) -> Vec<Vec<u8>> {
            if n == 0 {
                return vec![Vec::new()];
            }
            let mut out = Vec::new();
            for rest in orders(n - 1) {
                for at in 0..=rest.len() {
                    let mut next = rest.clone();
                    next.insert(at, (n - 1).min(4) as u8);
                    out.push(next);
                }
            }
            out
        }
        for items in orders(6) {
            let mut expected = items.clone();
            expected.sort();
            let mut a = items.clone();
            sort(&mut a);
            assert_eq!(a, expected, "sort of {items:?}");
            let mut b = items.clone();
            sort_by(&mut b, |x, y| y.cmp(x));
            expected.reverse();
            assert_eq!(b, expected, "sort_by of {items:?}");
        }
    }

    #[test]
    fn maps_and_sets_collect_alike() {
        let pairs = [("b", 1), ("a", 2), ("b", 3), ("c", 4), ("a", 5)];
        assert_eq!(map_of(pairs), pairs.into_iter().collect::<BTreeMap<_, _>>());
        assert_eq!(set_of(pairs), pairs.into_iter().collect::<BTreeSet<_>>());
    }

    #[test]
    fn empty_and_single_lists() {
        let mut empty: Vec<u8> = Vec::new();
        sort(&mut empty);
        assert!(empty.is_empty());
        let mut one = vec![7];
        sort_by_cached_key(&mut one, |x| *x);
        assert_eq!(one, [7]);
    }
}
