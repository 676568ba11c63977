//! [`Builder`]: the unsync builder's options, held and forwarded, plus the
//! shard count.

use core::hash::{BuildHasher, Hash};
use std::sync::{Arc, RwLock};
use std::thread;
use std::time::Duration;

use hashbrown::DefaultHashBuilder;

use super::read_log::ReadLog;
use super::{BoundedMap, Core, Shard, ShardCell, ShardLoad, Totals};
use crate::bounded::{self, Bounded, NoBound};
use crate::EvictionCause;

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
    /// The background purge period, and how to enrol a map of this type
    /// (which needs `Send + Sync` contents, checked where it was asked for).
    purge_every: Option<(Duration, Enroll<K, V, S>)>,
}

/// Enrols a built map with the maintenance thread.
type Enroll<K, V, S> = fn(&Arc<Core<K, V, S>>, Duration);

fn enroll<K, V, S>(core: &Arc<Core<K, V, S>>, period: Duration)
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
    S: BuildHasher + Send + Sync + 'static,
{
    let core: Arc<dyn crate::maintenance::Maintained> = core.clone();
    crate::maintenance::enroll(Arc::downgrade(&core), period);
}

impl<K, V> Builder<K, V> {
    pub(super) fn new() -> Self {
        Builder {
            inner: bounded::BoundedMap::builder(),
            shards: None,
            purge_every: None,
        }
    }
}

impl<K, V, S, B> Builder<K, V, S, B> {
    /// Every option but the shard count is the unsync builder's: applied to
    /// it here, once, so its checks and typestate hold for both maps.
    #[inline]
    fn with_inner<B2>(
        self,
        set: impl FnOnce(bounded::Builder<K, V, S, B>) -> bounded::Builder<K, V, S, B2>,
    ) -> Builder<K, V, S, B2> {
        Builder {
            inner: set(self.inner),
            shards: self.shards,
            purge_every: self.purge_every,
        }
    }

    /// The most entries the map holds, split across shards. See the
    /// unsync [`Builder::capacity`](bounded::Builder::capacity).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::<u8, u8>::builder().capacity(5).build();
    /// assert_eq!(m.capacity(), 5);
    /// ```
    pub fn capacity(self, capacity: usize) -> Builder<K, V, S, bounded::HasBound> {
        self.with_inner(|b| b.capacity(capacity))
    }

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
    pub fn max_weight(self, max_weight: u64) -> Builder<K, V, S, bounded::HasBound> {
        self.with_inner(|b| b.max_weight(max_weight))
    }

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
    pub fn ttl(self, ttl: Duration) -> Builder<K, V, S, bounded::HasBound> {
        self.with_inner(|b| b.ttl(ttl))
    }

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
    pub fn tti(self, tti: Duration) -> Builder<K, V, S, bounded::HasBound> {
        self.with_inner(|b| b.tti(tti))
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
        self.with_inner(|b| b.policy(policy))
    }

    /// Entries become stale `period` after their last write: the loading
    /// calls ([`get_or_insert_with`](BoundedMap::get_or_insert_with), its
    /// `try_` twin and the async pair) still return a stale entry at once,
    /// to every caller, and one caller (single-flight) runs its loader to
    /// replace it, returning the fresh value. If that load fails, the old
    /// value stays (until its TTL, if any) and that caller gets it too. A
    /// refresh is not a bound: give the map a capacity, weight or TTL as
    /// well. Plain reads (`get`) return stale entries without reloading.
    ///
    /// Caffeine's `refreshAfterWrite`, without a background executor: the
    /// caller that finds the entry stale does the reload.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let clock = leakless::ManualClock::new();
    /// let prices = leakless::sync::BoundedMap::<&str, u32>::builder()
    ///     .capacity(1_000)
    ///     .refresh_after(Duration::from_secs(60))
    ///     .clock(clock.clone())
    ///     .build();
    /// assert_eq!(prices.get_or_insert_with("tea", || 3), 3);
    /// clock.advance(Duration::from_secs(61));
    /// // Stale: this caller reloads; the old price was served meanwhile.
    /// assert_eq!(prices.get_or_insert_with("tea", || 4), 4);
    /// assert_eq!(prices.get_or_insert_with("tea", || unreachable!()), 4);
    /// ```
    pub fn refresh_after(self, period: Duration) -> Self {
        self.with_inner(|b| b.refresh_after(period))
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
        self.with_inner(|b| b.clock(clock))
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
        self.with_inner(|b| b.weigher(weigher))
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
        self.with_inner(|b| b.on_evict(listener))
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
        self.with_inner(|b| b.name(name))
    }

    /// Hashes keys with `hasher` (for shards and within them). Call it
    /// before [`purge_expired_every`](Self::purge_expired_every), which it
    /// resets.
    ///
    /// Each shard holds a clone, and a read hashes its key once, picking the
    /// shard and probing it with the same hash: clones must hash alike, as
    /// every `BuildHasher` of std and hashbrown does.
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
            // Enrolment is typed by the hasher: `purge_expired_every` must
            // come after `hasher` (its docs say so).
            purge_every: None,
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

    /// Purges expired entries every `period` in the background, on the
    /// process's one maintenance thread (started by the first map that asks,
    /// shared by all of them, exiting when none is left). Without it, expired
    /// entries of a map nobody calls stay stored until its next write (they
    /// are never returned): an idle map would keep their memory.
    ///
    /// The thread holds the map weakly (dropping the map ends its
    /// maintenance) and runs the map's listener, after the shard locks are
    /// released, for what it purges (cause `Expired`); a listener that
    /// panics does not stop the thread. Periods under 1 ms count as 1 ms.
    /// The unsync `BoundedMap` cannot be purged from another thread: call
    /// its `purge_expired` from the owner's idle path.
    ///
    /// The thread must know the map's whole type, so this needs `Send +
    /// Sync + 'static` keys, values and hasher, and comes after
    /// [`hasher`](Self::hasher) in the chain (`hasher` starts the options
    /// of a new map type, without it).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let sessions = leakless::sync::BoundedMap::<u64, String>::builder()
    ///     .capacity(10_000)
    ///     .ttl(Duration::from_secs(30 * 60))
    ///     .purge_expired_every(Duration::from_secs(1))
    ///     .build();
    /// assert!(leakless::sync::maintenance_status().running);
    /// # drop(sessions);
    /// ```
    pub fn purge_expired_every(mut self, period: Duration) -> Self
    where
        K: Hash + Eq + Send + Sync + 'static,
        V: Send + Sync + 'static,
        S: BuildHasher + Send + Sync + 'static,
    {
        self.purge_every = Some((period, enroll::<K, V, S>));
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
        let max_weight = self.inner.weight_bound();
        let n = self.shards.unwrap_or_else(|| default_shards(capacity));
        let (mut engines, listener) = self.inner.build_shards(n);
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
        let shards = engines
            .into_iter()
            .map(|map| ShardCell {
                lock: RwLock::new(Shard {
                    map,
                    flights: super::flight::Flights::new(),
                }),
                reads: ReadLog::default(),
                load: ShardLoad::default(),
            })
            .collect();
        let map = BoundedMap {
            core: Arc::new(Core {
                shards,
                totals: Totals::new(capacity, max_weight),
                listener,
            }),
            hasher,
            mask: n - 1,
            probe,
            exclusive_reads,
        };
        if let Some((period, enroll)) = self.purge_every {
            enroll(&map.core, period);
        }
        map
    }
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
