//! [`WeakKeyMap`]: data attached to objects, by identity, that goes with
//! them.

use core::fmt;
use core::hash::BuildHasher;
use core::mem;
use std::sync::{Arc, Weak};

use hashbrown::DefaultHashBuilder;

use super::table::{Mortal, WeakTable};
use crate::{Footprint, Stats};

pub(crate) struct KeySlot<K: ?Sized, V> {
    key: Weak<K>,
    value: V,
}

impl<K: ?Sized, V> Mortal for KeySlot<K, V> {
    #[inline]
    fn is_live(&self) -> bool {
        self.key.strong_count() > 0
    }
}

/// The identity of an `Arc`: the address of its allocation. While a `Weak`
/// to it lives, the allocation does, so no other `Arc` can have it.
#[inline]
fn address<K: ?Sized>(ptr: *const K) -> usize {
    ptr.cast::<()>() as usize
}

#[inline]
fn hash_slot<K: ?Sized, V, S: BuildHasher>(hasher: &S, slot: &KeySlot<K, V>) -> u64 {
    hasher.hash_one(address(slot.key.as_ptr()))
}

/// A map keyed by `Arc` identity that holds its keys weakly: data attached
/// to objects (a per-connection buffer, a per-request span) that vanishes
/// with them, without the objects knowing about the map.
///
/// Keys are compared by address (`Arc::ptr_eq`), not by value: two equal
/// values in different `Arc`s are different keys. A dead key's entry is
/// invisible at once; its value is dropped when the entry is purged
/// (incrementally by inserts, or by [`purge`](Self::purge) /
/// [`purge_all`](Self::purge_all)). The `Weak` keeps the key's allocation
/// until then, so a new `Arc` can never be mistaken for a dead one.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use leakless::WeakKeyMap;
///
/// struct Request;
///
/// let mut spans: WeakKeyMap<Request, &str> = WeakKeyMap::new();
/// let req = Arc::new(Request);
/// spans.insert(&req, "GET /");
/// assert_eq!(spans.get(&req), Some(&"GET /"));
/// drop(req); // the request ends: its span goes with it
/// assert_eq!(spans.live_len(), 0);
/// assert_eq!(spans.purge_all(), 1); // and the value is dropped now
/// ```
pub struct WeakKeyMap<K: ?Sized, V, S = DefaultHashBuilder> {
    inner: WeakTable<KeySlot<K, V>, S>,
}

impl<K: ?Sized, V> WeakKeyMap<K, V> {
    /// An empty map with the default hasher. Allocates nothing until the
    /// first insert.
    ///
    /// # Examples
    ///
    /// ```
    /// let m: leakless::WeakKeyMap<str, u8> = leakless::WeakKeyMap::new();
    /// assert!(m.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::with_hasher(DefaultHashBuilder::default())
    }
}

impl<K: ?Sized, V> Default for WeakKeyMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: ?Sized, V, S> WeakKeyMap<K, V, S> {
    /// An empty map hashing addresses with `hasher`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// let m: leakless::WeakKeyMap<u8, u8, _> =
    ///     leakless::WeakKeyMap::with_hasher(RandomState::new());
    /// assert_eq!(m.len(), 0);
    /// ```
    pub fn with_hasher(hasher: S) -> Self {
        WeakKeyMap {
            inner: WeakTable::new(hasher),
        }
    }

    /// Stored entries, including dead ones not purged yet. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakKeyMap::new();
    /// let k = Arc::new(1);
    /// m.insert(&k, "v");
    /// assert_eq!(m.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether nothing is stored (not even a dead entry). *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// let m: leakless::WeakKeyMap<u8, u8> = leakless::WeakKeyMap::new();
    /// assert!(m.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.inner.len() == 0
    }

    /// Entries whose key is alive. *O*(`len`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakKeyMap::new();
    /// let k = Arc::new(());
    /// m.insert(&k, 1);
    /// drop(k);
    /// assert_eq!((m.len(), m.live_len()), (1, 0));
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
    /// let m: leakless::WeakKeyMap<u8, u8> = leakless::WeakKeyMap::new();
    /// assert_eq!(m.capacity(), 0);
    /// ```
    pub fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    /// Live entries as `(Arc<K>, &V)`, in no particular order. *O*(1) per
    /// step plus the dead entries it skips.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakKeyMap::new();
    /// let k = Arc::new("obj");
    /// m.insert(&k, 3);
    /// let (key, v) = m.iter().next().unwrap();
    /// assert!(Arc::ptr_eq(&key, &k));
    /// assert_eq!(*v, 3);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (Arc<K>, &V)> + '_ {
        self.inner
            .slots
            .iter()
            .filter_map(|s| s.key.upgrade().map(|k| (k, &s.value)))
    }

    /// Removes everything (dropping every value) and releases the memory.
    /// *O*(`len`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakKeyMap::new();
    /// let k = Arc::new(0);
    /// m.insert(&k, vec![1, 2, 3]);
    /// m.clear();
    /// assert_eq!(m.stats().bytes, 0);
    /// ```
    pub fn clear(&mut self) {
        let all = self.inner.clear();
        self.inner.counters.removed(&all);
    }

    /// Counters: hits, misses, inserts, updates, evictions (`Collected` for
    /// dead keys purged, `Explicit` for `retain`/`clear`), `len`, and the
    /// bytes of the map's own allocations. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakKeyMap::new();
    /// let k = Arc::new(1);
    /// m.insert(&k, 1);
    /// m.get(&k);
    /// assert_eq!(m.stats().hits, 1);
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
    /// let extra: leakless::WeakKeyMap<String, u64> =
    ///     leakless::WeakKeyMap::new().named("per-conn");
    /// assert_eq!(extra.name(), Some("per-conn"));
    /// ```
    pub fn named(mut self, name: impl Into<std::sync::Arc<str>>) -> Self {
        self.inner.name(name.into(), "WeakKeyMap");
        self
    }

    /// The name given by [`named`](Self::named), if any. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// let m: leakless::WeakKeyMap<u8, u8> = leakless::WeakKeyMap::new();
    /// assert_eq!(m.name(), None);
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.inner.registration.name()
    }
}

impl<K: ?Sized, V, S: BuildHasher> WeakKeyMap<K, V, S> {
    /// Keeps the live entries for which `keep` returns true; dead entries go
    /// (their values dropped) whatever it would say. *O*(`len`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakKeyMap::new();
    /// let ks: Vec<_> = (0..4).map(Arc::new).collect();
    /// for k in &ks {
    ///     m.insert(k, **k);
    /// }
    /// m.retain(|_, v| *v % 2 == 0);
    /// assert_eq!(m.len(), 2);
    /// ```
    pub fn retain(&mut self, mut keep: impl FnMut(&Arc<K>, &mut V) -> bool) {
        self.inner.retain(
            |s| match s.key.upgrade() {
                Some(k) => keep(&k, &mut s.value),
                None => false,
            },
            hash_slot,
        );
    }

    /// Removes every entry whose key has died, dropping its value, and
    /// returns how many. *O*(`len`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakKeyMap::new();
    /// m.insert(&Arc::new(1), "gone");
    /// assert_eq!(m.purge_all(), 1);
    /// ```
    pub fn purge_all(&mut self) -> usize {
        self.inner.purge_all(hash_slot)
    }

    #[inline]
    /// `key`'s hash, and its slot if attached.
    fn find(&self, key: &Arc<K>) -> (u64, Option<u32>) {
        let addr = address(Arc::as_ptr(key));
        let hash = self.inner.hasher.hash_one(addr);
        (
            hash,
            self.inner.find(hash, |s| address(s.key.as_ptr()) == addr),
        )
    }

    /// Attaches `value` to `key` and returns the previous value. Amortized
    /// *O*(1), including a few slots of purging.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakKeyMap::new();
    /// let k = Arc::new("k");
    /// assert_eq!(m.insert(&k, 1), None);
    /// assert_eq!(m.insert(&k, 2), Some(1));
    /// ```
    pub fn insert(&mut self, key: &Arc<K>, value: V) -> Option<V> {
        match self.find(key) {
            (_, Some(i)) => {
                self.inner.counters.updates += 1;
                Some(mem::replace(&mut self.inner.slots[i as usize].value, value))
            }
            (hash, None) => {
                let slot = KeySlot {
                    key: Arc::downgrade(key),
                    value,
                };
                self.inner.insert_new(hash, slot, hash_slot);
                None
            }
        }
    }

    /// The value attached to `key`. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakKeyMap::new();
    /// let (a, b) = (Arc::new(1), Arc::new(1)); // equal values, two objects
    /// m.insert(&a, "a");
    /// assert_eq!(m.get(&a), Some(&"a"));
    /// assert_eq!(m.get(&b), None);
    /// ```
    pub fn get(&self, key: &Arc<K>) -> Option<&V> {
        let found = self
            .find(key)
            .1
            .map(|i| &self.inner.slots[i as usize].value);
        self.inner.counters.lookup(found.is_some());
        found
    }

    /// The value attached to `key`, mutably. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakKeyMap::new();
    /// let k = Arc::new(());
    /// m.insert(&k, 1);
    /// *m.get_mut(&k).unwrap() += 1;
    /// assert_eq!(m.get(&k), Some(&2));
    /// ```
    pub fn get_mut(&mut self, key: &Arc<K>) -> Option<&mut V> {
        let i = self.find(key).1?;
        Some(&mut self.inner.slots[i as usize].value)
    }

    /// Whether `key` has a value attached. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakKeyMap::new();
    /// let k = Arc::new(());
    /// m.insert(&k, ());
    /// assert!(m.contains_key(&k));
    /// ```
    pub fn contains_key(&self, key: &Arc<K>) -> bool {
        self.find(key).1.is_some()
    }

    /// Detaches and returns `key`'s value. *O*(1) amortized (it may give
    /// memory back).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakKeyMap::new();
    /// let k = Arc::new(());
    /// m.insert(&k, 9);
    /// assert_eq!(m.remove(&k), Some(9));
    /// assert!(m.is_empty());
    /// ```
    pub fn remove(&mut self, key: &Arc<K>) -> Option<V> {
        let (hash, i) = self.find(key);
        let i = i?;
        let slot = self.inner.remove_at(i, hash, hash_slot);
        self.inner.maybe_shrink(hash_slot);
        Some(slot.value)
    }

    /// Looks at up to `budget` entries and removes those whose key died
    /// (dropping their values), returning how many: incremental idle-time
    /// cleanup. *O*(`budget`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut m = leakless::WeakKeyMap::new();
    /// for i in 0..10 {
    ///     m.insert(&Arc::new(i), i);
    /// }
    /// let dead = m.len(); // inserts already swept some of them away
    /// let mut purged = 0;
    /// while !m.is_empty() {
    ///     purged += m.purge(3);
    /// }
    /// assert_eq!(purged, dead);
    /// ```
    pub fn purge(&mut self, budget: usize) -> usize {
        let purged = self.inner.sweep(budget, hash_slot);
        self.inner.maybe_shrink(hash_slot);
        purged
    }
}

impl<K: ?Sized, V: Footprint, S> Footprint for WeakKeyMap<K, V, S> {
    /// The table, the slab, and what the values own. Keys belong to their
    /// owners; a dead key's allocation, pinned by the map's `Weak` until the
    /// entry is purged, is counted as the size of its `Arc` counts (the
    /// key's own size is not known for unsized keys).
    ///
    /// *O*(`len`).
    fn footprint(&self) -> usize {
        let pinned = 2 * mem::size_of::<usize>();
        self.inner.heap_bytes()
            + self
                .inner
                .slots
                .iter()
                .map(|s| s.value.footprint() + if s.is_live() { 0 } else { pinned })
                .sum::<usize>()
    }
}

impl<K: ?Sized + fmt::Debug, V: fmt::Debug, S> fmt::Debug for WeakKeyMap<K, V, S> {
    /// Live entries, like `HashMap`'s `{k: v, ..}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}
