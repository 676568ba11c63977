//! [`WeakValueMap`]: a map whose values are held weakly.

use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::mem;
use std::sync::{Arc, Weak};

use hashbrown::DefaultHashBuilder;

use super::table::{Mortal, WeakTable};
use crate::{Footprint, Stats};

pub(crate) struct ValueSlot<K, V> {
    key: K,
    value: Weak<V>,
}

impl<K: Clone, V> Clone for ValueSlot<K, V> {
    fn clone(&self) -> Self {
        ValueSlot {
            key: self.key.clone(),
            value: self.value.clone(),
        }
    }
}

impl<K, V> Mortal for ValueSlot<K, V> {
    #[inline]
    fn is_live(&self) -> bool {
        self.value.strong_count() > 0
    }
}

#[inline]
fn hash_slot<K: Hash, V, S: BuildHasher>(hasher: &S, slot: &ValueSlot<K, V>) -> u64 {
    hasher.hash_one(&slot.key)
}

/// A map from keys to values owned elsewhere: it holds each value as a
/// [`std::sync::Weak`], so an entry dies with the last `Arc` of its value
/// (connections, sessions, subscribers: whatever should vanish when its
/// owner drops it).
///
/// A dead entry is invisible at once to every lookup and iterator, before
/// it is purged. Purging is amortized *O*(1): every insert checks a few
/// entries for death, and when the table is out of room all dead entries
/// go before it is allowed to grow, so churn (insert, then drop the value)
/// never inflates it. [`purge`](Self::purge) cleans up at idle times.
///
/// `len` counts stored entries, dead ones not yet purged included;
/// [`live_len`](Self::live_len) counts the living (in *O*(`len`)).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use leakless::WeakValueMap;
///
/// struct Conn { peer: &'static str }
///
/// let mut online: WeakValueMap<u64, Conn> = WeakValueMap::new();
/// let conn = Arc::new(Conn { peer: "10.0.0.7" });
/// online.insert(7, &conn);
/// assert_eq!(online.get(&7).map(|c| c.peer), Some("10.0.0.7"));
/// drop(conn); // the connection closes
/// assert!(online.get(&7).is_none()); // and its entry is gone from view
/// assert_eq!(online.live_len(), 0);
/// ```
pub struct WeakValueMap<K, V, S = DefaultHashBuilder> {
    inner: WeakTable<ValueSlot<K, V>, S>,
}

impl<K, V> WeakValueMap<K, V> {
    /// An empty map with the default (randomly seeded) hasher. Allocates
    /// nothing until the first insert.
    ///
    /// # Examples
    ///
    /// ```
    /// let m: leakless::WeakValueMap<String, u8> = leakless::WeakValueMap::new();
    /// assert!(m.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::with_hasher(DefaultHashBuilder::default())
    }
}

impl<K, V> Default for WeakValueMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V, S> WeakValueMap<K, V, S> {
    /// An empty map hashing with `hasher`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// let m: leakless::WeakValueMap<u8, u8, _> =
    ///     leakless::WeakValueMap::with_hasher(RandomState::new());
    /// assert_eq!(m.len(), 0);
    /// ```
    pub fn with_hasher(hasher: S) -> Self {
        WeakValueMap {
            inner: WeakTable::new(hasher),
        }
    }

    /// Stored entries, including dead ones not purged yet. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakValueMap::new();
    /// let v = Arc::new(1);
    /// m.insert("k", &v);
    /// drop(v);
    /// assert_eq!((m.len(), m.live_len()), (1, 0));
    /// ```
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether nothing is stored (not even a dead entry). *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// let m: leakless::WeakValueMap<u8, u8> = leakless::WeakValueMap::new();
    /// assert!(m.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.inner.len() == 0
    }

    /// Entries whose value is alive. *O*(`len`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakValueMap::new();
    /// let (a, b) = (Arc::new(1), Arc::new(2));
    /// m.insert(1, &a);
    /// m.insert(2, &b);
    /// drop(a);
    /// assert_eq!(m.live_len(), 1);
    /// ```
    pub fn live_len(&self) -> usize {
        self.inner.live_len()
    }

    /// Entries the table can hold before it must make room (which purges
    /// the dead first). *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// let m: leakless::WeakValueMap<u8, u8> = leakless::WeakValueMap::new();
    /// assert_eq!(m.capacity(), 0);
    /// ```
    pub fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    /// Live entries as `(&K, Arc<V>)`, in no particular order. *O*(1) per
    /// step plus the dead entries it skips.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakValueMap::new();
    /// let v = Arc::new("x");
    /// m.insert(1, &v);
    /// assert_eq!(m.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>(), [(1, "x")]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&K, Arc<V>)> + '_ {
        self.inner
            .slots
            .iter()
            .filter_map(|s| s.value.upgrade().map(|v| (&s.key, v)))
    }

    /// Keys of live entries, in no particular order.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakValueMap::new();
    /// let v = Arc::new(());
    /// m.insert("a", &v);
    /// assert_eq!(m.keys().collect::<Vec<_>>(), [&"a"]);
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = &K> + '_ {
        self.inner
            .slots
            .iter()
            .filter(|s| s.is_live())
            .map(|s| &s.key)
    }

    /// Removes everything and releases the memory. *O*(`len`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakValueMap::new();
    /// let v = Arc::new(0);
    /// m.insert(0, &v);
    /// m.clear();
    /// assert_eq!(m.stats().bytes, 0);
    /// ```
    pub fn clear(&mut self) {
        let all = self.inner.clear();
        self.inner.counters.removed(&all);
    }

    /// Counters: hits, misses, inserts, updates, evictions (`Collected` for
    /// dead entries purged, `Explicit` for `retain`/`clear`), `len`, and the
    /// bytes of the map's own allocations. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakValueMap::new();
    /// let v = Arc::new(1);
    /// m.insert(1, &v);
    /// m.get(&1);
    /// m.get(&2);
    /// let s = m.stats();
    /// assert_eq!((s.hits, s.misses, s.inserts), (1, 1, 1));
    /// ```
    pub fn stats(&self) -> Stats {
        self.inner.stats()
    }

    /// Registers the map as `name` in
    /// [`registry::report`](crate::registry::report), where its size,
    /// bytes and collected entries show for as long as it lives. Unnamed
    /// maps publish nothing.
    ///
    /// *O*(1) amortized.
    ///
    /// # Examples
    ///
    /// ```
    /// let online: leakless::WeakValueMap<u64, String> =
    ///     leakless::WeakValueMap::new().named("online");
    /// assert_eq!(online.name(), Some("online"));
    /// ```
    pub fn named(mut self, name: impl Into<std::sync::Arc<str>>) -> Self {
        self.inner.name(name.into(), "WeakValueMap");
        self
    }

    /// The name given by [`named`](Self::named), if any. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// let m: leakless::WeakValueMap<u8, u8> = leakless::WeakValueMap::new();
    /// assert_eq!(m.name(), None);
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.inner.registration.name()
    }
}

impl<K, V, S> WeakValueMap<K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    /// Keeps the live entries for which `keep` returns true; dead entries
    /// go whatever it would say. *O*(`len`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakValueMap::new();
    /// let vs: Vec<_> = (0..4).map(Arc::new).collect();
    /// for v in &vs {
    ///     m.insert(**v, v);
    /// }
    /// m.retain(|k, _| k % 2 == 0);
    /// assert_eq!(m.len(), 2);
    /// ```
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &Arc<V>) -> bool) {
        self.inner.retain(
            |s| match s.value.upgrade() {
                Some(v) => keep(&s.key, &v),
                None => false,
            },
            hash_slot,
        );
    }

    /// Removes every dead entry now, returning how many. Inserts purge
    /// incrementally; this is for idle times. *O*(`len`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakValueMap::new();
    /// m.insert(1, &Arc::new(1)); // dies at once
    /// assert_eq!(m.purge_all(), 1);
    /// assert!(m.is_empty());
    /// ```
    pub fn purge_all(&mut self) -> usize {
        self.inner.purge_all(hash_slot)
    }

    #[inline]
    /// `key`'s hash, and its slot if stored (alive or not).
    fn find<Q>(&self, key: &Q) -> (u64, Option<u32>)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.inner.hasher.hash_one(key);
        (hash, self.inner.find(hash, |s| s.key.borrow() == key))
    }

    /// Maps `key` to `value` (held weakly) and returns the previous value if
    /// it was alive. The old value's death can never remove the new entry:
    /// an entry's life is its current value's. Amortized *O*(1), including
    /// a few slots of purging.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakValueMap::new();
    /// let (old, new) = (Arc::new("old"), Arc::new("new"));
    /// m.insert(1, &old);
    /// assert_eq!(m.insert(1, &new).as_deref(), Some(&"old"));
    /// drop(old);
    /// assert_eq!(m.get(&1).as_deref(), Some(&"new"));
    /// ```
    pub fn insert(&mut self, key: K, value: &Arc<V>) -> Option<Arc<V>> {
        let weak = Arc::downgrade(value);
        match self.find(&key) {
            (_, Some(i)) => {
                self.inner.counters.updates += 1;
                let old = mem::replace(&mut self.inner.slots[i as usize].value, weak);
                old.upgrade()
            }
            (hash, None) => {
                self.inner
                    .insert_new(hash, ValueSlot { key, value: weak }, hash_slot);
                None
            }
        }
    }

    /// The value of `key`, if it is alive. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakValueMap::new();
    /// let v = Arc::new(5);
    /// m.insert("five", &v);
    /// assert_eq!(m.get("five").as_deref(), Some(&5));
    /// assert_eq!(m.get("six"), None);
    /// ```
    pub fn get<Q>(&self, key: &Q) -> Option<Arc<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let found = self
            .find(key)
            .1
            .and_then(|i| self.inner.slots[i as usize].value.upgrade());
        self.inner.counters.lookup(found.is_some());
        found
    }

    /// Whether `key` has a live value. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakValueMap::new();
    /// m.insert(1, &Arc::new(1)); // nobody keeps it
    /// assert!(!m.contains_key(&1));
    /// ```
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.find(key)
            .1
            .is_some_and(|i| self.inner.slots[i as usize].is_live())
    }

    /// Removes `key`'s entry, returning its value if it was alive (a dead
    /// entry is removed too, and counted as collected). *O*(1) amortized (it
    /// may give memory back).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakValueMap::new();
    /// let v = Arc::new('v');
    /// m.insert(1, &v);
    /// assert_eq!(m.remove(&1).as_deref(), Some(&'v'));
    /// assert!(m.is_empty());
    /// ```
    pub fn remove<Q>(&mut self, key: &Q) -> Option<Arc<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let (hash, i) = self.find(key);
        let i = i?;
        let slot = self.inner.remove_at(i, hash, hash_slot);
        self.inner.maybe_shrink(hash_slot);
        let value = slot.value.upgrade();
        if value.is_none() {
            self.inner.counters.evictions.collected += 1;
        }
        value
    }

    /// Looks at up to `budget` entries and removes the dead ones, returning
    /// how many went: incremental idle-time cleanup (inserts already do a
    /// little of it). *O*(`budget`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakValueMap::new();
    /// for i in 0..10 {
    ///     m.insert(i, &Arc::new(i)); // all die at once
    /// }
    /// let dead = m.len(); // inserts already swept some of them away
    /// let mut purged = 0;
    /// while !m.is_empty() {
    ///     purged += m.purge(4);
    /// }
    /// assert_eq!(purged, dead);
    /// ```
    pub fn purge(&mut self, budget: usize) -> usize {
        let purged = self.inner.sweep(budget, hash_slot);
        self.inner.maybe_shrink(hash_slot);
        purged
    }
}

impl<K, V, S> Footprint for WeakValueMap<K, V, S>
where
    K: Footprint,
{
    /// The table, the slab, what the keys own, and for each dead entry not
    /// yet purged the allocation its `Weak` still pins (the `Arc`'s counts
    /// and `V` itself; `V` has been dropped, its inline size has not been
    /// freed). Live values belong to their owners and are not counted.
    ///
    /// *O*(`len`).
    fn footprint(&self) -> usize {
        // An `Arc`'s block: its two counts, then `V` (`#[repr(C)]`), padded
        // to `V`'s alignment; 16 bytes for a zero-sized `V`.
        let pinned = core::alloc::Layout::new::<[usize; 2]>()
            .extend(core::alloc::Layout::new::<V>())
            .map_or(0, |(block, _)| block.pad_to_align().size());
        self.inner.heap_bytes()
            + self
                .inner
                .slots
                .iter()
                .map(|s| s.key.footprint() + if s.is_live() { 0 } else { pinned })
                .sum::<usize>()
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for WeakValueMap<K, V, S> {
    /// Live entries, like `HashMap`'s `{k: v, ..}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Clone, V, S: Clone> Clone for WeakValueMap<K, V, S> {
    /// Another map naming the same values (weakly).
    fn clone(&self) -> Self {
        WeakValueMap {
            inner: self.inner.clone(),
        }
    }
}
