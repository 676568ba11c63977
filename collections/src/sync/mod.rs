//! [`BoundedMap`]: the concurrent bounded map. Shards, each a read-write
//! lock around the same slab engine as the unsync map; values leave the
//! lock as clones or through a closure, never as guards. Lookups take the
//! lock shared and record their hits in the shard's read log, which the
//! next writer applies to the recency order. The bound is the whole map's
//! (see `bound.rs`); loading is single-flight, blocking or async, on the
//! same flights (see `flight.rs` and `load.rs`).
//!
//! What runs while a shard is locked: the engine's own work, the key's
//! `Hash` and `Eq`, the weigher, `clone` of values (and of keys, for
//! `iter`, `snapshot` and `retain`) where a method returns or copies them,
//! and the closures given to [`get_with`](BoundedMap::get_with) (which is
//! how to avoid the clone) and [`compute`](BoundedMap::compute). Evicted
//! entries are taken out of the shard and handed to the listener (or
//! dropped) after the lock is released, so a listener may use the map.
//! Loaders of the loading calls run with no lock held, once per key however
//! many callers race for it.

use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use hashbrown::DefaultHashBuilder;

use crate::bounded::{self, Held};
use crate::eviction::Listener;
use crate::Stats;

/// The unsync map's engine, marked to be read by several threads at once
/// under a shard's read lock.
type Engine<K, V, S> = bounded::Engine<K, V, S>;

mod bound;
mod builder;
mod compute;
mod flight;
mod iter;
mod load;
mod read_log;

use bound::{ShardLoad, Totals};
pub use builder::Builder;
pub use compute::Op;

/// What the process's maintenance thread is doing (see
/// [`Builder::purge_expired_every`]).
///
/// # Examples
///
/// ```
/// let status = leakless::sync::maintenance_status();
/// assert!(status.maps == 0 || status.running);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MaintenanceStatus {
    /// Whether the thread is running.
    pub running: bool,
    /// Maps enrolled for background purging (a dropped map leaves at the
    /// thread's next pass).
    pub maps: usize,
}

/// The maintenance thread's status: for tests and diagnostics. *O*(1).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let m = leakless::sync::BoundedMap::<u8, u8>::builder()
///     .ttl(Duration::from_secs(1))
///     .purge_expired_every(Duration::from_millis(100))
///     .build();
/// assert!(leakless::sync::maintenance_status().maps >= 1);
/// # drop(m);
/// ```
pub fn maintenance_status() -> MaintenanceStatus {
    let (running, maps) = crate::maintenance::status();
    MaintenanceStatus { running, maps }
}
use flight::Flights;
pub use iter::Iter;
use read_log::ReadLog;

/// A shard's lock, its read log and its published load, on cache lines of
/// their own so that threads working on different shards never share one.
#[repr(align(128))]
struct ShardCell<K, V, S> {
    lock: RwLock<Shard<K, V, S>>,
    reads: ReadLog,
    load: ShardLoad,
}

impl<K, V, S> ShardCell<K, V, S> {
    /// The shard for reading: lookups that record their hits, iteration,
    /// counters. Every shard is consistent after a panic in user code, so
    /// a poisoned lock still guards a valid shard.
    #[inline]
    fn read(&self) -> RwLockReadGuard<'_, Shard<K, V, S>> {
        self.lock.read().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<K: Clone, V: Clone, S> ShardCell<K, V, S> {
    /// Clones of the shard's live entries, most recent first, copied under
    /// its read lock (so the shard is seen at one moment).
    fn cloned_entries(&self) -> Vec<(K, V)> {
        let shard = self.read();
        shard
            .map
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

impl<K: Hash + Eq, V, S: BuildHasher> ShardCell<K, V, S> {
    /// Records a read-locked hit on slot `i` for the next writer to apply
    /// (LRU), or counts it at once when the log is full. Under TinyLFU,
    /// `find_shared` recorded it already.
    #[inline]
    fn record_hit(&self, shard: &Shard<K, V, S>, i: u32) {
        if shard.map.uses_move_entries() && !self.reads.record(i) {
            shard.map.count_shared_hit();
        }
    }

    /// The shard for writing, with the hits readers recorded since the last
    /// write applied to its recency list first.
    #[inline]
    fn write(&self) -> RwLockWriteGuard<'_, Shard<K, V, S>> {
        let mut shard = self.lock.write().unwrap_or_else(PoisonError::into_inner);
        self.reads.drain(|i| shard.map.touch_recorded(i));
        shard
    }
}

/// One shard: the engine, and the initializations in flight for its keys
/// (a `Flight` is made only once a second caller has to wait for one).
struct Shard<K, V, S> {
    map: Engine<K, V, S>,
    flights: Flights<K, V>,
}

/// A concurrent, sharded [`BoundedMap`](crate::BoundedMap): `Send + Sync`,
/// every method takes `&self`, and none returns a guard.
///
/// The bound is the whole map's: `len() <= capacity()` (and the total
/// weight `<= max_weight`) at every quiescent point, and a map of capacity
/// N given N distinct keys holds all N, however they hash. A shard may hold
/// more than its share (`capacity / shards`) while the map has room; a
/// write that brings the map to its bound evicts from its own shard if that
/// holds more than its share, else from the fullest shard, so shards drift
/// back to their shares under churn. The recency order is per shard. A
/// value is refused only when it is heavier than the whole `max_weight`.
///
/// Reads (`get`, `get_with`, `contains_key`, a hit of `get_or_insert_with`)
/// take the shard's lock shared, so they never wait for one another. A hit
/// counts as a use as in the unsync map, applied to the recency order by
/// the shard's next write (up to 32 hits between two writes are recorded;
/// more are not, so under read-heavy load the order is approximate). A map
/// with a TTI is the exception: a hit restarts the idle timer, and timers
/// must move in step with the recency order, so its reads take the lock
/// exclusively.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::thread;
///
/// let cache: Arc<leakless::sync::BoundedMap<u64, String>> =
///     Arc::new(leakless::sync::BoundedMap::new(10_000));
/// let workers: Vec<_> = (0..4)
///     .map(|t| {
///         let cache = Arc::clone(&cache);
///         thread::spawn(move || {
///             for i in 0..1_000 {
///                 cache.get_or_insert_with(i % 100, || format!("computed by {t}"));
///             }
///         })
///     })
///     .collect();
/// for w in workers {
///     w.join().unwrap();
/// }
/// assert_eq!(cache.len(), 100);
/// ```
pub struct BoundedMap<K, V, S = DefaultHashBuilder> {
    /// What the maintenance thread needs too (it holds it weakly).
    core: Arc<Core<K, V, S>>,
    /// Picks the shard: the high half of the key's hash, masked.
    hasher: S,
    mask: usize,
    probe: Option<Arc<crate::registry::Probe>>,
    /// Set for maps with a TTI: a hit restarts the idle timer, and timers
    /// must move in step with the recency list (expiry purges along it), so
    /// reads take the shard's lock exclusively.
    exclusive_reads: bool,
}

/// The shards, the bound's totals and the listener: everything a purge
/// needs, shared with the maintenance thread (which holds it weakly, so a
/// dropped map is not kept alive).
struct Core<K, V, S> {
    shards: Box<[ShardCell<K, V, S>]>,
    totals: Totals,
    listener: Option<Listener<K, V>>,
}

impl<K, V, S> Core<K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    /// For the calls that touch every shard (`clear`, `retain`,
    /// `purge_expired`): runs `f` on each shard under its lock, leaving the
    /// evictions held in the shards, then hands them all to the listener.
    /// So a listener that panics cannot stop the call halfway, and if `f`
    /// panics (user `Hash` or `keep` code), what earlier shards removed
    /// stays held and is delivered at those shards' next write instead of
    /// being dropped unreported.
    fn every_shard(&self, mut f: impl FnMut(&mut Shard<K, V, S>)) {
        for cell in self.shards.iter() {
            let mut shard = cell.write();
            f(&mut shard);
            self.republish(cell, &shard.map);
        }
        let evicted: Vec<Held<K, V>> = self
            .shards
            .iter()
            .map(|shard| shard.write().map.take_evictions())
            .collect();
        for e in evicted {
            self.deliver(e);
        }
    }

    #[inline]
    fn deliver(&self, evicted: Held<K, V>) {
        if matches!(evicted, Held::None) {
            return;
        }
        match &self.listener {
            Some(listener) => {
                for (k, v, cause) in evicted {
                    listener(k, v, cause);
                }
            }
            None => drop(evicted),
        }
    }

    /// Publishes every shard's holdings after a call that changed them all
    /// (under each lock in turn, by the caller).
    pub(super) fn republish(&self, cell: &ShardCell<K, V, S>, map: &Engine<K, V, S>) {
        self.totals
            .publish(&cell.load, map.len(), self.totals.weight_of(map));
    }

    /// Removes every expired entry from every shard; see
    /// [`BoundedMap::purge_expired`].
    fn purge_expired(&self) -> usize {
        let mut purged = 0;
        self.every_shard(|shard| purged += shard.map.purge_expired());
        purged
    }
}

impl<K, V, S> crate::maintenance::Maintained for Core<K, V, S>
where
    K: Hash + Eq + Send + Sync,
    V: Send + Sync,
    S: BuildHasher + Send + Sync,
{
    fn purge_expired(&self) -> usize {
        Core::purge_expired(self)
    }
}

impl<K, V> BoundedMap<K, V>
where
    K: Hash + Eq + Clone,
{
    /// A map holding at most `capacity` entries, with the default hasher
    /// and shard count. Allocates the shards, not the entries.
    ///
    /// # Examples
    ///
    /// ```
    /// let m: leakless::sync::BoundedMap<u64, u64> = leakless::sync::BoundedMap::new(1_000);
    /// m.insert(1, 2);
    /// assert_eq!(m.get(&1), Some(2));
    /// ```
    pub fn new(capacity: usize) -> Self {
        Self::builder().capacity(capacity).build()
    }

    /// A [`Builder`] with every knob of the unsync builder, plus the shard
    /// count.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let m = leakless::sync::BoundedMap::<String, Vec<u8>>::builder()
    ///     .capacity(10_000)
    ///     .ttl(Duration::from_secs(60))
    ///     .shards(8)
    ///     .build();
    /// assert_eq!(m.shards(), 8);
    /// ```
    pub fn builder() -> Builder<K, V> {
        Builder::new()
    }
}

impl<K, V, S> BoundedMap<K, V, S> {
    /// The name given by [`Builder::name`], if any. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// let m: leakless::sync::BoundedMap<u8, u8> = leakless::sync::BoundedMap::new(7);
    /// assert_eq!(m.name(), None);
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.probe.as_deref().map(crate::registry::Probe::name)
    }

    /// The bound on entries across all shards. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// let m: leakless::sync::BoundedMap<u8, u8> = leakless::sync::BoundedMap::new(7);
    /// assert_eq!(m.capacity(), 7);
    /// ```
    pub fn capacity(&self) -> usize {
        self.core.totals.capacity()
    }

    /// The eviction policy every shard uses (see
    /// [`Builder::policy`]). *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::Policy;
    ///
    /// let m: leakless::sync::BoundedMap<u8, u8> = leakless::sync::BoundedMap::new(10);
    /// assert_eq!(m.policy(), Policy::Lru);
    /// ```
    pub fn policy(&self) -> crate::Policy {
        self.core.shards[0].read().map.policy()
    }

    /// The number of shards. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// let m: leakless::sync::BoundedMap<u8, u8> = leakless::sync::BoundedMap::new(10);
    /// assert!(m.shards().is_power_of_two());
    /// ```
    pub fn shards(&self) -> usize {
        self.core.shards.len()
    }

    /// Entries stored in all shards, as every write publishes them (under
    /// concurrent writes, a moment's figure). With a time bound, expired
    /// entries not yet purged count, as in the unsync map. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::new(10);
    /// m.insert(1, 1);
    /// assert_eq!(m.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.core.totals.len()
    }

    /// Whether every shard is empty. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// let m: leakless::sync::BoundedMap<u8, u8> = leakless::sync::BoundedMap::new(10);
    /// assert!(m.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Counters summed over the shards; `capacity` is the global bound.
    /// *O*(shards).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::new(10);
    /// m.insert(1, 1);
    /// m.get(&1);
    /// m.get(&2);
    /// let s = m.stats();
    /// assert_eq!((s.inserts, s.hits, s.misses), (1, 1, 1));
    /// ```
    pub fn stats(&self) -> Stats {
        let mut total = Stats {
            capacity: self.capacity(),
            ..Stats::default()
        };
        for cell in self.core.shards.iter() {
            let shard = cell.read();
            let s = shard.map.stats();
            // Hits still in the read log are counted when it is applied.
            total.hits += s.hits + cell.reads.pending() as u64;
            total.misses += s.misses;
            total.inserts += s.inserts;
            total.updates += s.updates;
            total.len += s.len;
            total.bytes += s.bytes;
            total.evictions.size += s.evictions.size;
            total.evictions.expired += s.evictions.expired;
            total.evictions.collected += s.evictions.collected;
            total.evictions.replaced += s.evictions.replaced;
            total.evictions.explicit += s.evictions.explicit;
        }
        total
    }
}

impl<K, V, S> BoundedMap<K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    #[inline]
    fn shard_of<Q: Hash + ?Sized>(&self, key: &Q) -> &ShardCell<K, V, S> {
        self.shard_and_hash(key).0
    }

    /// `key`'s shard, and its hash, which is also the hash the shard's engine
    /// files it under (the map's hasher is a clone of the shards'), so a
    /// read hashes the key once.
    #[inline]
    fn shard_and_hash<Q: Hash + ?Sized>(&self, key: &Q) -> (&ShardCell<K, V, S>, u64) {
        let hash = self.hasher.hash_one(key);
        (self.shard_at(hash), hash)
    }

    /// The shard of a key of hash `hash`.
    #[inline]
    fn shard_at(&self, hash: u64) -> &ShardCell<K, V, S> {
        // The high half: the engine's table uses the low bits.
        &self.core.shards[(hash >> 32) as usize & self.mask]
    }

    /// Runs `f` on `key`'s shard under its lock, then, with the lock
    /// released, hands the evictions it caused to the listener (or drops
    /// them).
    #[inline]
    fn with_shard<Q, R>(&self, key: &Q, f: impl FnOnce(&mut Shard<K, V, S>) -> R) -> R
    where
        Q: Hash + ?Sized,
    {
        self.locked(self.shard_of(key), f)
    }

    /// `with_shard` for a shard already found.
    #[inline]
    fn locked<R>(&self, shard: &ShardCell<K, V, S>, f: impl FnOnce(&mut Shard<K, V, S>) -> R) -> R {
        let (result, evicted, over) = {
            let mut guard = shard.write();
            let result = f(&mut guard);
            let over = self.settle(shard, &mut guard.map);
            (result, guard.map.take_evictions(), over)
        };
        self.core.deliver(evicted);
        if over {
            self.shed(Some(shard));
        }
        result
    }

    /// Inserts `value` under `key` and returns the previous value. At the
    /// bound it evicts one entry, from this key's shard if that holds more
    /// than its share, else from the fullest shard (see the type's docs).
    /// *O*(1) amortized, plus *O*(shards) when the fullest shard gives.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::new(10);
    /// assert_eq!(m.insert("a", 1), None);
    /// assert_eq!(m.insert("a", 2), Some(1));
    /// ```
    pub fn insert(&self, key: K, value: V) -> Option<V> {
        let (shard, hash) = self.shard_and_hash(&key);
        self.locked(shard, |s| {
            self.insert_locked(shard, &mut s.map, hash, key, value, None)
        })
    }

    /// `insert` of `key` (of hash `hash`) under `shard`'s write lock: in a
    /// full map, a new key takes the place of an entry of its shard if
    /// `settle` would shed one anyway.
    #[inline]
    fn insert_locked(
        &self,
        shard: &ShardCell<K, V, S>,
        map: &mut Engine<K, V, S>,
        hash: u64,
        key: K,
        value: V,
        ttl: Option<Duration>,
    ) -> Option<V> {
        // At its length now: if the call purges an expired entry first (or
        // the key's own expired copy), the shard has room after all and
        // `settle` decides as it would have.
        let full_at = if self.takes_a_victims_place(shard, map) {
            map.len()
        } else {
            usize::MAX
        };
        map.insert_hashed(hash, key, value, ttl, full_at)
    }

    /// [`insert`](Self::insert) with a per-entry TTL. See the unsync
    /// [`insert_with_ttl`](crate::BoundedMap::insert_with_ttl).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let m = leakless::sync::BoundedMap::new(10);
    /// m.insert_with_ttl("otp", 42, Duration::from_secs(30));
    /// assert_eq!(m.get("otp"), Some(42));
    /// ```
    pub fn insert_with_ttl(&self, key: K, value: V, ttl: Duration) -> Option<V> {
        let (shard, hash) = self.shard_and_hash(&key);
        self.locked(shard, |s| {
            self.insert_locked(shard, &mut s.map, hash, key, value, Some(ttl))
        })
    }

    /// A clone of `key`'s value, as a use. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::new(10);
    /// m.insert(1, "one".to_string());
    /// assert_eq!(m.get(&1).as_deref(), Some("one"));
    /// ```
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: Clone,
    {
        self.read_with(key, true, V::clone)
    }

    /// `f` applied to `key`'s value, as a use, without cloning it. `f` runs
    /// while the shard is locked: keep it short, and do not call this map
    /// from it (that would deadlock on the same shard). To change the value
    /// in the same step, see [`compute`](Self::compute).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::new(10);
    /// m.insert(1, vec![1, 2, 3]);
    /// assert_eq!(m.get_with(&1, |v| v.len()), Some(3));
    /// ```
    pub fn get_with<Q, R>(&self, key: &Q, f: impl FnOnce(&V) -> R) -> Option<R>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.read_with(key, true, f)
    }

    /// A lookup under the shard's read lock, so readers of one shard do not
    /// wait for each other: `f` on the value, the hit recorded for the next
    /// writer to apply to the recency order. Counts a miss if `count_miss`.
    /// With a TTI, an exclusive `get` instead.
    #[inline]
    fn read_with<Q, R>(&self, key: &Q, count_miss: bool, f: impl FnOnce(&V) -> R) -> Option<R>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let (cell, hash) = self.shard_and_hash(key);
        if self.exclusive_reads {
            // Callers with `count_miss == false` skip this path for TTI maps.
            return self.locked(cell, |s| s.map.get(key).map(f));
        }
        let shard = cell.read();
        let i = shard.map.find_shared(hash, key, count_miss)?;
        cell.record_hit(&shard, i);
        Some(f(shard.map.value_at(i)))
    }

    /// Whether `key` has a live entry (not a use). *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::new(10);
    /// m.insert(1, ());
    /// assert!(m.contains_key(&1));
    /// ```
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.shard_of(key).read().map.contains_key(key)
    }

    /// Removes and returns `key`'s value. *O*(1) amortized (the writer
    /// applies the read log, and the shard may give memory back).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::new(10);
    /// m.insert(1, 'x');
    /// assert_eq!(m.remove(&1), Some('x'));
    /// ```
    pub fn remove<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.with_shard(key, |s| s.map.remove(key))
    }

    /// Removes every entry, handing them to the listener (cause
    /// `Explicit`) once every shard is empty, so a listener that panics
    /// still leaves the map empty (the entries it did not get are dropped).
    /// *O*(`len` + shards).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::new(10);
    /// m.insert(1, 1);
    /// m.clear();
    /// assert!(m.is_empty());
    /// ```
    pub fn clear(&self) {
        self.core.every_shard(|shard| shard.map.clear());
    }

    /// Removes every expired entry (cause `Expired`), returning how many.
    /// *O*(shards + expired) amortized, shard by shard; *O*(`len`) after a
    /// `ManualClock` was turned back.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let clock = leakless::ManualClock::new();
    /// let m = leakless::sync::BoundedMap::builder()
    ///     .ttl(Duration::from_secs(1))
    ///     .clock(clock.clone())
    ///     .build();
    /// m.insert(1, 1);
    /// clock.advance(Duration::from_secs(1));
    /// assert_eq!(m.purge_expired(), 1);
    /// ```
    pub fn purge_expired(&self) -> usize {
        self.core.purge_expired()
    }
}

impl<K, V, S> BoundedMap<K, V, S>
where
    K: Hash + Eq + Clone,
    V: Clone,
    S: BuildHasher,
{
    /// Clones of the live entries, copied one shard at a time as the
    /// iterator reaches it (each shard most recent first, seen at one
    /// moment); memory is one shard's worth. See [`Iter`].
    ///
    /// *O*(1) to create; *O*(`len` / shards) per shard reached.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::new(10);
    /// m.insert(1, 'a');
    /// m.insert(2, 'b');
    /// let mut all: Vec<_> = m.iter().collect();
    /// all.sort();
    /// assert_eq!(all, [(1, 'a'), (2, 'b')]);
    /// ```
    pub fn iter(&self) -> Iter<'_, K, V, S> {
        Iter::new(self)
    }

    /// Every live entry, cloned at once into one `Vec`, shard by shard,
    /// each most recent first; each shard is locked only while it is
    /// copied. [`iter`](Self::iter) does the same a shard at a time.
    ///
    /// *O*(`len`).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::new(10);
    /// m.insert(1, 'a');
    /// assert_eq!(m.snapshot(), [(1, 'a')]);
    /// ```
    pub fn snapshot(&self) -> Vec<(K, V)> {
        self.iter().collect()
    }

    /// Keeps the entries for which `keep` returns true. `keep` runs on a
    /// snapshot of each shard with no lock held; the rejected keys are then
    /// removed (cause `Explicit`) from every shard before the listener
    /// hears of any, so a value written to a rejected key in between is
    /// removed too. `keep` sees, and the listener hears, each shard's
    /// entries least recent first, as the unsync map's do. *O*(`len` +
    /// shards).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::new(10);
    /// for i in 0..6 {
    ///     m.insert(i, i);
    /// }
    /// m.retain(|_, v| v % 2 == 0);
    /// assert_eq!(m.len(), 3);
    /// ```
    pub fn retain(&self, mut keep: impl FnMut(&K, &V) -> bool) {
        // `keep` runs on each shard's snapshot with no lock held; then every
        // shard drops its rejected keys, and the listener hears of them all.
        let doomed: Vec<Vec<K>> = self
            .core
            .shards
            .iter()
            .map(|shard| {
                let entries = shard.cloned_entries();
                // Least recent first, so the listener hears them in that
                // order, as from the unsync map.
                entries
                    .into_iter()
                    .rev()
                    .filter(|(k, v)| !keep(k, v))
                    .map(|(k, _)| k)
                    .collect()
            })
            .collect();
        if doomed.iter().all(Vec::is_empty) {
            return;
        }
        let mut doomed = doomed.into_iter();
        self.core.every_shard(|shard| {
            for k in doomed.next().unwrap_or_default() {
                shard.map.discard(&k);
            }
        });
    }
}

impl<K, V, S> crate::Footprint for BoundedMap<K, V, S>
where
    K: crate::Footprint + Hash + Eq,
    V: crate::Footprint,
    S: BuildHasher,
{
    /// The shards' footprints, each taken under its lock, plus the shard
    /// array and the in-flight tables. *O*(`len`) (or *O*(shards) when keys
    /// and values own no heap).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::Footprint;
    /// let m = leakless::sync::BoundedMap::new(100);
    /// let empty = m.footprint();
    /// m.insert(1u64, 1u64);
    /// assert!(m.footprint() > empty);
    /// ```
    fn footprint(&self) -> usize {
        // The shared core's block: its two counts, then the core at its
        // alignment (the totals keep a cache line of their own).
        let counts = core::alloc::Layout::new::<[usize; 2]>();
        let block = counts
            .extend(core::alloc::Layout::new::<Core<K, V, S>>())
            .map_or(0, |(layout, _)| layout.pad_to_align().size());
        block
            + self.core.shards.len() * core::mem::size_of::<ShardCell<K, V, S>>()
            + self
                .core
                .shards
                .iter()
                .map(|s| {
                    let shard = s.read();
                    shard.map.footprint() + shard.flights.allocation_size()
                })
                .sum::<usize>()
    }
}

impl<K, V, S> fmt::Debug for BoundedMap<K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("sync::BoundedMap")
            .field("name", &self.name())
            .field("capacity", &self.capacity())
            .field("shards", &self.core.shards.len())
            .finish_non_exhaustive()
    }
}
