//! Rearranging a dense slab: closing it up behind a `HashTable<u32>` of its
//! indices (the step every slab map's `retain`-like operation shares), and
//! moving the per-slot columns kept beside it the same way. Runs no user
//! code (no hashing: indices are rewritten in place).

use hashbrown::HashTable;

use crate::list::NIL;

/// The slots `keep` rejects are about to leave the slab and the rest close
/// up in order: rewrites `table` to the new indices (dropping the leaving
/// ones) and returns every slot's new index (`NIL` for leaving ones), or
/// `None`, touching nothing, when every slot stays. *O*(slots + buckets).
pub(crate) fn close_up(
    table: &mut HashTable<u32>,
    keep: impl Iterator<Item = bool>,
) -> Option<Vec<u32>> {
    let mut next = 0u32;
    let new_index: Vec<u32> = keep
        .map(|k| {
            let i = if k { next } else { NIL };
            next += u32::from(k);
            i
        })
        .collect();
    if next as usize == new_index.len() {
        return None;
    }
    table.retain(|i| {
        *i = new_index[*i as usize];
        *i != NIL
    });
    Some(new_index)
}

/// A column's rows after the slab was laid out anew: row `i` of `rows` at
/// `rank[i]` (a permutation), each turned into a stored cell by `store`.
/// *O*(rows).
pub(crate) fn scatter<T, U: Default>(
    rows: impl Iterator<Item = T>,
    rank: &[u32],
    store: impl Fn(T) -> U,
) -> Vec<U> {
    let mut out: Vec<U> = core::iter::repeat_with(U::default)
        .take(rank.len())
        .collect();
    for (row, &r) in rows.zip(rank) {
        out[r as usize] = store(row);
    }
    out
}

/// Keeps the rows whose slot stays (`new_index` is not `NIL`), in order:
/// a column's half of [`close_up`]. *O*(rows).
pub(crate) fn keep_rows<T>(rows: &mut Vec<T>, new_index: &[u32]) {
    let mut keep = new_index.iter().map(|&n| n != NIL);
    rows.retain(|_| keep.next().unwrap_or(true));
}
