//! [`Builder`]: every knob of a [`BoundedMap`], and no way to build one
//! without a bound.

use core::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use hashbrown::DefaultHashBuilder;

use super::{BoundedMap, Engine};
use crate::clock::Clock;
use crate::eviction::Listener;
use crate::expiry::Expiry;
use crate::{EvictionCause, Policy};

use super::Weigher;

/// Type state of a [`Builder`] that has no bound yet: `build` is not
/// available, because a map without a bound is the leak this crate exists to
/// prevent.
#[derive(Debug)]
pub struct NoBound(());

/// Type state of a [`Builder`] that has a bound: `build` is available.
#[derive(Debug)]
pub struct HasBound(());

/// Implemented by the builder states that may build.
#[diagnostic::on_unimplemented(
    message = "a `BoundedMap` needs a bound before `build`: without one it would grow forever",
    label = "no bound set before this `build`",
    note = "call `.capacity(n)`, `.max_weight(n)`, `.ttl(d)` or `.tti(d)` before `.build()`"
)]
pub trait Bounded: sealed::Sealed {}
impl Bounded for HasBound {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::HasBound {}
}

/// A map's shards and the listener kept apart from them.
pub(crate) type Shards<K, V, S> = (Vec<Engine<K, V, S>>, Option<Listener<K, V>>);

/// Configures a [`BoundedMap`]: its count bound, weight bound and weigher,
/// time bounds (TTL, TTI) and clock, eviction listener and hasher.
///
/// `build` exists only once a bound is set (`capacity`, `max_weight`, `ttl`
/// or `tti`);
/// calling it earlier is a compile error that says so.
///
/// # Examples
///
/// ```
/// use leakless::{BoundedMap, EvictionCause};
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use std::sync::Arc;
///
/// let evicted_bytes = Arc::new(AtomicU64::new(0));
/// let counter = Arc::clone(&evicted_bytes);
/// let mut blobs = BoundedMap::<String, Vec<u8>>::builder()
///     .capacity(10_000)
///     .max_weight(1024)
///     .weigher(|_k, v: &Vec<u8>| v.len() as u64)
///     .on_evict(move |_k, v: Vec<u8>, cause| {
///         assert_eq!(cause, EvictionCause::Size);
///         counter.fetch_add(v.len() as u64, Ordering::Relaxed);
///     })
///     .build();
/// blobs.insert("a".into(), vec![0; 600]);
/// blobs.insert("b".into(), vec![0; 600]); // a must go: 1200 > 1024
/// assert_eq!(evicted_bytes.load(Ordering::Relaxed), 600);
/// assert_eq!(blobs.weight(), 600);
/// ```
///
/// Forgetting the bound does not compile:
///
/// ```compile_fail
/// let m = leakless::BoundedMap::<u64, u64>::builder().build();
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct Builder<K, V, S = DefaultHashBuilder, B = NoBound> {
    capacity: Option<usize>,
    max_weight: Option<u64>,
    weigher: Option<Weigher<K, V>>,
    listener: Option<Listener<K, V>>,
    ttl: Option<Duration>,
    tti: Option<Duration>,
    clock: Option<Clock>,
    name: Option<Arc<str>>,
    policy: Policy,
    /// The sync map's refresh period (`sync::Builder::refresh_after`).
    refresh: Option<Duration>,
    hasher: S,
    state: PhantomData<fn() -> B>,
}

impl<K, V> Builder<K, V> {
    pub(super) fn new() -> Self {
        Builder {
            capacity: None,
            max_weight: None,
            weigher: None,
            listener: None,
            ttl: None,
            tti: None,
            clock: None,
            name: None,
            policy: Policy::Lru,
            refresh: None,
            hasher: DefaultHashBuilder::default(),
            state: PhantomData,
        }
    }
}

impl<K, V, S, B> Builder<K, V, S, B> {
    fn with_state<B2>(self) -> Builder<K, V, S, B2> {
        Builder {
            capacity: self.capacity,
            max_weight: self.max_weight,
            weigher: self.weigher,
            listener: self.listener,
            ttl: self.ttl,
            tti: self.tti,
            clock: self.clock,
            name: self.name,
            policy: self.policy,
            refresh: self.refresh,
            hasher: self.hasher,
            state: PhantomData,
        }
    }

    /// The most entries the map holds. Not an allocation: memory grows with
    /// `len`. 0 is a map that admits nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::BoundedMap::<u64, u64>::builder().capacity(5).build();
    /// assert_eq!(m.capacity(), 5);
    /// ```
    pub fn capacity(mut self, capacity: usize) -> Builder<K, V, S, HasBound> {
        self.capacity = Some(capacity);
        self.with_state()
    }

    /// The most total weight the map holds, weights coming from
    /// [`weigher`](Self::weigher) (every entry weighs 1 without one). An
    /// entry always weighs at least 1, so the weight bound also bounds the
    /// count. A value heavier than `max_weight` is refused (see
    /// [`BoundedMap::insert`]); `u64::MAX` is the same as no weight bound.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::BoundedMap::<u64, String>::builder()
    ///     .max_weight(1 << 20)
    ///     .weigher(|_k, v: &String| v.len() as u64)
    ///     .build();
    /// assert_eq!(m.capacity(), usize::MAX);
    /// ```
    pub fn max_weight(mut self, max_weight: u64) -> Builder<K, V, S, HasBound> {
        self.max_weight = Some(max_weight);
        self.with_state()
    }

    /// How much of `max_weight` an entry uses. Called once when a value is
    /// stored or replaced (before the map changes, so a panicking weigher
    /// leaves it as it was); 0 counts as 1.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::BoundedMap::<String, String>::builder()
    ///     .max_weight(100)
    ///     .weigher(|k: &String, v: &String| (k.len() + v.len()) as u64)
    ///     .build();
    /// # drop(m);
    /// ```
    pub fn weigher<F>(mut self, weigher: F) -> Self
    where
        F: Fn(&K, &V) -> u64 + Send + Sync + 'static,
    {
        self.weigher = Some(Arc::new(weigher));
        self
    }

    /// Called with every entry the map lets go of without handing it back to
    /// the caller: evicted or refused by the bound ([`EvictionCause::Size`]),
    /// overwritten by `extend` (`Replaced`), removed by `clear` or `retain`
    /// (`Explicit`). It receives owned values, least recent first, after the
    /// map is consistent and before the call that evicted returns.
    ///
    /// Not called for entries returned to the caller (`insert`'s old value,
    /// `remove`, `pop_lru`, `drain`, `into_iter`) or dropped with the map.
    /// A panicking listener leaves the map consistent; the entries it did not
    /// receive are dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    ///
    /// let log = Arc::new(Mutex::new(Vec::new()));
    /// let sink = Arc::clone(&log);
    /// let mut m = leakless::BoundedMap::builder()
    ///     .capacity(2)
    ///     .on_evict(move |k: i32, v: i32, cause| sink.lock().unwrap().push((k, v, cause)))
    ///     .build();
    /// m.extend([(1, 1), (2, 2), (3, 3)]);
    /// assert_eq!(log.lock().unwrap().len(), 1);
    /// ```
    pub fn on_evict<F>(mut self, listener: F) -> Self
    where
        F: Fn(K, V, EvictionCause) + Send + Sync + 'static,
    {
        self.listener = Some(Arc::new(listener));
        self
    }

    /// Entries expire `ttl` after they were last written (inserted or
    /// replaced); reads do not extend it. A time bound on its own is a valid
    /// bound: a map with only a TTL holds what was written in the last
    /// `ttl`.
    ///
    /// An expired entry is invisible at once (no lookup, iteration or
    /// `entry` returns it), and is purged a few at a time by every call that
    /// takes `&mut self`, or all at once by
    /// [`purge_expired`](BoundedMap::purge_expired); it goes to the listener
    /// with cause [`Expired`](crate::EvictionCause::Expired).
    /// `Duration::ZERO` expires every write at once (it is never stored);
    /// `Duration::MAX` never expires. *O*(1) amortized per write: a write-order log.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use leakless::{BoundedMap, ManualClock};
    ///
    /// let clock = ManualClock::new();
    /// let mut m = BoundedMap::builder()
    ///     .ttl(Duration::from_secs(60))
    ///     .clock(clock.clone())
    ///     .build();
    /// m.insert("token", 7);
    /// clock.advance(Duration::from_secs(59));
    /// assert_eq!(m.get("token"), Some(&7)); // a read does not extend a TTL
    /// clock.advance(Duration::from_secs(1));
    /// assert_eq!(m.get("token"), None);
    /// ```
    pub fn ttl(mut self, ttl: Duration) -> Builder<K, V, S, HasBound> {
        self.ttl = Some(ttl);
        self.with_state()
    }

    /// Entries expire `tti` after they were last used: written, or read by
    /// a call that counts as a use (`get`, `get_mut`, `get_key_value`,
    /// `entry`, `get_or_insert_with`; not `peek`, `contains_key` or
    /// iteration, which do not touch recency either). With
    /// [`ttl`](Self::ttl) too, an entry expires at whichever comes first.
    /// `Duration::ZERO` and `Duration::MAX` mean what they do for `ttl`.
    /// *O*(1) per use: the recency list is the access order.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use leakless::{BoundedMap, ManualClock};
    ///
    /// let clock = ManualClock::new();
    /// let mut m = BoundedMap::builder()
    ///     .tti(Duration::from_secs(10))
    ///     .clock(clock.clone())
    ///     .build();
    /// m.insert("session", 1);
    /// for _ in 0..5 {
    ///     clock.advance(Duration::from_secs(9));
    ///     assert_eq!(m.get("session"), Some(&1)); // each use restarts it
    /// }
    /// clock.advance(Duration::from_secs(10));
    /// assert_eq!(m.get("session"), None);
    /// ```
    pub fn tti(mut self, tti: Duration) -> Builder<K, V, S, HasBound> {
        self.tti = Some(tti);
        self.with_state()
    }

    /// The time source for expiry: a [`ManualClock`](crate::ManualClock)
    /// in tests, [`Clock::precise`] for exact deadlines, or the default
    /// [`Clock::coarse`] (millisecond resolution, one atomic load a read).
    /// A map without a time bound never reads its clock.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use leakless::{BoundedMap, ManualClock};
    ///
    /// let clock = ManualClock::new();
    /// let m: BoundedMap<u64, u64> = BoundedMap::builder()
    ///     .capacity(100)
    ///     .ttl(Duration::from_secs(1))
    ///     .clock(clock.clone())
    ///     .build();
    /// # drop(m);
    /// ```
    pub fn clock(mut self, clock: impl Into<Clock>) -> Self {
        self.clock = Some(clock.into());
        self
    }

    /// A name for the map: it shows up in [`registry::report`](crate::registry::report)
    /// (size, bytes, evictions, growth) for as long as it lives. Names need
    /// not be unique. A named map publishes its counters at the end of each
    /// mutating call (a few relaxed stores); an unnamed one pays nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::BoundedMap::<u64, u64>::builder()
    ///     .capacity(10)
    ///     .name("sessions")
    ///     .build();
    /// assert_eq!(m.name(), Some("sessions"));
    /// ```
    pub fn name(mut self, name: impl Into<Arc<str>>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// How a full map chooses what to evict: [`Policy::Lru`] (the default)
    /// or the scan-resistant [`Policy::TinyLfu`]; see [`Policy`] for the
    /// measured trade-off. A map with a [`tti`](Self::tti) keeps LRU order
    /// whatever this says: its idle queue is the recency list.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::{BoundedMap, Policy};
    ///
    /// let m = BoundedMap::<u64, u64>::builder()
    ///     .capacity(10_000)
    ///     .policy(Policy::TinyLfu)
    ///     .build();
    /// assert_eq!(m.policy(), Policy::TinyLfu);
    /// ```
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Hashes keys with `hasher` instead of the default (randomly seeded,
    /// HashDoS-resistant) one.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    ///
    /// let m = leakless::BoundedMap::<u64, u64>::builder()
    ///     .hasher(RandomState::new())
    ///     .capacity(10)
    ///     .build();
    /// # drop(m);
    /// ```
    pub fn hasher<S2>(self, hasher: S2) -> Builder<K, V, S2, B> {
        Builder {
            capacity: self.capacity,
            max_weight: self.max_weight,
            weigher: self.weigher,
            listener: self.listener,
            ttl: self.ttl,
            tti: self.tti,
            clock: self.clock,
            name: self.name,
            policy: self.policy,
            refresh: self.refresh,
            hasher,
            state: PhantomData,
        }
    }

    /// The configured map. Allocates nothing until the first insert.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = leakless::BoundedMap::builder().capacity(1).build();
    /// m.insert(1, 2);
    /// assert_eq!(m.len(), 1);
    /// ```
    pub fn build(self) -> BoundedMap<K, V, S>
    where
        B: Bounded,
    {
        let mut map = Engine::from_parts(
            self.capacity.unwrap_or(usize::MAX),
            self.max_weight,
            self.weigher,
            self.listener,
            Expiry::new(self.ttl, self.tti, self.clock),
            self.hasher,
        );
        map.set_policy(self.policy);
        if let Some(name) = self.name {
            map.attach_probe(crate::registry::register(name, "BoundedMap", 1), 0);
        }
        BoundedMap::from_engine(map)
    }

    /// The name set so far, taken out (the sync map keeps it once, not per
    /// shard).
    pub(crate) fn take_name(&mut self) -> Option<Arc<str>> {
        self.name.take()
    }

    /// Entries become stale `period` after their last write (read by the
    /// sync map's loading calls, which reload stale entries).
    pub(crate) fn refresh_after(mut self, period: Duration) -> Self {
        self.refresh = Some(period);
        self
    }

    /// The count bound set so far (`usize::MAX` for none).
    pub(crate) fn capacity_bound(&self) -> usize {
        self.capacity.unwrap_or(usize::MAX)
    }

    /// The weight bound set so far (`u64::MAX` for none).
    pub(crate) fn weight_bound(&self) -> u64 {
        self.max_weight.unwrap_or(u64::MAX)
    }

    /// The map split into `n` shards, each bounded by the whole bound and
    /// holding its evictions for the owner, and the listener apart: the
    /// sync map calls it after releasing a shard's lock.
    pub(crate) fn build_shards(self, n: usize) -> Shards<K, V, S>
    where
        S: Clone,
    {
        let clock = (self.ttl.is_some() || self.tti.is_some() || self.refresh.is_some())
            .then(|| self.clock.clone().unwrap_or_default())
            .or(self.clock.clone());
        let capacity = self.capacity.unwrap_or(usize::MAX);
        let shares = shares(capacity, self.max_weight.unwrap_or(u64::MAX), n);
        let shards = shares
            .map(|(slots, weight)| {
                // Every shard is bounded by the whole map's bound (a shard
                // may hold more than its share while the map has room; the
                // sync map evicts when the total reaches the bound), and
                // sizes its policy's queues by its share.
                let mut map = Engine::from_parts(
                    capacity,
                    self.max_weight,
                    self.weigher.clone(),
                    None,
                    Expiry::with_refresh(self.ttl, self.tti, self.refresh, clock.clone()),
                    self.hasher.clone(),
                );
                map.set_policy(self.policy);
                map.set_share(slots, weight);
                map.hold_evictions();
                map
            })
            .collect();
        (shards, self.listener)
    }
}

/// Each of `n` shards' share of a count and a weight bound: equal parts
/// that add up to the bound exactly (the first `bound % n` get one more);
/// an unlimited bound stays unlimited in every share.
pub(crate) fn shares(
    capacity: usize,
    max_weight: u64,
    n: usize,
) -> impl Iterator<Item = (usize, u64)> {
    let split = move |total: u64, i: u64| {
        if total == u64::MAX {
            total
        } else {
            total / n as u64 + u64::from(i < total % n as u64)
        }
    };
    (0..n as u64).map(move |i| {
        let slots = if capacity == usize::MAX {
            capacity
        } else {
            split(capacity as u64, i) as usize
        };
        (slots, split(max_weight, i))
    })
}
