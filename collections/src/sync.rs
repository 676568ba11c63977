//! [`BoundedMap`]: the concurrent bounded map. Shards, each a read-write
//! lock around the same slab engine as the unsync map; values leave the
//! lock as clones or through a closure, never as guards. Lookups take the
//! lock shared and record their hits in the shard's read log, which the
//! next writer applies to the recency order.
//!
//! What runs while a shard is locked: the engine's own work, the key's
//! `Hash` and `Eq`, the weigher, `clone` of values (and of keys, for
//! `snapshot` and `retain`) where a method returns or copies them, and
//! the closure given to [`get_with`](BoundedMap::get_with) (which is how to
//! avoid the clone). Evicted entries are taken out of the
//! shard and handed to the listener (or dropped) after the lock is released,
//! so a listener may use the map. Initializers of
//! [`get_or_insert_with`](BoundedMap::get_or_insert_with) run with no lock
//! held, once per key however many callers race for it.

use core::borrow::Borrow;
use core::convert::Infallible;
use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering::Relaxed};
use std::sync::{
    Arc, Condvar, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard,
};
use std::thread::{self, ThreadId};
use std::time::Duration;

use hashbrown::{DefaultHashBuilder, HashMap};

use crate::bounded::{self, Bounded, Held, NoBound};
use crate::eviction::Listener;
use crate::{EvictionCause, Stats};

/// The unsync map's engine, marked to be read by several threads at once
/// under a shard's read lock.
type Engine<K, V, S> = bounded::BoundedMap<K, V, S, bounded::Shared>;

/// Slots of a [`ReadLog`]: enough for the reads between two writes of a
/// mixed workload; past it, reads go unrecorded until the next write.
const READ_LOG: usize = 32;

/// Hits recorded by readers under a shard's read lock, for the next writer
/// to apply to the recency list (Caffeine's read buffer, in miniature).
/// Lossy on purpose: once full, reads until the next write are not
/// recorded, so under read-heavy load the recency order is approximate.
/// A writer drains it before it changes anything, so every recorded slot
/// still names the entry that was read.
struct ReadLog {
    len: AtomicUsize,
    slots: [AtomicU32; READ_LOG],
}

impl Default for ReadLog {
    fn default() -> Self {
        ReadLog {
            len: AtomicUsize::new(0),
            slots: core::array::from_fn(|_| AtomicU32::new(0)),
        }
    }
}

impl ReadLog {
    /// Records a hit on slot `i`; a load and nothing else once full.
    #[inline]
    fn record(&self, i: u32) {
        if self.len.load(Relaxed) >= READ_LOG {
            return;
        }
        let at = self.len.fetch_add(1, Relaxed);
        if let Some(slot) = self.slots.get(at) {
            slot.store(i, Relaxed);
        }
    }

    /// Hands every recorded slot, oldest first, to `apply`, and empties the
    /// log. Called under the write lock: no reader is recording meanwhile,
    /// and the lock made their stores visible.
    #[inline]
    fn drain(&self, mut apply: impl FnMut(u32)) {
        let n = self.len.load(Relaxed).min(READ_LOG);
        if n == 0 {
            return;
        }
        for slot in &self.slots[..n] {
            apply(slot.load(Relaxed));
        }
        self.len.store(0, Relaxed);
    }
}

/// A shard's lock and its read log, on cache lines of their own so that
/// threads working on different shards never share one.
#[repr(align(128))]
struct ShardCell<K, V, S> {
    lock: RwLock<Shard<K, V, S>>,
    reads: ReadLog,
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

impl<K: Hash + Eq, V, S: BuildHasher> ShardCell<K, V, S> {
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
    flights: HashMap<K, InFlight<V>>,
}

/// A key being initialized: by which thread, and the flight its waiters
/// wait on (made by the first waiter).
struct InFlight<V> {
    leader: ThreadId,
    flight: Option<Arc<Flight<V>>>,
}

/// A `get_or_insert_with` initialization that others wait for: how it
/// ended.
struct Flight<V> {
    state: Mutex<FlightState<V>>,
    ended: Condvar,
}

impl<V> Flight<V> {
    fn end(&self, state: FlightState<V>) {
        *lock(&self.state) = state;
        self.ended.notify_all();
    }
}

enum FlightState<V> {
    Running,
    Done(V),
    /// The initializer panicked or failed: a waiter retries.
    Failed,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A flight's state is a plain value: a panic cannot leave it half made.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A concurrent, sharded [`BoundedMap`](crate::BoundedMap): `Send + Sync`,
/// every method takes `&self`, and none returns a guard.
///
/// The capacity (and weight bound) is split across the shards so that the
/// shares add up to exactly the bound: `len() <= capacity()` at every
/// quiescent point, and a map under churn holds `capacity()` entries (each
/// shard full), not a rounded-down share. Keys hash to shards, so a shard
/// can fill (and evict) while others have room: the bound is global, the
/// recency order is per shard. A value heavier than a shard's share of
/// `max_weight` is refused.
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
    shards: Box<[ShardCell<K, V, S>]>,
    /// Picks the shard: the high half of the key's hash, masked.
    hasher: S,
    mask: usize,
    capacity: usize,
    listener: Option<Listener<K, V>>,
    probe: Option<Arc<crate::registry::Probe>>,
    /// Set for maps with a TTI: a hit restarts the idle timer, and timers
    /// must move in step with the recency list (expiry purges along it), so
    /// reads take the shard's lock exclusively.
    exclusive_reads: bool,
}

/// Shards for a bound, by default: enough for the machine's threads to
/// rarely meet (4 per thread, a power of two), but never so many that a
/// shard's share of the capacity drops below 64 entries.
fn default_shards(capacity: usize) -> usize {
    let threads = thread::available_parallelism().map_or(4, |n| n.get());
    let wanted = (threads * 4).next_power_of_two();
    let affordable = (capacity / 64).max(1);
    let mut n = wanted.min(affordable.next_power_of_two());
    if n > affordable {
        n /= 2;
    }
    n.max(1)
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
        Builder {
            inner: bounded::BoundedMap::builder(),
            shards: None,
        }
    }
}

/// Configures a sync [`BoundedMap`]: the unsync builder's bounds, expiry,
/// clock, listener and hasher, and the number of shards.
///
/// # Examples
///
/// ```
/// use leakless::EvictionCause;
/// let m = leakless::sync::BoundedMap::<u64, u64>::builder()
///     .capacity(100)
///     .on_evict(|_k, _v, cause| assert_eq!(cause, EvictionCause::Size))
///     .build();
/// # drop(m);
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct Builder<K, V, S = DefaultHashBuilder, B = NoBound> {
    inner: bounded::Builder<K, V, S, B>,
    shards: Option<usize>,
}

macro_rules! forward {
    ($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*) -> $state:ty) => {
        $(#[$doc])*
        pub fn $name(self, $($arg: $ty),*) -> Builder<K, V, S, $state> {
            Builder {
                inner: self.inner.$name($($arg),*),
                shards: self.shards,
            }
        }
    };
}

impl<K, V, S, B> Builder<K, V, S, B> {
    forward! {
        /// The most entries the map holds, split across shards. See the
        /// unsync [`Builder::capacity`](bounded::Builder::capacity).
        ///
        /// # Examples
        ///
        /// ```
        /// let m = leakless::sync::BoundedMap::<u8, u8>::builder().capacity(5).build();
        /// assert_eq!(m.capacity(), 5);
        /// ```
        capacity(capacity: usize) -> bounded::HasBound
    }

    forward! {
        /// The most total weight, split across shards. See the unsync
        /// [`Builder::max_weight`](bounded::Builder::max_weight).
        ///
        /// # Examples
        ///
        /// ```
        /// let m = leakless::sync::BoundedMap::<u8, Vec<u8>>::builder()
        ///     .max_weight(1 << 20)
        ///     .weigher(|_, v: &Vec<u8>| v.len() as u64)
        ///     .build();
        /// # drop(m);
        /// ```
        max_weight(max_weight: u64) -> bounded::HasBound
    }

    forward! {
        /// Expire entries `ttl` after their last write. See the unsync
        /// [`Builder::ttl`](bounded::Builder::ttl).
        ///
        /// # Examples
        ///
        /// ```
        /// use std::time::Duration;
        /// let m = leakless::sync::BoundedMap::<u8, u8>::builder()
        ///     .ttl(Duration::from_secs(5))
        ///     .build();
        /// # drop(m);
        /// ```
        ttl(ttl: Duration) -> bounded::HasBound
    }

    forward! {
        /// Expire entries `tti` after their last use. See the unsync
        /// [`Builder::tti`](bounded::Builder::tti).
        ///
        /// # Examples
        ///
        /// ```
        /// use std::time::Duration;
        /// let m = leakless::sync::BoundedMap::<u8, u8>::builder()
        ///     .tti(Duration::from_secs(5))
        ///     .build();
        /// # drop(m);
        /// ```
        tti(tti: Duration) -> bounded::HasBound
    }

    /// How each shard chooses what to evict. See the unsync
    /// [`Builder::policy`](bounded::Builder::policy). Under
    /// [`Policy::TinyLfu`](crate::Policy::TinyLfu) a hit is recorded on the
    /// spot under the shard's read lock (two relaxed stores), so readers
    /// leave nothing for the next writer to apply.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::Policy;
    ///
    /// let m = leakless::sync::BoundedMap::<u64, u64>::builder()
    ///     .capacity(100_000)
    ///     .policy(Policy::TinyLfu)
    ///     .build();
    /// m.insert(1, 1);
    /// assert_eq!(m.get(&1), Some(1));
    /// ```
    pub fn policy(self, policy: crate::Policy) -> Self {
        Builder {
            inner: self.inner.policy(policy),
            ..self
        }
    }

    /// The time source for expiry. See the unsync
    /// [`Builder::clock`](bounded::Builder::clock).
    ///
    /// # Examples
    ///
    /// ```
    /// let clock = leakless::ManualClock::new();
    /// let m = leakless::sync::BoundedMap::<u8, u8>::builder()
    ///     .capacity(10)
    ///     .clock(clock.clone())
    ///     .build();
    /// # drop(m);
    /// ```
    pub fn clock(self, clock: impl Into<crate::Clock>) -> Self {
        Builder {
            inner: self.inner.clock(clock),
            ..self
        }
    }

    /// How much of `max_weight` an entry uses. See the unsync
    /// [`Builder::weigher`](bounded::Builder::weigher).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::<u8, String>::builder()
    ///     .max_weight(1024)
    ///     .weigher(|_, v: &String| v.len() as u64)
    ///     .build();
    /// # drop(m);
    /// ```
    pub fn weigher<F>(self, weigher: F) -> Self
    where
        F: Fn(&K, &V) -> u64 + Send + Sync + 'static,
    {
        Builder {
            inner: self.inner.weigher(weigher),
            ..self
        }
    }

    /// Hears every entry the map lets go of without handing it back, with
    /// its cause, after the shard's lock is released (so it may use the
    /// map). See the unsync [`Builder::on_evict`](bounded::Builder::on_evict).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::<u8, u8>::builder()
    ///     .capacity(1)
    ///     .on_evict(|k, v, cause| println!("{k} -> {v} left: {cause:?}"))
    ///     .build();
    /// # drop(m);
    /// ```
    pub fn on_evict<F>(self, listener: F) -> Self
    where
        F: Fn(K, V, EvictionCause) + Send + Sync + 'static,
    {
        Builder {
            inner: self.inner.on_evict(listener),
            ..self
        }
    }

    /// A name for the map, for reports. See the unsync
    /// [`Builder::name`](bounded::Builder::name).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::<u8, u8>::builder()
    ///     .capacity(10)
    ///     .name("users")
    ///     .build();
    /// assert_eq!(m.name(), Some("users"));
    /// ```
    pub fn name(self, name: impl Into<Arc<str>>) -> Self {
        Builder {
            inner: self.inner.name(name),
            ..self
        }
    }

    /// Hashes keys with `hasher` (for shards and within them).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// let m = leakless::sync::BoundedMap::<u8, u8>::builder()
    ///     .hasher(RandomState::new())
    ///     .capacity(8)
    ///     .build();
    /// # drop(m);
    /// ```
    pub fn hasher<S2>(self, hasher: S2) -> Builder<K, V, S2, B> {
        Builder {
            inner: self.inner.hasher(hasher),
            shards: self.shards,
        }
    }

    /// The number of shards, rounded up to a power of two (at least 1). The
    /// default gives each of the machine's threads about four, and each
    /// shard at least 64 entries of the capacity.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::<u8, u8>::builder()
    ///     .capacity(1000)
    ///     .shards(3)
    ///     .build();
    /// assert_eq!(m.shards(), 4);
    /// ```
    pub fn shards(mut self, shards: usize) -> Self {
        self.shards = Some(shards.max(1).next_power_of_two());
        self
    }

    /// The configured map.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::<u8, u8>::builder().capacity(1).build();
    /// assert!(m.is_empty());
    /// ```
    pub fn build(mut self) -> BoundedMap<K, V, S>
    where
        B: Bounded,
        K: Hash + Eq,
        S: BuildHasher + Clone,
    {
        let name = self.inner.take_name();
        let capacity = self.inner.capacity_bound();
        let n = self.shards.unwrap_or_else(|| default_shards(capacity));
        let (mut engines, listener) = self.inner.build_shards::<bounded::Shared>(n);
        let exclusive_reads = engines.first().is_some_and(|e| e.tti().is_some());
        let probe = name.map(|name| crate::registry::register(name, "sync::BoundedMap", n));
        if let Some(probe) = &probe {
            for (i, engine) in engines.iter_mut().enumerate() {
                engine.attach_probe(Arc::clone(probe), i);
            }
        }
        let hasher = engines
            .first()
            .map(|e| e.hasher().clone())
            .expect("at least one shard");
        BoundedMap {
            shards: engines
                .into_iter()
                .map(|map| ShardCell {
                    lock: RwLock::new(Shard {
                        map,
                        flights: HashMap::new(),
                    }),
                    reads: ReadLog::default(),
                })
                .collect(),
            hasher,
            mask: n - 1,
            capacity,
            listener,
            probe,
            exclusive_reads,
        }
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
        self.capacity
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
        self.shards[0].read().map.policy()
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
        self.shards.len()
    }

    /// Entries stored, summed over the shards (each locked in turn, so under
    /// concurrent writes this is a moment's approximation). With a time
    /// bound, expired entries not yet purged count, as in the unsync map.
    /// *O*(shards).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::new(10);
    /// m.insert(1, 1);
    /// assert_eq!(m.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.read().map.len()).sum()
    }

    /// Whether every shard is empty. *O*(shards).
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
            capacity: self.capacity,
            ..Stats::default()
        };
        for shard in self.shards.iter() {
            let s = shard.read().map.stats();
            total.hits += s.hits;
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
        let hash = self.hasher.hash_one(key);
        // The high half: the engine's table uses the low bits.
        &self.shards[(hash >> 32) as usize & self.mask]
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
        let (result, evicted) = {
            let mut shard = shard.write();
            let result = f(&mut shard);
            (result, shard.map.take_evictions())
        };
        self.deliver(evicted);
        result
    }

    /// For the calls that touch every shard (`clear`, `retain`,
    /// `purge_expired`): runs `f` on each shard under its lock, leaving the
    /// evictions held in the shards, then hands them all to the listener.
    /// So a listener that panics cannot stop the call halfway, and if `f`
    /// panics (user `Hash` or `keep` code), what earlier shards removed
    /// stays held and is delivered at those shards' next write instead of
    /// being dropped unreported.
    fn every_shard(&self, mut f: impl FnMut(&mut Shard<K, V, S>)) {
        for shard in self.shards.iter() {
            f(&mut shard.write());
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

    /// Inserts `value` under `key` and returns the previous value; evicts
    /// within the key's shard as the unsync map does. *O*(1) amortized.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::new(10);
    /// assert_eq!(m.insert("a", 1), None);
    /// assert_eq!(m.insert("a", 2), Some(1));
    /// ```
    pub fn insert(&self, key: K, value: V) -> Option<V> {
        let shard = self.shard_of(&key);
        self.locked(shard, |s| s.map.insert(key, value))
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
        let shard = self.shard_of(&key);
        self.locked(shard, |s| s.map.insert_with_ttl(key, value, ttl))
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
    /// from it (that would deadlock on the same shard).
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
        let cell = self.shard_of(key);
        if self.exclusive_reads {
            // Callers with `count_miss == false` skip this path for TTI maps.
            return self.locked(cell, |s| s.map.get(key).map(f));
        }
        let shard = cell.read();
        let i = shard.map.find_shared(key, count_miss)?;
        if shard.map.uses_move_entries() {
            cell.reads.record(i);
        }
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

    /// Removes and returns `key`'s value. *O*(1).
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
    /// *O*(`len`).
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
        self.every_shard(|shard| shard.map.clear());
    }

    /// Removes every expired entry (cause `Expired`), returning how many.
    /// *O*(expired), shard by shard.
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
        let mut purged = 0;
        self.every_shard(|shard| purged += shard.map.purge_expired());
        purged
    }
}

impl<K, V, S> BoundedMap<K, V, S>
where
    K: Hash + Eq + Clone,
    V: Clone,
    S: BuildHasher,
{
    /// A snapshot of the live entries, shard by shard, each most recent
    /// first. Each shard is locked only while it is copied.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::new(10);
    /// m.insert(1, 'a');
    /// assert_eq!(m.snapshot(), [(1, 'a')]);
    /// ```
    pub fn snapshot(&self) -> Vec<(K, V)> {
        let mut out = Vec::new();
        for shard in self.shards.iter() {
            let shard = shard.read();
            out.extend(shard.map.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        out
    }

    /// Keeps the entries for which `keep` returns true. `keep` runs on a
    /// snapshot of each shard with no lock held; the rejected keys are then
    /// removed (cause `Explicit`) from every shard before the listener
    /// hears of any, so a value written to a rejected key in between is
    /// removed too. *O*(`len`).
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
            .shards
            .iter()
            .map(|shard| {
                let entries: Vec<(K, V)> = {
                    let shard = shard.read();
                    shard
                        .map
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                };
                entries
                    .into_iter()
                    .filter(|(k, v)| !keep(k, v))
                    .map(|(k, _)| k)
                    .collect()
            })
            .collect();
        if doomed.iter().all(Vec::is_empty) {
            return;
        }
        let mut doomed = doomed.into_iter();
        self.every_shard(|shard| {
            for k in doomed.next().unwrap_or_default() {
                shard.map.discard(&k);
            }
        });
    }

    /// The value of `key`, inserting `make()` first if it is absent; either
    /// way a use. Single-flight: when several threads ask for the same
    /// absent key at once, one runs `make` (with no lock held) and the
    /// others wait for its value. If `make` panics, the waiters wake and one
    /// of them runs its own `make`.
    ///
    /// # Panics
    ///
    /// If `make` panics (after waking the waiters), and if `make` itself
    /// calls this for the same key on the same map: that would wait for
    /// itself forever, so it panics instead, saying so.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::new(10);
    /// assert_eq!(m.get_or_insert_with(1, || "computed"), "computed");
    /// assert_eq!(m.get_or_insert_with(1, || unreachable!()), "computed");
    /// ```
    pub fn get_or_insert_with(&self, key: K, make: impl FnOnce() -> V) -> V {
        match self.try_get_or_insert_with(key, || Ok::<V, Infallible>(make())) {
            Ok(v) => v,
            Err(never) => match never {},
        }
    }

    /// [`get_or_insert_with`](Self::get_or_insert_with) with a fallible
    /// `make`: an error is returned to this caller, stores nothing, and
    /// lets a waiting caller try its own `make`.
    ///
    /// # Examples
    ///
    /// ```
    /// let m: leakless::sync::BoundedMap<u8, u8> = leakless::sync::BoundedMap::new(10);
    /// assert_eq!(m.try_get_or_insert_with(1, || Err("offline")), Err("offline"));
    /// assert_eq!(m.try_get_or_insert_with(1, || Ok::<_, &str>(7)), Ok(7));
    /// ```
    pub fn try_get_or_insert_with<E>(
        &self,
        key: K,
        make: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        // A hit needs only the read lock (not with a TTI: see
        // `exclusive_reads`); a miss is counted by the locked lookup below.
        if !self.exclusive_reads {
            if let Some(v) = self.read_with(&key, false, V::clone) {
                return Ok(v);
            }
        }
        let mut make = Some(make);
        loop {
            enum Role<V> {
                Leader,
                Waiter(Arc<Flight<V>>),
                Reentrant,
            }
            let shard = self.shard_of(&key);
            let role = {
                let mut guard = shard.write();
                if let Some(v) = guard.map.get(&key) {
                    return Ok(v.clone());
                }
                // Only a miss needs to know who is asking.
                let me = thread::current().id();
                match guard.flights.get_mut(&key) {
                    Some(in_flight) if in_flight.leader == me => Role::Reentrant,
                    // Someone else is initializing: wait on its flight,
                    // making it if we are the first to wait.
                    Some(in_flight) => {
                        Role::Waiter(Arc::clone(in_flight.flight.get_or_insert_with(|| {
                            Arc::new(Flight {
                                state: Mutex::new(FlightState::Running),
                                ended: Condvar::new(),
                            })
                        })))
                    }
                    None => {
                        let in_flight = InFlight {
                            leader: me,
                            flight: None,
                        };
                        guard.flights.insert(key.clone(), in_flight);
                        Role::Leader
                    }
                }
            };
            match role {
                Role::Reentrant => panic!(
                    "leakless::sync::BoundedMap::get_or_insert_with called again for the same key \
                     from inside its own initializer: it would wait for itself"
                ),
                Role::Waiter(flight) => {
                    let mut state = lock(&flight.state);
                    loop {
                        match &*state {
                            FlightState::Running => {
                                state = flight
                                    .ended
                                    .wait(state)
                                    .unwrap_or_else(PoisonError::into_inner);
                            }
                            FlightState::Done(v) => return Ok(v.clone()),
                            FlightState::Failed => break,
                        }
                    }
                }
                Role::Leader => {
                    let mut landing = Landing {
                        map: self,
                        key: &key,
                        done: false,
                    };
                    let Some(make) = make.take() else {
                        unreachable!("a caller leads at most once: it returns either way")
                    };
                    let value = make()?;
                    landing.complete(value.clone());
                    return Ok(value);
                }
            }
        }
    }
}

/// The leader's side of a flight: stores the value and wakes the waiters,
/// or, if dropped unfinished (the initializer panicked or failed), wakes
/// them to retry.
struct Landing<'a, K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    map: &'a BoundedMap<K, V, S>,
    key: &'a K,
    done: bool,
}

impl<K, V, S> Landing<'_, K, V, S>
where
    K: Hash + Eq + Clone,
    V: Clone,
    S: BuildHasher,
{
    fn complete(&mut self, value: V) {
        let key = self.key.clone();
        let stored = value.clone();
        // A plain `insert` of this key may have landed while `make` ran: the
        // value it wrote is replaced, and dropped here, after the lock.
        let (replaced, flight) = self.map.with_shard(self.key, |s| {
            let replaced = s.map.insert(key, stored);
            (replaced, s.flights.remove(self.key).and_then(|f| f.flight))
        });
        drop(replaced);
        self.done = true;
        if let Some(flight) = flight {
            flight.end(FlightState::Done(value));
        }
    }
}

impl<K, V, S> Drop for Landing<'_, K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let in_flight = self.map.shard_of(self.key).write().flights.remove(self.key);
        if let Some(flight) = in_flight.and_then(|f| f.flight) {
            flight.end(FlightState::Failed);
        }
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
        self.shards.len() * core::mem::size_of::<ShardCell<K, V, S>>()
            + self
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
            .field("capacity", &self.capacity)
            .field("shards", &self.shards.len())
            .finish_non_exhaustive()
    }
}
