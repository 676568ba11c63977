//! [`compute`](BoundedMap::compute): an atomic read-modify-write of one
//! key under its shard's lock.

use core::hash::{BuildHasher, Hash};

use super::BoundedMap;

/// What [`BoundedMap::compute`] does with a key, decided from its current
/// value.
///
/// # Examples
///
/// ```
/// use leakless::sync::{BoundedMap, Op};
///
/// let sessions: BoundedMap<&str, u32> = BoundedMap::new(100);
/// sessions.insert("ann", 3);
/// // Refresh a session that exists, never create one.
/// let after = sessions.compute("ann", |old| match old {
///     Some(&hits) => Op::Put(hits + 1),
///     None => Op::Keep,
/// });
/// assert_eq!(after, Some(4));
/// assert_eq!(sessions.compute("bob", |_| Op::Remove), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op<V> {
    /// Leave the entry (or its absence) as it is.
    Keep,
    /// Store this value (inserting the key if it is absent).
    Put(V),
    /// Remove the entry, if there is one.
    Remove,
}

impl<K, V, S> BoundedMap<K, V, S>
where
    K: Hash + Eq,
    V: Clone,
    S: BuildHasher,
{
    /// Reads and writes `key` in one atomic step: `f` sees its current value
    /// (`None` if absent or expired) and says what to do, all under the
    /// shard's write lock, so no other write to the key can come in between
    /// (two threads incrementing one counter lose no update). Returns a
    /// clone of the value stored afterwards. A present key counts as a use;
    /// `Put` is a write (it restarts a TTL, and may evict, as `insert` does).
    ///
    /// `f` is user code under the lock, like [`get_with`](Self::get_with)'s
    /// closure: keep it short, and do not use this map from it (that would
    /// deadlock on the shard). A value it replaces or removes is dropped,
    /// and evictions it causes reach the listener, after the lock is
    /// released. If `f` panics, the map is unchanged.
    ///
    /// *O*(1) amortized, plus `f`.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::sync::{BoundedMap, Op};
    /// use std::sync::Arc;
    ///
    /// let hits: Arc<BoundedMap<&str, u64>> = Arc::new(BoundedMap::new(1_000));
    /// let threads: Vec<_> = (0..4)
    ///     .map(|_| {
    ///         let hits = Arc::clone(&hits);
    ///         std::thread::spawn(move || {
    ///             for _ in 0..1_000 {
    ///                 hits.compute("/index", |n| Op::Put(n.map_or(1, |n| n + 1)));
    ///             }
    ///         })
    ///     })
    ///     .collect();
    /// for t in threads {
    ///     t.join().unwrap();
    /// }
    /// assert_eq!(hits.get("/index"), Some(4_000));
    /// ```
    pub fn compute(&self, key: K, f: impl FnOnce(Option<&V>) -> Op<V>) -> Option<V> {
        let (cell, hash) = self.shard_and_hash(&key);
        let (after, gone) = self.locked(cell, |s| {
            let old = s.map.get_hashed(hash, &key);
            match f(old) {
                Op::Keep => (old.cloned(), None),
                Op::Put(v) => {
                    let after = v.clone();
                    (
                        Some(after),
                        self.insert_locked(cell, &mut s.map, hash, key, v, None),
                    )
                }
                Op::Remove => (None, s.map.remove(&key)),
            }
        });
        // The user's value, dropped with no lock held.
        drop(gone);
        after
    }
}
