//! [`Iter`]: the sync map's entries as clones, one shard at a time.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::iter::FusedIterator;

use super::BoundedMap;

/// Clones of a sync [`BoundedMap`]'s live entries, shard by shard, each
/// shard most recent first. Made by [`BoundedMap::iter`].
///
/// A shard is copied under its read lock when the iterator reaches it, so
/// memory is one shard's worth at a time, and each shard is seen at one
/// moment: an entry written to a shard already passed, or removed from one
/// not yet reached, is missed (or seen) accordingly. No lock is held
/// between calls to `next`, so the map may be used while iterating.
///
/// # Examples
///
/// ```
/// let m = leakless::sync::BoundedMap::new(100);
/// for i in 0..10u64 {
///     m.insert(i, i * i);
/// }
/// let mut total = 0;
/// for (_k, v) in m.iter() {
///     total += v;
/// }
/// assert_eq!(total, 285);
/// ```
pub struct Iter<'a, K, V, S> {
    map: &'a BoundedMap<K, V, S>,
    /// The next shard to copy.
    next_shard: usize,
    current: std::vec::IntoIter<(K, V)>,
}

impl<'a, K, V, S> Iter<'a, K, V, S> {
    pub(super) fn new(map: &'a BoundedMap<K, V, S>) -> Self {
        Iter {
            map,
            next_shard: 0,
            current: Vec::new().into_iter(),
        }
    }
}

impl<K, V, S> Iterator for Iter<'_, K, V, S>
where
    K: Hash + Eq + Clone,
    V: Clone,
    S: BuildHasher,
{
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        loop {
            if let Some(entry) = self.current.next() {
                return Some(entry);
            }
            let cell = self.map.core.shards.get(self.next_shard)?;
            self.next_shard += 1;
            // Reuse nothing from the last shard: its buffer was sized for it.
            self.current = cell.cloned_entries().into_iter();
        }
    }
}

impl<K, V, S> FusedIterator for Iter<'_, K, V, S>
where
    K: Hash + Eq + Clone,
    V: Clone,
    S: BuildHasher,
{
}

impl<K, V, S> fmt::Debug for Iter<'_, K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("sync::Iter")
            .field("next_shard", &self.next_shard)
            .field("buffered", &self.current.len())
            .finish_non_exhaustive()
    }
}
