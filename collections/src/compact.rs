//! Closing up a dense slab behind a `HashTable<u32>` of its indices: the
//! step every slab map's `retain`-like operation shares. Runs no user code
//! (no hashing: indices are rewritten in place).

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
