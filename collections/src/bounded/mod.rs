//! [`BoundedMap`]: a `HashMap` with a bound that holds after every call.
//!
//! This module is the public, std-shaped API only; the engine (table,
//! slab, order, victim, compaction) is `engine`, the builder `builder`,
//! the Entry API `entry`, the iterators `iter`.

mod builder;
mod columns;
mod engine;
mod entry;
mod iter;
mod outbox;

pub(crate) use builder::shares;
pub use builder::{Bounded, Builder, HasBound, NoBound};
pub(crate) use engine::{Engine, Weigher};
pub use entry::{Entry, OccupiedEntry, VacantEntry};
pub use iter::{Drain, IntoIter, Iter, IterMut, Keys, Values, ValuesMut};
pub(crate) use outbox::Held;

use core::borrow::Borrow;
use core::cell::Cell;
use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;
use std::time::Duration;

use hashbrown::DefaultHashBuilder;

#[cfg(doc)]
use crate::EvictionCause;
use crate::{Footprint, Policy, Stats};

/// A hash map with a bound on its entry count and/or total weight, evicting
/// the least recently used entry to stay within it (or, built with
/// [`Policy::TinyLfu`], the entry a scan-resistant policy picks; see
/// [`Builder::policy`]).
///
/// `BoundedMap` keeps `std::collections::HashMap`'s shape (`insert` returns
/// the old value, `get(&self)` returns `&V`, `Borrow` lookups, an Entry API)
/// so that swapping it in for a leaking `HashMap` changes little code. What
/// differs, and why:
///
/// - **The bound.** After every call `len() <= capacity()` and the total
///   weight is at most `max_weight`. Making room evicts the least recent
///   entry; the eviction listener (see [`Builder::on_evict`]) receives it as
///   an owned value.
/// - **Recency.** `get`, `get_mut`, `get_key_value`, `entry` (either branch)
///   and `get_or_insert_with` count as a use and make the entry the most
///   recent; `peek`, `contains_key` and iteration do not. `get` takes `&self`:
///   the recency list is threaded through `Cell`s, so the map is `Send` (when
///   its contents are) but not `Sync`. Use `leakless::sync` maps to share.
/// - **Order.** Iteration and `Debug` go most recent first; `next_back` gives
///   the least recent.
/// - **Memory.** `capacity` is a bound, not an allocation: `new(usize::MAX)`
///   allocates nothing. Storage grows with `len` up to the bound and shrinks
///   again after mass removal (at a quarter full it halves), so a map that
///   once held a million entries does not keep a million entries' memory.
///
/// Values that cannot be admitted (capacity 0, or a value heavier than
/// `max_weight`) are never stored and never flush the rest of the map; see
/// [`insert`](Self::insert) and [`Entry`] for where they go.
///
/// # Examples
///
/// ```
/// use leakless::BoundedMap;
///
/// let mut sessions: BoundedMap<u64, String> = BoundedMap::new(2);
/// sessions.insert(1, "ann".to_string());
/// sessions.insert(2, "bob".to_string());
/// assert_eq!(sessions.get(&1).map(String::as_str), Some("ann")); // 1 is now most recent
/// sessions.insert(3, "cy".to_string()); // full: evicts 2, the least recent
/// assert!(!sessions.contains_key(&2));
/// assert_eq!(sessions.keys().copied().collect::<Vec<_>>(), [3, 1]);
/// ```
pub struct BoundedMap<K, V, S = DefaultHashBuilder> {
    engine: Engine<K, V, S>,
    /// `get(&self)` reorders the recency list through shared cells; two
    /// threads doing that at once would race. This keeps the map `Send`
    /// (when its contents are) but not `Sync`; to share a map, use
    /// [`sync::BoundedMap`](crate::sync::BoundedMap), whose shards read the
    /// same engine under a lock without touching the list.
    not_sync: PhantomData<Cell<()>>,
}

impl<K, V, S> BoundedMap<K, V, S> {
    #[inline]
    pub(crate) fn from_engine(engine: Engine<K, V, S>) -> Self {
        BoundedMap {
            engine,
            not_sync: PhantomData,
        }
    }
}

impl<K, V> BoundedMap<K, V> {
    /// An empty map holding at most `capacity` entries, with the default
    /// (randomly seeded, HashDoS-resistant) hasher.
    ///
    /// Allocates nothing until the first insert; storage grows with `len`.
    /// Capacity 0 is a map that admits nothing (every insert goes straight to
    /// the eviction listener with [`EvictionCause::Size`]).
    ///
    /// *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let m: BoundedMap<u64, u64> = BoundedMap::new(usize::MAX);
    /// assert_eq!(m.capacity(), usize::MAX);
    /// assert_eq!(m.stats().bytes, 0);
    /// ```
    pub fn new(capacity: usize) -> Self {
        BoundedMap::from_engine(Engine::new(capacity))
    }

    /// A [`Builder`] for weight bounds, a hasher or an eviction listener.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let m = BoundedMap::<String, Vec<u8>>::builder()
    ///     .capacity(10_000)
    ///     .max_weight(64 << 20)
    ///     .weigher(|_k, v: &Vec<u8>| v.len() as u64)
    ///     .build();
    /// assert_eq!(m.max_weight(), Some(64 << 20));
    /// ```
    pub fn builder() -> Builder<K, V> {
        Builder::new()
    }
}

impl<K, V, S> BoundedMap<K, V, S> {
    /// An empty map holding at most `capacity` entries, hashing with `hasher`.
    ///
    /// *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    /// use std::collections::hash_map::RandomState;
    ///
    /// let mut m = BoundedMap::with_hasher(8, RandomState::new());
    /// m.insert("k", 1);
    /// assert_eq!(m.get("k"), Some(&1));
    /// ```
    pub fn with_hasher(capacity: usize, hasher: S) -> Self {
        BoundedMap::from_engine(Engine::with_hasher(capacity, hasher))
    }
}

impl<K, V, S> BoundedMap<K, V, S> {
    /// Entries stored. Never more than [`capacity`](Self::capacity); a value
    /// parked by the Entry API is not counted.
    ///
    /// With a time bound, `len` counts the entries stored, which includes
    /// entries that have expired but not been purged yet: they are invisible
    /// to every lookup and iterator, and every `&mut self` call purges a few
    /// of them (more than it can add), so they cannot pile up. For the exact
    /// count of live entries, call [`purge_expired`](Self::purge_expired)
    /// first. The bound holds either way: `len() <= capacity()`.
    ///
    /// *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(2);
    /// for i in 0..10 {
    ///     m.insert(i, i);
    /// }
    /// assert_eq!(m.len(), 2);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.engine.len()
    }

    /// The eviction policy in effect (see [`Builder::policy`]).
    ///
    /// *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::{BoundedMap, Policy};
    ///
    /// let m: BoundedMap<u64, u64> = BoundedMap::new(10);
    /// assert_eq!(m.policy(), Policy::Lru);
    /// ```
    pub fn policy(&self) -> Policy {
        self.engine.policy()
    }

    /// Whether the map holds no entries.
    ///
    /// *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(2);
    /// assert!(m.is_empty());
    /// m.insert(1, 1);
    /// assert!(!m.is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.engine.is_empty()
    }

    /// The name given by [`Builder::name`], if any.
    ///
    /// *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let m = BoundedMap::<u8, u8>::builder().capacity(1).name("tokens").build();
    /// assert_eq!(m.name(), Some("tokens"));
    /// assert_eq!(BoundedMap::<u8, u8>::new(1).name(), None);
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.engine.name()
    }

    /// The count bound: the most entries the map will hold. Not an
    /// allocation; `usize::MAX` when only a weight bound is set. (The slab
    /// indexes with `u32`, so at most `u32::MAX - 1` entries are ever live.)
    ///
    /// *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let m: BoundedMap<u8, u8> = BoundedMap::new(100);
    /// assert_eq!(m.capacity(), 100);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.engine.capacity()
    }

    /// The map's TTL (expire after write), if it has one.
    ///
    /// *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use leakless::BoundedMap;
    ///
    /// let m: BoundedMap<u64, u64> = BoundedMap::builder().ttl(Duration::from_secs(5)).build();
    /// assert_eq!(m.ttl(), Some(Duration::from_secs(5)));
    /// assert_eq!(m.tti(), None);
    /// ```
    pub fn ttl(&self) -> Option<Duration> {
        self.engine.ttl()
    }

    /// The map's TTI (expire after last use), if it has one.
    ///
    /// *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use leakless::BoundedMap;
    ///
    /// let m: BoundedMap<u64, u64> = BoundedMap::builder().tti(Duration::from_secs(5)).build();
    /// assert_eq!(m.tti(), Some(Duration::from_secs(5)));
    /// ```
    pub fn tti(&self) -> Option<Duration> {
        self.engine.tti()
    }

    /// The weight bound, if one was set (`max_weight(u64::MAX)` is no bound).
    ///
    /// *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let m: BoundedMap<u8, u8> = BoundedMap::new(100);
    /// assert_eq!(m.max_weight(), None);
    /// ```
    pub fn max_weight(&self) -> Option<u64> {
        self.engine.max_weight()
    }

    /// The summed weight of live entries. Without a weigher every entry
    /// weighs 1; with one, a weight of 0 counts as 1, so a weight bound is
    /// always a count bound too.
    ///
    /// *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::<u8, String>::builder()
    ///     .max_weight(10)
    ///     .weigher(|_k, v: &String| v.len() as u64)
    ///     .build();
    /// m.insert(1, "four".into());
    /// m.insert(2, "".into());
    /// assert_eq!(m.weight(), 5);
    /// ```
    pub fn weight(&self) -> u64 {
        self.engine.weight()
    }

    /// The map's hasher.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    /// use std::collections::hash_map::RandomState;
    ///
    /// let m: BoundedMap<u8, u8, _> = BoundedMap::with_hasher(1, RandomState::new());
    /// let _: &RandomState = m.hasher();
    /// ```
    pub fn hasher(&self) -> &S {
        self.engine.hasher()
    }

    /// A snapshot of the counters: hits, misses, inserts, updates, evictions
    /// by cause, `len`, `capacity` and the bytes the map has allocated.
    ///
    /// *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(10);
    /// m.insert("a", 1);
    /// m.insert("a", 2);
    /// let s = m.stats();
    /// assert_eq!((s.inserts, s.updates, s.len), (1, 1, 1));
    /// assert!(s.bytes > 0);
    /// ```
    pub fn stats(&self) -> Stats {
        self.engine.stats()
    }

    /// The least recent live entry (the next to be evicted), without
    /// touching recency. Under [`Policy::TinyLfu`] it is the back of the
    /// map's order (main's oldest entry), which the CLOCK may still spare
    /// if it was used since it came there.
    ///
    /// *O*(1), plus any expired entries not yet purged that it steps over
    /// (`&self` cannot purge them).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(3);
    /// m.insert(1, "a");
    /// m.insert(2, "b");
    /// assert_eq!(m.peek_lru(), Some((&1, &"a")));
    /// ```
    pub fn peek_lru(&self) -> Option<(&K, &V)> {
        self.engine.peek_lru()
    }

    /// An iterator over `(&K, &V)`, most recent first. Does not count as a use.
    ///
    /// *O*(1) to create while no entry can have expired: always on a map
    /// without a time bound, otherwise while the clock is before the lower
    /// bound the map keeps on every deadline. Past it (or on a map whose
    /// [`ManualClock`](crate::ManualClock) was ever turned back), creating
    /// one checks every slot, *O*(`len`), to count the expired entries so
    /// that the iterator's length is exact. *O*(1) amortized per step: a step
    /// skips the expired entries it meets.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(3);
    /// m.insert(1, 'a');
    /// m.insert(2, 'b');
    /// let v: Vec<_> = m.iter().collect();
    /// assert_eq!(v, [(&2, &'b'), (&1, &'a')]);
    /// assert_eq!(m.iter().next_back(), Some((&1, &'a')));
    /// ```
    pub fn iter(&self) -> Iter<'_, K, V> {
        self.engine.iter()
    }

    /// An iterator over the keys, most recent first.
    ///
    /// Costs what [`iter`](Self::iter) costs: *O*(1) to create while no entry
    /// can have expired, else *O*(`len`); *O*(1) amortized per step.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(3);
    /// m.insert(1, ());
    /// m.insert(2, ());
    /// assert_eq!(m.keys().collect::<Vec<_>>(), [&2, &1]);
    /// ```
    pub fn keys(&self) -> Keys<'_, K, V> {
        self.engine.keys()
    }

    /// An iterator over the values, most recent first.
    ///
    /// Costs what [`iter`](Self::iter) costs: *O*(1) to create while no entry
    /// can have expired, else *O*(`len`); *O*(1) amortized per step.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(3);
    /// m.insert(1, 'a');
    /// m.insert(2, 'b');
    /// assert_eq!(m.values().collect::<String>(), "ba");
    /// ```
    pub fn values(&self) -> Values<'_, K, V> {
        self.engine.values()
    }

    /// An iterator over `(&K, &mut V)`, most recent first.
    ///
    /// *O*(`len`) to create: it first lays the slab out in recency order so
    /// the iterator can be a plain slice iterator (no `unsafe` needed to hand
    /// out disjoint `&mut`); *O*(1) per step.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(3);
    /// m.insert("a", 1);
    /// m.insert("b", 2);
    /// for (_, v) in m.iter_mut() {
    ///     *v *= 10;
    /// }
    /// assert_eq!(m.peek("a"), Some(&10));
    /// ```
    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        self.engine.iter_mut()
    }

    /// An iterator over mutable values, most recent first.
    ///
    /// *O*(`len`) to create (see [`iter_mut`](Self::iter_mut)), *O*(1) per step.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(3);
    /// m.insert("a", 1);
    /// m.values_mut().for_each(|v| *v += 1);
    /// assert_eq!(m.peek("a"), Some(&2));
    /// ```
    pub fn values_mut(&mut self) -> ValuesMut<'_, K, V> {
        self.engine.values_mut()
    }

    /// Removes every entry and returns them, most recent first. The map is
    /// empty (and has released its memory) as soon as `drain` returns, even
    /// if the iterator is dropped unfinished. Drained entries do not go to
    /// the eviction listener: the caller has them.
    ///
    /// *O*(`len`).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(3);
    /// m.insert(1, 'a');
    /// m.insert(2, 'b');
    /// assert_eq!(m.drain().collect::<Vec<_>>(), [(2, 'b'), (1, 'a')]);
    /// assert!(m.is_empty());
    /// ```
    pub fn drain(&mut self) -> Drain<'_, K, V> {
        self.engine.drain()
    }
}

impl<K, V, S> BoundedMap<K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    /// Removes every entry that has expired, handing each to the eviction
    /// listener with cause [`EvictionCause::Expired`], and returns how many.
    /// For idle-time cleanup and for an exact [`len`](Self::len): expired
    /// entries are invisible from the moment they expire, and every call
    /// that takes `&mut self` purges a few, but only this purges them all.
    ///
    /// *O*(expired) amortized, plus the entries of the timer wheel's current
    /// one-second bucket when per-entry TTLs are in use; *O*(`len`) on a map
    /// whose [`ManualClock`](crate::ManualClock) was ever turned back (the
    /// real clocks never go back). A map without a time bound returns 0 at
    /// once.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use leakless::{BoundedMap, ManualClock};
    ///
    /// let clock = ManualClock::new();
    /// let mut m = BoundedMap::builder()
    ///     .ttl(Duration::from_secs(1))
    ///     .clock(clock.clone())
    ///     .build();
    /// m.extend((0..100).map(|i| (i, i)));
    /// clock.advance(Duration::from_secs(1));
    /// assert_eq!(m.len(), 100); // expired, invisible, not yet purged
    /// assert_eq!(m.purge_expired(), 100);
    /// assert_eq!(m.len(), 0);
    /// ```
    pub fn purge_expired(&mut self) -> usize {
        self.engine.purge_expired()
    }

    /// Inserts `value` under `key` as the most recent entry and returns the
    /// previous value of that key, like `HashMap::insert` (the stored key is
    /// not replaced).
    ///
    /// If the map is full, the least recent entries are evicted to make room
    /// (cause [`EvictionCause::Size`]). A value the bound can never admit
    /// (capacity 0, heavier than `max_weight`) is not stored: it goes to the
    /// listener with cause `Size` (or is dropped), and if `key` was present,
    /// its old entry is removed and returned, so a lookup never sees a value
    /// the caller meant to replace.
    ///
    /// *O*(1) amortized; evicting for weight is *O*(1) per evicted entry.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(10);
    /// assert_eq!(m.insert(37, "a"), None);
    /// assert_eq!(m.insert(37, "b"), Some("a"));
    /// assert_eq!(m[&37], "b");
    /// ```
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.engine.insert(key, value)
    }

    /// [`insert`](Self::insert) with an expiry of its own: the entry expires
    /// `ttl` from now, instead of after the map's TTL (a TTI still applies;
    /// whichever comes first wins). A later `insert` of the key goes back to
    /// the map's TTL (or none). Works on any map: the first call starts the
    /// map's clock (the default [`Clock::coarse`](crate::Clock::coarse) unless the builder set
    /// one).
    ///
    /// `Duration::ZERO` expires the value at once (it is never stored: it
    /// goes to the listener with cause `Expired`, and a present key's old
    /// value is removed and returned); `Duration::MAX` never expires.
    ///
    /// *O*(1) amortized: deadlines live in a hierarchical timer wheel.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use leakless::{BoundedMap, ManualClock};
    ///
    /// let clock = ManualClock::new();
    /// let mut m = BoundedMap::builder().capacity(100).clock(clock.clone()).build();
    /// m.insert_with_ttl("otp", 123_456, Duration::from_secs(30));
    /// m.insert("name", 1); // no TTL: stays
    /// clock.advance(Duration::from_secs(30));
    /// assert_eq!(m.get("otp"), None);
    /// assert_eq!(m.get("name"), Some(&1));
    /// ```
    pub fn insert_with_ttl(&mut self, key: K, value: V, ttl: Duration) -> Option<V> {
        self.engine.insert_with_ttl(key, value, ttl)
    }

    /// Returns a reference to the value of `key`, as a use (the entry becomes
    /// the most recent).
    ///
    /// *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(2);
    /// m.insert(1, "a");
    /// m.insert(2, "b");
    /// assert_eq!(m.get(&1), Some(&"a"));
    /// m.insert(3, "c"); // evicts 2: the get made 1 recent
    /// assert_eq!(m.get(&2), None);
    /// ```
    #[inline]
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.engine.get(key)
    }

    /// Returns the stored key and the value of `key`, as a use.
    ///
    /// *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(2);
    /// m.insert("k".to_string(), 1);
    /// assert_eq!(m.get_key_value("k"), Some((&"k".to_string(), &1)));
    /// ```
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.engine.get_key_value(key)
    }

    /// Returns a mutable reference to the value of `key`, as a use.
    ///
    /// The entry's weight is the one taken when the value was stored; a
    /// change made through this reference is not re-weighed (replace the
    /// value with [`insert`](Self::insert) to re-weigh it).
    ///
    /// *O*(1) amortized: on a map with a time bound it also purges up to four
    /// expired entries, like every `&mut self` call.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(2);
    /// m.insert(1, 10);
    /// *m.get_mut(&1).unwrap() += 1;
    /// assert_eq!(m[&1], 11);
    /// ```
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.engine.get_mut(key)
    }

    /// Returns a reference to the value of `key` without counting a use.
    ///
    /// *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(2);
    /// m.insert(1, "a");
    /// m.insert(2, "b");
    /// assert_eq!(m.peek(&1), Some(&"a"));
    /// m.insert(3, "c"); // 1 is still the least recent
    /// assert_eq!(m.peek(&1), None);
    /// ```
    #[inline]
    pub fn peek<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.engine.peek(key)
    }

    /// Whether `key` is present, without counting a use.
    ///
    /// *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(2);
    /// m.insert(1, ());
    /// assert!(m.contains_key(&1));
    /// assert!(!m.contains_key(&2));
    /// ```
    #[inline]
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.engine.contains_key(key)
    }

    /// Removes `key` and returns its value. Removed values go back to the
    /// caller, not to the eviction listener.
    ///
    /// *O*(1) amortized (it may give memory back, see the type docs).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(2);
    /// m.insert(1, "a");
    /// assert_eq!(m.remove(&1), Some("a"));
    /// assert_eq!(m.remove(&1), None);
    /// ```
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.engine.remove(key)
    }

    /// Removes `key` and returns the stored key and value.
    ///
    /// *O*(1) amortized.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(2);
    /// m.insert("k".to_string(), 1);
    /// assert_eq!(m.remove_entry("k"), Some(("k".to_string(), 1)));
    /// ```
    pub fn remove_entry<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.engine.remove_entry(key)
    }

    /// Removes and returns the least recently used entry (to the caller, not
    /// the listener); under [`Policy::TinyLfu`], the entry at the back of
    /// the map's order (see [`peek_lru`](Self::peek_lru)).
    ///
    /// *O*(1) amortized.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(3);
    /// m.insert(1, "a");
    /// m.insert(2, "b");
    /// assert_eq!(m.pop_lru(), Some((1, "a")));
    /// assert_eq!(m.len(), 1);
    /// ```
    pub fn pop_lru(&mut self) -> Option<(K, V)> {
        self.engine.pop_lru()
    }

    /// Changes the count bound. Shrinking evicts the least recent entries at
    /// once (cause [`EvictionCause::Size`], least recent first) and gives
    /// their memory back.
    ///
    /// *O*(1) plus *O*(1) per evicted entry.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(10);
    /// for i in 0..10 {
    ///     m.insert(i, i);
    /// }
    /// m.set_capacity(3);
    /// assert_eq!(m.keys().copied().collect::<Vec<_>>(), [9, 8, 7]);
    /// ```
    pub fn set_capacity(&mut self, capacity: usize) {
        self.engine.set_capacity(capacity)
    }

    /// Changes the bound on total weight, evicting least recent entries
    /// (cause [`EvictionCause::Size`], to the listener) until the rest fits.
    /// On a map built without a weight bound, entries weigh what the
    /// weigher says, or 1 each without one, from now on.
    ///
    /// *O*(1) plus *O*(1) per evicted entry; *O*(`len`) the first time on a
    /// map that was not weighing its entries.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::<u8, String>::builder()
    ///     .max_weight(100)
    ///     .weigher(|_, v: &String| v.len() as u64)
    ///     .build();
    /// m.insert(1, "a".repeat(40));
    /// m.insert(2, "b".repeat(40));
    /// m.set_max_weight(50);
    /// assert_eq!(m.keys().copied().collect::<Vec<_>>(), [2]);
    /// assert_eq!(m.max_weight(), Some(50));
    /// ```
    pub fn set_max_weight(&mut self, max_weight: u64) {
        self.engine.set_max_weight(max_weight)
    }

    /// Removes every entry, handing each to the listener with cause
    /// [`EvictionCause::Explicit`] (least recent first), and releases the
    /// map's memory.
    ///
    /// *O*(`len`).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(3);
    /// m.insert(1, 1);
    /// m.clear();
    /// assert!(m.is_empty());
    /// assert_eq!(m.stats().bytes, 0);
    /// ```
    pub fn clear(&mut self) {
        self.engine.clear()
    }

    /// Keeps only the entries for which `keep` returns true, visiting them
    /// most recent first; survivors keep their order. Removed entries go to
    /// the listener with cause [`EvictionCause::Explicit`], least recent first.
    ///
    /// `keep` runs on every entry before anything is removed, so if it panics
    /// the map is left whole (with whatever it did through `&mut V`).
    ///
    /// *O*(`len`).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(10);
    /// for i in 0..6 {
    ///     m.insert(i, i * 10);
    /// }
    /// m.retain(|k, _| k % 2 == 0);
    /// assert_eq!(m.keys().copied().collect::<Vec<_>>(), [4, 2, 0]);
    /// ```
    pub fn retain<F>(&mut self, keep: F)
    where
        F: FnMut(&K, &mut V) -> bool,
    {
        self.engine.retain(keep)
    }

    /// The entry for `key`, for in-place insert-or-update. Counts as a use
    /// whichever branch it takes: an occupied entry becomes the most recent
    /// at once, a vacant one when a value is inserted.
    ///
    /// *O*(1) amortized (on a map with a time bound it also purges up to four
    /// expired entries), plus the insert's cost if the vacant branch inserts.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut words: BoundedMap<&str, u32> = BoundedMap::new(100);
    /// for w in "the cat the hat".split(' ') {
    ///     *words.entry(w).or_insert(0) += 1;
    /// }
    /// assert_eq!(words[&"the"], 2);
    /// ```
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V, S> {
        self.engine.entry(key)
    }

    /// Returns the value of `key`, inserting `make()` first if it is absent;
    /// either way it counts as a use.
    ///
    /// `make` runs before anything changes, so a panicking `make` leaves the
    /// map as it was. If the bound cannot admit the new value (capacity 0, or
    /// heavier than `max_weight`), it is parked outside the map: the returned
    /// reference is valid, but lookups do not see it, `len` does not count
    /// it, and it goes to the listener with cause `Size` at the next call
    /// that takes `&mut self`, or when the map is dropped.
    ///
    /// *O*(1) amortized.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(10);
    /// assert_eq!(*m.get_or_insert_with(1, || "computed"), "computed");
    /// assert_eq!(*m.get_or_insert_with(1, || unreachable!()), "computed");
    /// ```
    pub fn get_or_insert_with<F>(&mut self, key: K, make: F) -> &V
    where
        F: FnOnce() -> V,
    {
        self.engine.get_or_insert_with(key, make)
    }
}

impl<K, V, S> Footprint for BoundedMap<K, V, S>
where
    K: Footprint,
    V: Footprint,
{
    /// The map's own allocations plus what every key and value owns, and
    /// the weigher's and listener's `Arc` blocks while this map alone keeps
    /// them alive (a clone shares them).
    ///
    /// *O*(`len`), or *O*(1) when keys and values own no heap (the per-entry
    /// sum then folds away).
    fn footprint(&self) -> usize {
        self.engine.footprint()
    }
}

impl<K, V, S> Clone for BoundedMap<K, V, S>
where
    K: Clone,
    V: Clone,
    S: Clone,
{
    /// A deep copy with the same bound, order and counters; the clone shares
    /// the weigher and listener. A parked value is not cloned (it belongs to
    /// the original's listener).
    fn clone(&self) -> Self {
        BoundedMap::from_engine(self.engine.clone())
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for BoundedMap<K, V, S> {
    /// Entries most recent first, like `HashMap`'s `{k: v, ..}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K, V, S> Extend<(K, V)> for BoundedMap<K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    /// Inserts every pair in order. A value overwritten here is not handed
    /// back, so it goes to the listener with cause
    /// [`EvictionCause::Replaced`].
    fn extend<T: IntoIterator<Item = (K, V)>>(&mut self, iter: T) {
        self.engine.extend(iter);
    }
}

impl<K, Q, V, S> core::ops::Index<&Q> for BoundedMap<K, V, S>
where
    K: Hash + Eq + Borrow<Q>,
    Q: Hash + Eq + ?Sized,
    S: BuildHasher,
{
    type Output = V;

    /// The value of `key`, as a use, like [`get`](BoundedMap::get).
    ///
    /// # Panics
    ///
    /// If `key` is not present, like `HashMap`'s `Index`.
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("BoundedMap: no entry found for key")
    }
}

impl<K: PartialEq, V: PartialEq, S> PartialEq for BoundedMap<K, V, S> {
    /// Equal when both hold the same entries in the same recency order.
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl<K: Eq, V: Eq, S> Eq for BoundedMap<K, V, S> {}

impl<'a, K, V, S> IntoIterator for &'a BoundedMap<K, V, S> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;

    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}

impl<'a, K, V, S> IntoIterator for &'a mut BoundedMap<K, V, S> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, K, V>;

    fn into_iter(self) -> IterMut<'a, K, V> {
        self.iter_mut()
    }
}

impl<K, V, S> IntoIterator for BoundedMap<K, V, S> {
    type Item = (K, V);
    type IntoIter = IntoIter<K, V>;

    /// Every entry, most recent first, to the caller (not the listener).
    fn into_iter(mut self) -> IntoIter<K, V> {
        self.engine.take_all()
    }
}
