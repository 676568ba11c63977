//! The engine behind [`BoundedMap`](super::BoundedMap) and each shard of
//! [`sync::BoundedMap`](crate::sync::BoundedMap).
//!
//! Layout (quick_cache's, in safe code): entries live in a dense `Vec` slab,
//! linked into recency order by `u32` indices, and are found through a
//! `hashbrown::HashTable<u32>` of slab indices. There is no allocation per
//! entry and no free list: a removal moves the last slot into the hole, so
//! the slab has no vacant slots, needs no per-slot tag, and can give memory
//! back with a plain `shrink_to`.
//!
//! The engine is `Sync` (its `&self` recency updates go through relaxed
//! cells), so a shard can be read under a shared lock; the public unsync
//! map wraps it in a type that is not, because two threads calling its
//! `get(&self)` at once would race on the recency list.

use core::borrow::Borrow;
use core::hash::{BuildHasher, Hash};
use core::mem;
use std::sync::Arc;
use std::time::Duration;

use hashbrown::{DefaultHashBuilder, HashTable};

use super::columns::{Column, Columns, Weights};
use super::outbox::{Held, Outbox};
use super::{
    Drain, Entry, IntoIter, Iter, IterMut, Keys, OccupiedEntry, VacantEntry, Values, ValuesMut,
};
use crate::clock::NEVER;
use crate::compact;
use crate::eviction::Listener;
use crate::expiry::Expiry;
use crate::list::{Link, Links, List, MAX_SLOTS, NIL};
use crate::policy::{Bounds, TinyLfu};
use crate::registry::{Probe, Registration};
use crate::relaxed::RelaxedU64;
use crate::shrink;
use crate::{EvictionCause, Footprint, Policy, Stats};

/// A shared weigher: how much of `max_weight` an entry uses.
pub(crate) type Weigher<K, V> = Arc<dyn Fn(&K, &V) -> u64 + Send + Sync>;

/// One entry of the slab.
#[derive(Clone)]
pub(crate) struct Slot<K, V> {
    pub(crate) key: K,
    pub(crate) value: V,
    pub(crate) link: Link,
}

impl<K, V> Links for [Slot<K, V>] {
    #[inline]
    fn link(&self, i: u32) -> &Link {
        &self[i as usize].link
    }
}

/// A bounded hash map: the table, the slab, the order, the columns kept
/// parallel to the slab (weights, expiry, policy metadata) and the
/// eviction outbox. Every public behaviour is documented on
/// [`BoundedMap`](super::BoundedMap).
pub(crate) struct Engine<K, V, S = DefaultHashBuilder> {
    /// Evicted entries, counted, waiting for the listener until the map is
    /// consistent; and a value the Entry API lent out but could not store.
    /// First, so that dropping the map hands a parked value to the listener
    /// before any stored value drops (as a `Drop` of the map's own would).
    outbox: Outbox<K, V>,
    table: HashTable<u32>,
    pub(super) slots: Vec<Slot<K, V>>,
    /// Weights, expiry and policy bits, one row per slot.
    cols: Columns,
    order: List,
    hasher: S,
    capacity: usize,
    max_weight: u64,
    /// For a shard of the sync map, its share of the map's bounds, which
    /// the policy sizes its queues by (the shard may exceed it while the map
    /// as a whole has room); `None`: the map's own bounds.
    share: Option<(usize, u64)>,
    weigher: Option<Weigher<K, V>>,
    /// Set for a named map (see [`Builder::name`]): where it publishes
    /// its counters for `leakless::registry`, and as which shard.
    registration: Registration,
    hits: RelaxedU64,
    misses: RelaxedU64,
    inserts: u64,
    updates: u64,
}

/// Expired entries every `&mut self` call purges (when that many are due):
/// more than the one entry a call can add, so a backlog always shrinks.
const PURGE_PER_CALL: usize = 4;

/// When a write happens and when it will expire.
#[derive(Clone, Copy)]
struct WriteTime {
    now: u64,
    deadline: u64,
    /// A per-entry TTL (filed in the timer wheel), not the map's own.
    per_entry: bool,
}

/// The table's rehash function: hashes the key of the slot an index names.
#[inline]
fn rehasher<'a, K: Hash, V, S: BuildHasher>(
    hasher: &'a S,
    slots: &'a [Slot<K, V>],
) -> impl Fn(&u32) -> u64 + 'a {
    move |&i| hasher.hash_one(&slots[i as usize].key)
}

impl<K, V> Engine<K, V> {
    /// See [`BoundedMap::new`](super::BoundedMap::new).
    pub(crate) fn new(capacity: usize) -> Self {
        Self::with_hasher(capacity, DefaultHashBuilder::default())
    }
}

impl<K, V, S> Engine<K, V, S> {
    /// See [`BoundedMap::with_hasher`](super::BoundedMap::with_hasher).
    pub(crate) fn with_hasher(capacity: usize, hasher: S) -> Self {
        Self::from_parts(
            capacity,
            None,
            None,
            None,
            Expiry::new(None, None, None),
            hasher,
        )
    }
}

impl<K, V, S> Engine<K, V, S> {
    pub(crate) fn from_parts(
        capacity: usize,
        max_weight: Option<u64>,
        weigher: Option<Weigher<K, V>>,
        listener: Option<Listener<K, V>>,
        expiry: Expiry,
        hasher: S,
    ) -> Self {
        Engine {
            table: HashTable::new(),
            slots: Vec::new(),
            cols: Columns {
                weights: Weights::new(max_weight.is_some() || weigher.is_some()),
                expiry,
                lfu: None,
            },
            order: List::default(),
            hasher,
            capacity,
            max_weight: max_weight.unwrap_or(u64::MAX),
            share: None,
            weigher,
            outbox: Outbox::new(listener),
            registration: Registration::default(),
            hits: RelaxedU64::new(0),
            misses: RelaxedU64::new(0),
            inserts: 0,
            updates: 0,
        }
    }

    /// See [`BoundedMap::len`](super::BoundedMap::len).
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Chooses the eviction policy of a map that is still empty (builders
    /// call it). A map with a TTI stays LRU: its idle queue is the recency
    /// list.
    /// The bounds the policy and the slab's growth go by: the map's own,
    /// or a sync-map shard's share of its map's.
    #[inline]
    fn share(&self) -> (usize, u64) {
        self.share.unwrap_or((self.capacity, self.max_weight))
    }

    /// For a sync-map shard: the share of the map's bounds its policy sizes
    /// its queues by.
    pub(crate) fn set_share(&mut self, slots: usize, weight: u64) {
        self.share = Some((slots, weight));
    }

    pub(crate) fn set_policy(&mut self, policy: Policy) {
        debug_assert!(self.slots.is_empty());
        self.cols.lfu = match policy {
            Policy::TinyLfu if self.cols.expiry.tti().is_none() => Some(TinyLfu::new()),
            _ => None,
        };
    }

    /// See [`BoundedMap::policy`](super::BoundedMap::policy).
    pub(crate) fn policy(&self) -> Policy {
        if self.cols.lfu.is_some() {
            Policy::TinyLfu
        } else {
            Policy::Lru
        }
    }

    /// See [`BoundedMap::is_empty`](super::BoundedMap::is_empty).
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// See [`BoundedMap::name`](super::BoundedMap::name).
    pub(crate) fn name(&self) -> Option<&str> {
        self.registration.name()
    }

    /// Makes this map (or shard `shard` of a sync map) publish its counters
    /// to `probe`, and publishes them now.
    pub(crate) fn attach_probe(&mut self, probe: Arc<Probe>, shard: usize) {
        probe.publish(shard, &self.stats());
        self.registration = Registration::new(probe, shard);
    }

    /// See [`BoundedMap::capacity`](super::BoundedMap::capacity).
    #[inline]
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// See [`BoundedMap::ttl`](super::BoundedMap::ttl).
    pub(crate) fn ttl(&self) -> Option<Duration> {
        self.cols.expiry.ttl()
    }

    /// See [`BoundedMap::tti`](super::BoundedMap::tti).
    pub(crate) fn tti(&self) -> Option<Duration> {
        self.cols.expiry.tti()
    }

    /// See [`BoundedMap::max_weight`](super::BoundedMap::max_weight).
    pub(crate) fn max_weight(&self) -> Option<u64> {
        (self.max_weight != u64::MAX).then_some(self.max_weight)
    }

    /// See [`BoundedMap::weight`](super::BoundedMap::weight).
    pub(crate) fn weight(&self) -> u64 {
        if self.cols.weights.is_on() {
            self.cols.weights.total()
        } else {
            self.slots.len() as u64
        }
    }

    /// See [`BoundedMap::hasher`](super::BoundedMap::hasher).
    pub(crate) fn hasher(&self) -> &S {
        &self.hasher
    }

    /// Bytes the map itself has allocated: table, slab and bookkeeping, not
    /// what keys and values own on the heap.
    fn own_bytes(&self) -> usize {
        self.table.allocation_size()
            + self.slots.capacity() * mem::size_of::<Slot<K, V>>()
            + self.cols.heap_bytes()
            + self.outbox.heap_bytes()
    }

    /// See [`BoundedMap::stats`](super::BoundedMap::stats).
    pub(crate) fn stats(&self) -> Stats {
        Stats {
            hits: self.hits.get(),
            misses: self.misses.get(),
            inserts: self.inserts,
            updates: self.updates,
            evictions: self.outbox.evictions(),
            len: self.len(),
            // A sync-map shard reports its share, so that the shards'
            // figures (as the registry sums them) add up to the map's bound.
            capacity: self.share().0,
            bytes: self.own_bytes(),
        }
    }

    /// See [`BoundedMap::peek_lru`](super::BoundedMap::peek_lru).
    pub(crate) fn peek_lru(&self) -> Option<(&K, &V)> {
        let now = self.cols.expiry.now();
        let mut t = self.order.tail();
        while t != NIL && self.cols.expiry.is_expired(t, now) {
            t = self.slots[t as usize].link.prev();
        }
        (t != NIL).then(|| {
            let s = &self.slots[t as usize];
            (&s.key, &s.value)
        })
    }

    /// See [`BoundedMap::iter`](super::BoundedMap::iter).
    pub(crate) fn iter(&self) -> Iter<'_, K, V> {
        Iter::new(&self.slots, &self.order, &self.cols.expiry)
    }

    /// See [`BoundedMap::keys`](super::BoundedMap::keys).
    pub(crate) fn keys(&self) -> Keys<'_, K, V> {
        Keys { inner: self.iter() }
    }

    /// See [`BoundedMap::values`](super::BoundedMap::values).
    pub(crate) fn values(&self) -> Values<'_, K, V> {
        Values { inner: self.iter() }
    }

    /// See [`BoundedMap::iter_mut`](super::BoundedMap::iter_mut).
    pub(crate) fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        self.unpark();
        self.drop_expired();
        self.deliver();
        self.lay_out_in_order();
        IterMut {
            inner: self.slots.iter_mut(),
        }
    }

    /// See [`BoundedMap::values_mut`](super::BoundedMap::values_mut).
    pub(crate) fn values_mut(&mut self) -> ValuesMut<'_, K, V> {
        ValuesMut {
            inner: self.iter_mut(),
        }
    }

    /// See [`BoundedMap::drain`](super::BoundedMap::drain).
    pub(crate) fn drain(&mut self) -> Drain<'_, K, V> {
        Drain {
            inner: self.take_all(),
            _map: core::marker::PhantomData,
        }
    }

    /// Removes the entries whose `fate` is a cause, handing them to the
    /// eviction machinery least recent first; the rest keep their order.
    /// The slab must be laid out in order. Runs no user code but drops.
    /// *O*(`len`).
    fn compact(&mut self, fate: &[Option<EvictionCause>]) {
        debug_assert_eq!(fate.len(), self.slots.len());
        let Some(new_index) = compact::close_up(&mut self.table, fate.iter().map(Option::is_none))
        else {
            return;
        };
        self.cols.retain(&new_index);
        let mut f = fate.iter();
        let removed: Vec<Slot<K, V>> = self
            .slots
            .extract_if(.., |_| f.next().is_some_and(Option::is_some))
            .collect();
        self.order
            .link_in_index_order(&self.slots[..], self.slots.len());
        let causes: Vec<EvictionCause> = fate.iter().filter_map(|f| *f).collect();
        for (slot, cause) in removed.into_iter().zip(causes).rev() {
            self.evict(slot.key, slot.value, cause);
        }
    }

    /// Removes every expired entry (cause `Expired`) without hashing, for
    /// the calls that are *O*(`len`) anyway. Returns how many.
    fn drop_expired(&mut self) -> usize {
        if !self.cols.expiry.active() {
            return 0;
        }
        let now = self.cols.expiry.now();
        let len = self.slots.len() as u32;
        if !(0..len).any(|i| self.cols.expiry.is_expired(i, now)) {
            return 0;
        }
        // Slots move as the slab is laid out: the fate is read after.
        self.lay_out_in_order();
        let fate: Vec<Option<EvictionCause>> = (0..len)
            .map(|i| {
                self.cols
                    .expiry
                    .is_expired(i, now)
                    .then_some(EvictionCause::Expired)
            })
            .collect();
        self.compact(&fate);
        fate.iter().filter(|f| f.is_some()).count()
    }

    /// Takes every entry out, most recent first, leaving the map empty with
    /// its allocations released. Expired entries go to the listener instead.
    pub(super) fn take_all(&mut self) -> IntoIter<K, V> {
        self.unpark();
        self.drop_expired();
        self.deliver();
        self.lay_out_in_order();
        let slots = mem::take(&mut self.slots);
        self.table = HashTable::new();
        self.cols.weights.clear();
        self.order.clear();
        if let Some(lfu) = &mut self.cols.lfu {
            lfu.clear();
        }
        self.cols.expiry.reset();
        self.registration.publish(|| self.stats());
        IntoIter {
            inner: slots.into_iter(),
        }
    }

    /// Lays the slab out in recency order (slot 0 most recent), rewriting the
    /// table's indices. *O*(`len`) time and `4 * len` bytes of scratch; a
    /// no-op when already in order.
    fn lay_out_in_order(&mut self) {
        let len = self.slots.len();
        let (mut rank, in_order) = self.order.ranks(&self.slots[..], len);
        if in_order {
            return;
        }
        self.cols.permute(&rank);
        for i in self.table.iter_mut() {
            *i = rank[*i as usize];
        }
        // Cycle sort: the element at `i` belongs at `rank[i]`.
        for i in 0..len {
            while rank[i] as usize != i {
                let j = rank[i] as usize;
                self.slots.swap(i, j);
                rank.swap(i, j);
            }
        }
        self.order.link_in_index_order(&self.slots[..], len);
    }

    /// The bound on live slots: the count bound, clamped to what `u32`
    /// indices can address.
    #[inline]
    fn slot_bound(&self) -> usize {
        self.capacity.min(MAX_SLOTS)
    }

    /// Whether a value of this weight can ever be stored.
    #[inline]
    fn admits(&self, weight: u64) -> bool {
        self.capacity > 0 && weight <= self.max_weight
    }

    /// Hands an entry the map has let go of to the eviction machinery: counted
    /// always, queued for the listener if there is one, dropped otherwise.
    fn evict(&mut self, key: K, value: V, cause: EvictionCause) {
        self.outbox.evict(key, value, cause);
    }

    /// From now on, evictions wait in the map for
    /// [`take_evictions`](Self::take_evictions) instead of going to the
    /// listener.
    pub(crate) fn hold_evictions(&mut self) {
        self.outbox.hold();
    }

    /// Removes `key`'s entry as an explicit eviction (counted, and held or
    /// sent to the listener with cause `Explicit`); true if it was there.
    pub(crate) fn discard<Q>(&mut self, key: &Q) -> bool
    where
        K: Hash + Eq + Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        S: BuildHasher,
    {
        match self.remove_entry(key) {
            Some((k, v)) => {
                self.evict(k, v, EvictionCause::Explicit);
                self.deliver();
                true
            }
            None => false,
        }
    }

    /// The evictions held since the last call, least recent first. The
    /// common cases (none, one) keep the buffer and allocate nothing.
    pub(crate) fn take_evictions(&mut self) -> Held<K, V> {
        self.outbox.take()
    }

    /// Calls the listener on every queued eviction, in queue order. Runs at
    /// the end of each call, once the map is consistent: a panicking listener
    /// unwinds through a map that is valid, and the entries it did not get
    /// are dropped by the drain.
    #[inline(always)]
    fn deliver(&mut self) {
        #[cfg(debug_assertions)]
        self.check_policy();
        // The common case, an unnamed map with nothing to hand over, stays
        // two inlined tests instead of a call.
        if self.registration.is_named() || !self.outbox.nothing_to_deliver() {
            self.deliver_slow();
        }
    }

    /// A named map's whole publish. Its `heap_bytes` accessors are
    /// `#[inline]` so that the bytes figure is a few loads, not a chain of
    /// calls (cachegrind, 3M Zipf get-or-insert on a named map: 176.6
    /// instructions an operation before, 165.3 with this and the empty
    /// outbox skipped; 133.3 unnamed).
    #[inline(never)]
    fn deliver_slow(&mut self) {
        self.registration.publish(|| self.stats());
        if !self.outbox.nothing_to_deliver() {
            self.outbox.deliver();
        }
    }

    /// `deliver` after a hit, which changes no count but the hits: a named
    /// map publishes its use counts (hits, and misses of `&self` lookups
    /// before it), not its whole stats (cachegrind, 3M
    /// Zipf get-or-insert on a named map: 1,032.1M instructions with the
    /// whole stats published on every hit, 758.9M with this; 534.7M
    /// unnamed).
    #[inline(always)]
    fn deliver_hit(&mut self) {
        #[cfg(debug_assertions)]
        self.check_policy();
        if self.registration.is_named() || !self.outbox.nothing_to_deliver() {
            self.deliver_hit_slow();
        }
    }

    #[inline(never)]
    fn deliver_hit_slow(&mut self) {
        if self.outbox.nothing_to_deliver() {
            self.registration
                .publish_uses(self.hits.get(), self.misses.get());
        } else {
            self.deliver_slow();
        }
    }

    /// Checks the policy's queues (debug builds, maps of up to 64 entries).
    #[cfg(debug_assertions)]
    fn check_policy(&self) {
        if let Some(lfu) = &self.cols.lfu {
            if self.slots.len() <= 64 {
                assert_eq!(self.slots.len(), lfu.len(), "policy bytes per slot");
                lfu.check(&self.order, &self.slots[..], |i| self.cols.weights.get(i));
            }
        }
    }

    /// Sends a value parked by the Entry API to the listener: it was lent out
    /// until the next `&mut self` call, which is now.
    #[inline(always)]
    fn unpark(&mut self) {
        self.outbox.unpark();
    }

    /// Parks a value the bound cannot admit and lends it out.
    fn park(&mut self, key: K, value: V, cause: EvictionCause) -> &mut V {
        self.outbox.park(key, value, cause)
    }

    /// Gives memory back after removals (see `shrink`).
    pub(super) fn maybe_shrink(&mut self)
    where
        K: Hash,
        S: BuildHasher,
    {
        let len = self.slots.len();
        if let Some(room) = shrink::shrunk(len, self.slots.capacity()) {
            self.slots.shrink_to(room);
            self.cols.shrink_to(room);
        }
        if let Some(room) = shrink::shrunk(len, self.table.capacity()) {
            // Rehashing runs user `Hash`; hashbrown leaves the old table
            // intact if it panics.
            self.table
                .shrink_to(room, rehasher(&self.hasher, &self.slots));
        }
        // Every removal ends here, including those that skip `deliver`.
        self.registration.publish(|| self.stats());
    }
}

impl<K, V, S> Engine<K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    #[inline]
    fn hash<Q: Hash + ?Sized>(&self, q: &Q) -> u64 {
        self.hasher.hash_one(q)
    }

    #[inline]
    fn find<Q>(&self, hash: u64, q: &Q) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let slots = &self.slots;
        self.table
            .find(hash, |&i| slots[i as usize].key.borrow() == q)
            .copied()
    }

    /// Records a use of slot `i`, whose key hashes to `hash`: under LRU it
    /// becomes the most recent; under TinyLFU its counters go up.
    #[inline(always)]
    fn touch(&self, i: u32, hash: u64) {
        match &self.cols.lfu {
            None => self.order.move_to_front(&self.slots[..], i),
            Some(lfu) => lfu.hit(i, hash),
        }
    }

    /// A lookup by one of several threads reading at once (the sync map's
    /// read lock, for maps without a TTI): `get` without moving the hit to
    /// the front. It returns the hit's slot for the caller to record and
    /// apply under the write lock (`touch_recorded`, which counts the hit;
    /// under TinyLFU the hit is counted here), and counts a miss with an
    /// atomic add if `count_miss`.
    #[inline]
    pub(crate) fn find_shared<Q>(&self, hash: u64, q: &Q, count_miss: bool) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        debug_assert_eq!(hash, self.hash(q), "the sync map hashes as its shards do");
        debug_assert!(self.tti().is_none(), "a TTI map is read exclusively");
        let found = self.find_now(hash, q);
        match found {
            Some(i) => {
                if let Some(lfu) = &self.cols.lfu {
                    // A TinyLFU use moves nothing: record it here, under
                    // the read lock (relaxed cells), not in the read log.
                    self.hits.bump_shared();
                    lfu.hit(i, hash);
                }
                // Under LRU the caller records the hit in its read log,
                // and the hit is counted when the log is applied (or by
                // `count_shared_hit` if the log is full): one shared write
                // per read instead of two.
            }
            None if count_miss => self.misses.bump_shared(),
            None => {}
        }
        found
    }

    /// Whether slot `i` is older than the refresh period since its last
    /// write (the sync map's `refresh_after`): still live, due a reload.
    #[inline]
    pub(crate) fn is_stale(&self, i: u32) -> bool {
        self.cols.expiry.refreshes() && self.cols.expiry.is_stale(i, self.cols.expiry.now())
    }

    /// `get` of `key`, whose hash the caller has (the sync map's).
    #[inline]
    pub(crate) fn get_hashed<Q>(&self, hash: u64, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lookup_at(hash, key, |map, i| &map.slots[i as usize].value)
    }

    /// `get` of `key`, whose hash the caller has (the sync map's), with
    /// whether the entry is stale (see `is_stale`).
    pub(crate) fn get_aging<Q>(&self, hash: u64, key: &Q) -> Option<(&V, bool)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lookup_at(hash, key, |map, i| {
            (&map.slots[i as usize].value, map.is_stale(i))
        })
    }

    /// Whether `key` (of hash `hash`) has a live entry that is stale,
    /// without counting a use: `None` when it has no live entry.
    pub(crate) fn staleness<Q>(&self, hash: u64, key: &Q) -> Option<bool>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        debug_assert_eq!(hash, self.hash(key), "the sync map hashes as its shards do");
        let i = self.find_now(hash, key)?;
        Some(self.is_stale(i))
    }

    /// The value in slot `i` (from `find_shared`).
    #[inline]
    pub(crate) fn value_at(&self, i: u32) -> &V {
        &self.slots[i as usize].value
    }

    /// Makes slot `i`, recorded by a shared reader since the last write,
    /// the most recent. Called with the map held exclusively, before
    /// anything else changes it, so `i` still names the entry read.
    #[inline]
    pub(crate) fn touch_recorded(&mut self, i: u32) {
        self.hits.set(self.hits.get() + 1);
        if (i as usize) < self.slots.len() {
            self.order.move_to_front(&self.slots[..], i);
        }
    }

    /// Counts a hit of `find_shared` that its caller could not record (the
    /// read log was full).
    #[inline]
    pub(crate) fn count_shared_hit(&self) {
        self.hits.bump_shared();
    }

    /// Whether a use must be recorded for the write lock to apply (LRU),
    /// rather than being recorded at once by `find_shared` (TinyLFU).
    #[inline]
    pub(crate) fn uses_move_entries(&self) -> bool {
        self.cols.lfu.is_none()
    }

    /// `find`, but an expired entry is not there. Before the expiry
    /// horizon this is one comparison more than `find`, and the slot's
    /// expiry columns are not read. Always inlined: as a call it cost a TTL
    /// map's hit about 15 instructions (cachegrind).
    #[inline(always)]
    fn find_live<Q>(&self, hash: u64, q: &Q, now: u64) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let found = self.find(hash, q)?;
        let expiry = &self.cols.expiry;
        if expiry.may_have_expired(now, self.order.tail()) && expiry.is_expired(found, now) {
            None
        } else {
            Some(found)
        }
    }

    /// `find_live` at the current time; without a time bound, no clock is
    /// read and nothing can have expired, so it is a plain `find`.
    #[inline]
    fn find_now<Q>(&self, hash: u64, q: &Q) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        if self.cols.expiry.active() {
            self.find_live(hash, q, self.cols.expiry.now())
        } else {
            self.find(hash, q)
        }
    }

    /// Looks `q` up as a use, counting the hit or miss, and hands a live
    /// entry's slot to `found`.
    #[inline(always)]
    fn lookup<'a, Q, R>(&'a self, q: &Q, found: impl FnOnce(&'a Self, u32) -> R) -> Option<R>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lookup_at(self.hash(q), q, found)
    }

    /// `lookup` of a key whose hash is known.
    #[inline(always)]
    fn lookup_at<'a, Q, R>(
        &'a self,
        hash: u64,
        q: &Q,
        found: impl FnOnce(&'a Self, u32) -> R,
    ) -> Option<R>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        debug_assert_eq!(hash, self.hash(q));
        // Without a time bound there is no clock to read and nothing can
        // have expired: maps without one pay a branch for expiry, no more.
        // Both paths are inline, in this one forced-inline body: left to
        // the optimizer, `get` kept this as a call and the timed path as
        // another (cachegrind, 3M operations: resident gets 7 instructions an operation in the
        // prologue and epilogue, Zipf get-then-insert 12, and with a 1 h
        // TTL 19 more for the timed frame). Inlining the timed path moved
        // the maps without a time bound by +1.5 (Zipf) and -3 (resident)
        // instructions an operation: code placement, not work.
        if self.cols.expiry.active() {
            let i = self.lookup_hashed(hash, q, self.cols.expiry.now());
            return i.map(|i| found(self, i));
        }
        let i = self.find(hash, q);
        self.count_use(i, hash);
        i.map(|i| found(self, i))
    }

    /// Counts a lookup's hit or miss; a hit is a use (see `touch`).
    #[inline(always)]
    fn count_use(&self, found: Option<u32>, hash: u64) {
        match found {
            Some(i) => {
                self.hits.set(self.hits.get() + 1);
                self.touch(i, hash);
            }
            None => self.misses.set(self.misses.get() + 1),
        }
    }

    /// `count_use`, and with a time bound a hit restarts the TTI.
    #[inline]
    fn record_use(&self, found: Option<u32>, hash: u64, now: u64) {
        self.count_use(found, hash);
        if let Some(i) = found {
            // A TTI makes a map active from the start, so this is the one
            // test a map without one needs.
            self.cols.expiry.on_read(i, now);
        }
    }

    /// `lookup` with the hash and the time already known.
    #[inline]
    fn lookup_hashed<Q>(&self, hash: u64, q: &Q, now: u64) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let found = self.find_live(hash, q, now);
        self.record_use(found, hash, now);
        found
    }

    /// One `&mut` call of the map: `begin`, the call itself at the time
    /// `begin` read, then `deliver` once the map is consistent again.
    /// Every `&mut` entry point that looks keys up or evicts runs through
    /// here, so none can skip a step; the *O*(`len`) calls (iteration,
    /// `retain`, `clear`, `purge_expired`) hand a parked value over and
    /// deliver around their own full pass instead, and the Entry API's
    /// second half (`insert_vacant`, `replace_occupied`) delivers what it
    /// adds. The inline hit path of `get_or_insert_with` is this protocol
    /// with the steps that have nothing to do left out.
    #[inline(always)]
    fn call<R>(&mut self, f: impl FnOnce(&mut Self, u64) -> R) -> R {
        let now = self.begin();
        let result = f(self, now);
        self.deliver();
        result
    }

    /// What every `&mut self` call does first: hand a parked value to the
    /// eviction queue, read the clock, and purge a few expired entries, so
    /// expired entries cannot pile up however the map is used. Returns the
    /// time the call runs at.
    #[inline(always)]
    fn begin(&mut self) -> u64 {
        self.unpark();
        if !self.cols.expiry.active() {
            return 0;
        }
        self.begin_timed()
    }

    /// `begin` with a time bound: out of line, so that maps without one
    /// inline a two-test `begin` into every write.
    #[inline(never)]
    fn begin_timed(&mut self) -> u64 {
        let now = self.cols.expiry.now();
        if self.cols.expiry.may_have_expired(now, self.order.tail()) {
            self.purge_due(now, PURGE_PER_CALL);
        }
        now
    }

    /// Removes up to `budget` expired entries, cause `Expired`. Returns how
    /// many. *O*(1) amortized per entry.
    fn purge_due(&mut self, now: u64, budget: usize) -> usize {
        let mut purged = 0;
        while purged < budget {
            let Some(i) = self.cols.expiry.next_due(now, self.order.tail()) else {
                break;
            };
            let hash = self.hash(&self.slots[i as usize].key);
            let (k, v) = self.remove_at(i, hash);
            self.evict(k, v, EvictionCause::Expired);
            purged += 1;
        }
        if purged > 0 {
            self.maybe_shrink();
        }
        purged
    }

    /// See [`BoundedMap::purge_expired`](super::BoundedMap::purge_expired).
    pub(crate) fn purge_expired(&mut self) -> usize {
        self.unpark();
        let mut purged = 0;
        if self.cols.expiry.active() {
            let now = self.cols.expiry.now();
            self.cols.expiry.sweep(now);
            purged = self.purge_due(now, usize::MAX);
            if self.cols.expiry.disordered() {
                purged += self.drop_expired();
            }
        }
        self.deliver();
        purged
    }

    /// The cause an entry at slot `i` leaves by when the bound needs room:
    /// `Expired` if it has, `Size` otherwise.
    #[inline]
    fn eviction_cause(&self, i: u32, now: u64) -> EvictionCause {
        if self.cols.expiry.is_expired(i, now) {
            EvictionCause::Expired
        } else {
            EvictionCause::Size
        }
    }

    #[inline]
    fn weigh(&self, key: &K, value: &V) -> u64 {
        match &self.weigher {
            Some(w) => w(key, value).max(1),
            None => 1,
        }
    }

    /// Removes slot `i`, whose key hashes to `hash`, and returns its entry.
    ///
    /// The only user code, hashing the slot that will move into the hole,
    /// runs before anything changes, so a panicking `Hash` leaves the map as
    /// it was.
    pub(super) fn remove_at(&mut self, i: u32, hash: u64) -> (K, V) {
        let last = (self.slots.len() - 1) as u32;
        let moved_hash = (i != last).then(|| self.hash(&self.slots[last as usize].key));
        match self.table.find_entry(hash, |&j| j == i) {
            Ok(bucket) => {
                bucket.remove();
            }
            Err(_) => unreachable!("slot {i} is missing from the table"),
        }
        if let Some(lfu) = &mut self.cols.lfu {
            lfu.detach(&self.slots[..], i, self.cols.weights.get(i));
        }
        self.order.unlink(&self.slots[..], i);
        self.cols.swap_remove(i);
        if let Some(h) = moved_hash {
            if let Some(bucket) = self.table.find_mut(h, |&j| j == last) {
                *bucket = i;
            }
        }
        let slot = self.slots.swap_remove(i as usize);
        if i != last {
            self.order.relocate(&self.slots[..], last, i);
        }
        (slot.key, slot.value)
    }

    /// The entry the policy gives up next, and its key's hash if choosing
    /// it computed that: the tail under LRU; under TinyLFU, see
    /// `policy::TinyLfu::victim` (which may promote and rotate entries, and
    /// hash keys). Never slot `keep` (an entry being rewritten; `NIL` for
    /// none). `None` when there is nothing else to evict.
    #[inline]
    fn victim(&mut self, keep: u32) -> Option<(u32, Option<u64>)> {
        if self.cols.lfu.is_none() {
            let t = self.order.tail();
            return (t != NIL && t != keep).then_some((t, None));
        }
        let bounds = Bounds {
            slots: self.share().0.min(self.slot_bound()),
            len: self.slots.len(),
            weighted: self.cols.weights.is_on(),
            max_weight: self.share().1.min(self.max_weight),
            total_weight: self.cols.weights.total(),
        };
        let Columns { weights, lfu, .. } = &mut self.cols;
        let Some(lfu) = lfu else {
            return None;
        };
        let (slots, hasher) = (&self.slots, &self.hasher);
        lfu.victim(
            &self.order,
            &slots[..],
            &bounds,
            keep,
            |i| weights.get(i),
            |i| hasher.hash_one(&slots[i as usize].key),
        )
        .map(|v| (v.slot, v.hash))
    }

    /// Evicts the policy's victim to make room (cause `Size`, or `Expired`
    /// if it has), never slot `keep`. Returns where `keep` is afterwards
    /// (the removal moves the last slot into the hole), or `None` when
    /// there was nothing else to evict.
    fn evict_one(&mut self, now: u64, keep: u32) -> Option<u32> {
        let (t, hash) = self.victim(keep)?;
        let last = (self.slots.len() - 1) as u32;
        let cause = self.eviction_cause(t, now);
        let hash = hash.unwrap_or_else(|| self.hash(&self.slots[t as usize].key));
        let (k, v) = self.remove_at(t, hash);
        self.evict(k, v, cause);
        Some(if keep == last { t } else { keep })
    }

    /// Evicts until `weight` more fits under `max_weight`, never slot
    /// `keep` (`NIL` for none); returns where `keep` is afterwards.
    #[inline]
    fn make_room_for(&mut self, weight: u64, now: u64, mut keep: u32) -> u32 {
        while self.cols.weights.is_on() && self.max_weight - self.cols.weights.total() < weight {
            match self.evict_one(now, keep) {
                Some(moved) => keep = moved,
                None => break,
            }
        }
        keep
    }

    /// Stores an absent key whose weight the bound admits, as the most recent
    /// entry, evicting what it must. At `full_at` entries (or the bound, if
    /// lower) the map counts as full: the new key takes a victim's slot.
    /// Returns its slot. `PLAIN`: the map [`is_plain`](Self::is_plain), so
    /// the weight, policy and expiry steps are left out of this copy.
    #[inline(always)]
    fn insert_new<const PLAIN: bool>(
        &mut self,
        hash: u64,
        key: K,
        value: V,
        weight: u64,
        time: WriteTime,
        full_at: usize,
    ) -> u32 {
        debug_assert!(self.admits(weight));
        // Room first: growing the table rehashes (user code), so it happens
        // while nothing has changed yet; so does growing TinyLFU's sketch.
        self.table.reserve(1, rehasher(&self.hasher, &self.slots));
        if !PLAIN {
            let len = (self.slots.len() + 1).min(self.slot_bound());
            if let Some(lfu) = &mut self.cols.lfu {
                if lfu.sketch_too_small(len) {
                    let (slots, hasher) = (&self.slots, &self.hasher);
                    lfu.regrow(len, |i| hasher.hash_one(&slots[i as usize].key));
                }
            }
            self.make_room_for(weight, time.now, NIL);
        }
        let bound = self.slot_bound();
        let full = self.slots.len() >= bound.min(full_at);
        let victim = match (full, PLAIN) {
            (false, _) => None,
            // LRU's victim is the tail.
            (true, true) => self.tail_victim(),
            // The policy always names a victim in a full map; the tail is a
            // fallback that keeps the bound even if it did not.
            (true, false) => self.victim(NIL).or_else(|| self.tail_victim()),
        };
        let i = if let Some((t, old_hash)) = victim {
            // Full: reuse the victim's slot in place.
            let cause = if PLAIN {
                EvictionCause::Size
            } else {
                self.eviction_cause(t, time.now)
            };
            let old_hash = old_hash.unwrap_or_else(|| self.hash(&self.slots[t as usize].key));
            if let Ok(bucket) = self.table.find_entry(old_hash, |&j| j == t) {
                bucket.remove();
            }
            if !PLAIN {
                if let Some(lfu) = &mut self.cols.lfu {
                    lfu.detach(&self.slots[..], t, self.cols.weights.get(t));
                }
            }
            let slot = &mut self.slots[t as usize];
            let old_key = mem::replace(&mut slot.key, key);
            let old_value = mem::replace(&mut slot.value, value);
            if !PLAIN {
                self.cols.weights.replace(t, weight);
            }
            self.order.move_to_front(&self.slots[..], t);
            if !PLAIN {
                if let Some(lfu) = &mut self.cols.lfu {
                    lfu.reused(t, hash, weight);
                }
            }
            self.table
                .insert_unique(hash, t, rehasher(&self.hasher, &self.slots));
            self.evict(old_key, old_value, cause);
            t
        } else {
            let len = self.slots.len();
            if len == self.slots.capacity() {
                let room = shrink::grown(len, bound, self.share().0.min(bound));
                self.slots.reserve_exact(room - len);
                self.cols.reserve_exact(room - len);
            }
            self.slots.push(Slot {
                key,
                value,
                link: Link::detached(),
            });
            if !PLAIN {
                self.cols.expiry.push(time.now);
                self.cols.weights.push(weight);
            }
            let i = len as u32;
            self.order.push_front(&self.slots[..], i);
            if !PLAIN {
                if let Some(lfu) = &mut self.cols.lfu {
                    lfu.pushed(i, hash, weight);
                }
            }
            self.table
                .insert_unique(hash, i, rehasher(&self.hasher, &self.slots));
            if len + 1 == bound {
                // Full from now on: every insert is an evict plus an insert,
                // which leaves tombstones. hashbrown cleans them in place
                // only while the table is at most half full, and otherwise
                // doubles it; giving it that room now keeps memory flat
                // under churn instead of growing on the first cleanup.
                self.table.reserve(
                    (2 * bound + 2).saturating_sub(self.table.len()),
                    rehasher(&self.hasher, &self.slots),
                );
            }
            i
        };
        if !PLAIN {
            self.cols
                .expiry
                .on_write(i, time.now, time.deadline, time.per_entry);
        }
        self.inserts += 1;
        i
    }

    /// A write's weight, its time, and why it cannot be stored, if it
    /// cannot (see `refusal`). `PLAIN` as in `insert_new`: an unweighted
    /// entry weighs 1, `max_weight` is then `u64::MAX`, and nothing
    /// expires, so only capacity 0 refuses.
    #[inline(always)]
    fn write_terms<const PLAIN: bool>(
        &self,
        key: &K,
        value: &V,
        now: u64,
        ttl: Option<Duration>,
    ) -> (u64, WriteTime, Option<EvictionCause>) {
        if PLAIN {
            debug_assert!(self.is_plain() && self.max_weight == u64::MAX && ttl.is_none());
            let time = WriteTime {
                now,
                deadline: NEVER,
                per_entry: false,
            };
            (1, time, (self.capacity == 0).then_some(EvictionCause::Size))
        } else {
            let weight = self.weigh(key, value);
            let time = self.write_time(now, ttl);
            let refusal = self.refusal(weight, &time);
            (weight, time, refusal)
        }
    }

    /// The recency list's tail as a victim (its hash not yet known).
    #[inline]
    fn tail_victim(&self) -> Option<(u32, Option<u64>)> {
        let t = self.order.tail();
        (t != NIL).then_some((t, None))
    }

    /// Whether the map has no weights, no TinyLFU and no time bound: an
    /// unweighted LRU map, whose writes [`insert_new`](Self::insert_new)
    /// and [`insert_at`](Self::insert_at) run in copies without those
    /// steps.
    #[inline]
    fn is_plain(&self) -> bool {
        self.weigher.is_none()
            && !self.cols.weights.is_on()
            && self.cols.lfu.is_none()
            && !self.cols.expiry.active()
    }

    /// Replaces the value in slot `i` as a use and a write; returns the old
    /// value and the slot's (possibly new) index.
    fn replace_at(
        &mut self,
        i: u32,
        hash: u64,
        value: V,
        weight: u64,
        time: WriteTime,
    ) -> (V, u32) {
        self.touch(i, hash);
        let old = mem::replace(&mut self.slots[i as usize].value, value);
        self.updates += 1;
        let i = if self.cols.weights.is_on() {
            // Take the entry's old weight out, make room for the new one
            // without evicting the entry itself (following it if a removal
            // moves it), then put the new weight in.
            let old_weight = self.cols.weights.replace(i, 0);
            if let Some(lfu) = &mut self.cols.lfu {
                lfu.reweigh(i, old_weight, 0);
            }
            let i = self.make_room_for(weight, time.now, i);
            self.cols.weights.replace(i, weight);
            if let Some(lfu) = &mut self.cols.lfu {
                lfu.reweigh(i, 0, weight);
            }
            i
        } else {
            i
        };
        self.cols
            .expiry
            .on_write(i, time.now, time.deadline, time.per_entry);
        (old, i)
    }

    /// When a write at `now` expires: after `ttl` (a per-entry TTL) or the
    /// map's own TTL.
    #[inline]
    fn write_time(&self, now: u64, ttl: Option<Duration>) -> WriteTime {
        WriteTime {
            now,
            deadline: self.cols.expiry.write_deadline(now, ttl),
            per_entry: ttl.is_some(),
        }
    }

    /// Why a value cannot be stored, if it cannot: too heavy (or capacity 0),
    /// or expired the moment it is written.
    #[inline]
    fn refusal(&self, weight: u64, time: &WriteTime) -> Option<EvictionCause> {
        if !self.admits(weight) {
            Some(EvictionCause::Size)
        } else if self.cols.expiry.born_expired(time.now, time.deadline) {
            Some(EvictionCause::Expired)
        } else {
            None
        }
    }

    /// Removes slot `i`, which has expired (cause `Expired`).
    #[inline(never)]
    fn remove_expired(&mut self, i: u32, hash: u64) {
        let (k, v) = self.remove_at(i, hash);
        self.evict(k, v, EvictionCause::Expired);
    }

    /// `find` for a call about to write: an expired entry found is purged
    /// there and then (cause `Expired`), so the caller sees it absent.
    #[inline(always)]
    fn find_for_write<Q>(&mut self, hash: u64, q: &Q, now: u64) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let i = self.find(hash, q)?;
        // Without a time bound this is one comparison (nothing is past a
        // horizon of never).
        if self.cols.expiry.is_expired(i, now) {
            self.remove_expired(i, hash);
            return None;
        }
        Some(i)
    }

    /// `insert`, handing back the unused key with the old value.
    fn insert_inner(&mut self, key: K, value: V, ttl: Option<Duration>) -> Option<(K, V)> {
        let hash = self.hash(&key);
        self.write(hash, key, value, ttl, usize::MAX)
    }

    /// One `insert` call of `key` (hash `hash`): `insert_at` in the copy the
    /// map's features call for, inside `call`.
    #[inline(always)]
    fn write(
        &mut self,
        hash: u64,
        key: K,
        value: V,
        ttl: Option<Duration>,
        full_at: usize,
    ) -> Option<(K, V)> {
        if self.is_plain() {
            self.call(|map, now| map.insert_at::<true>(now, hash, key, value, ttl, full_at))
        } else {
            self.call(|map, now| map.insert_at::<false>(now, hash, key, value, ttl, full_at))
        }
    }

    /// `insert_inner`'s body, at `now`, for `key` of hash `hash`; a new
    /// key takes a victim's slot from `full_at` entries on (see
    /// `insert_new`, also for `PLAIN`).
    #[inline]
    fn insert_at<const PLAIN: bool>(
        &mut self,
        now: u64,
        hash: u64,
        key: K,
        value: V,
        ttl: Option<Duration>,
        full_at: usize,
    ) -> Option<(K, V)> {
        debug_assert_eq!(hash, self.hash(&key));
        let (weight, time, refusal) = self.write_terms::<PLAIN>(&key, &value, now, ttl);
        let found = if PLAIN {
            // Nothing expires.
            self.find(hash, &key)
        } else {
            self.find_for_write(hash, &key, now)
        };
        match (found, refusal) {
            (Some(i), None) => Some((key, self.replace_at(i, hash, value, weight, time).0)),
            (Some(i), Some(cause)) => {
                // The new value cannot be kept: the key leaves the map rather
                // than keep a value the caller meant to replace.
                let old = self.remove_at(i, hash);
                self.evict(key, value, cause);
                self.maybe_shrink();
                Some(old)
            }
            (None, None) => {
                self.insert_new::<PLAIN>(hash, key, value, weight, time, full_at);
                None
            }
            (None, Some(cause)) => {
                self.evict(key, value, cause);
                None
            }
        }
    }

    /// See [`BoundedMap::insert`](super::BoundedMap::insert).
    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.insert_inner(key, value, None).map(|(_, v)| v)
    }

    /// `insert` of `key`, whose hash the caller has (the sync map's). A new
    /// key evicts one entry and takes its slot, as in a full map, if the map
    /// still holds `full_at` entries when it is stored (after this call has
    /// purged what expired): a sync-map shard that would otherwise shed one
    /// entry right after the insert (a swap-remove that moves the last slot
    /// and rehashes its key) passes its length; `usize::MAX` leaves only the
    /// bound. With `ttl`, the entry expires that long after this write, as
    /// with `insert_with_ttl`.
    #[inline]
    pub(crate) fn insert_hashed(
        &mut self,
        hash: u64,
        key: K,
        value: V,
        ttl: Option<Duration>,
        full_at: usize,
    ) -> Option<V> {
        if ttl.is_some() {
            self.cols.expiry.activate(self.slots.len());
        }
        self.write(hash, key, value, ttl, full_at).map(|(_, v)| v)
    }

    /// See [`BoundedMap::insert_with_ttl`](super::BoundedMap::insert_with_ttl).
    pub(crate) fn insert_with_ttl(&mut self, key: K, value: V, ttl: Duration) -> Option<V> {
        self.cols.expiry.activate(self.slots.len());
        self.insert_inner(key, value, Some(ttl)).map(|(_, v)| v)
    }

    /// See [`BoundedMap::get`](super::BoundedMap::get).
    #[inline]
    pub(crate) fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lookup(key, |map, i| &map.slots[i as usize].value)
    }

    /// See [`BoundedMap::get_key_value`](super::BoundedMap::get_key_value).
    pub(crate) fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lookup(key, |map, i| {
            let s = &map.slots[i as usize];
            (&s.key, &s.value)
        })
    }

    /// See [`BoundedMap::get_mut`](super::BoundedMap::get_mut).
    pub(crate) fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        // Deliver before hashing: a panicking `Hash` then finds nothing
        // queued that a drop would lose.
        let now = self.call(|_, now| now);
        let i = self.lookup_hashed(self.hash(key), key, now)?;
        Some(&mut self.slots[i as usize].value)
    }

    /// See [`BoundedMap::peek`](super::BoundedMap::peek).
    #[inline]
    pub(crate) fn peek<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.find_now(self.hash(key), key)
            .map(|i| &self.slots[i as usize].value)
    }

    /// See [`BoundedMap::contains_key`](super::BoundedMap::contains_key).
    #[inline]
    pub(crate) fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.find_now(self.hash(key), key).is_some()
    }

    /// See [`BoundedMap::remove`](super::BoundedMap::remove).
    pub(crate) fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.remove_entry(key).map(|(_, v)| v)
    }

    /// See [`BoundedMap::remove_entry`](super::BoundedMap::remove_entry).
    pub(crate) fn remove_entry<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.call(|map, now| {
            let hash = map.hash(key);
            let removed = map
                .find_for_write(hash, key, now)
                .map(|i| map.remove_at(i, hash));
            if removed.is_some() {
                map.maybe_shrink();
            }
            removed
        })
    }

    /// See [`BoundedMap::pop_lru`](super::BoundedMap::pop_lru).
    pub(crate) fn pop_lru(&mut self) -> Option<(K, V)> {
        self.call(|map, now| {
            let mut popped = None;
            loop {
                let t = map.order.tail();
                if t == NIL {
                    break;
                }
                let hash = map.hash(&map.slots[t as usize].key);
                if !map.cols.expiry.is_expired(t, now) {
                    popped = Some(map.remove_at(t, hash));
                    break;
                }
                map.remove_expired(t, hash);
            }
            map.maybe_shrink();
            popped
        })
    }

    /// See [`BoundedMap::set_capacity`](super::BoundedMap::set_capacity).
    pub(crate) fn set_capacity(&mut self, capacity: usize) {
        self.call(|map, now| {
            // Evict first, then lower the bound: if hashing a victim panics,
            // the old bound still describes the map.
            while map.slots.len() > capacity.min(MAX_SLOTS) {
                if map.evict_one(now, NIL).is_none() {
                    break;
                }
            }
            map.capacity = capacity;
            map.maybe_shrink();
        });
    }

    /// See [`BoundedMap::set_max_weight`](super::BoundedMap::set_max_weight).
    pub(crate) fn set_max_weight(&mut self, max_weight: u64) {
        self.call(|map, now| {
            // Without a weigher every entry weighs 1.
            map.cols.weights.switch_on(map.slots.len());
            while map.cols.weights.total() > max_weight {
                if map.evict_one(now, NIL).is_none() {
                    break;
                }
            }
            map.max_weight = max_weight;
            map.maybe_shrink();
        });
    }

    /// For a sync-map shard: evicts the policy's next victim (cause `Size`,
    /// or `Expired` if it has), to bring the whole map back under its
    /// bound. False when the shard has nothing to evict.
    pub(crate) fn shed_one(&mut self) -> bool {
        self.call(|map, now| {
            let shed = map.evict_one(now, NIL).is_some();
            map.maybe_shrink();
            shed
        })
    }

    /// See [`BoundedMap::clear`](super::BoundedMap::clear).
    pub(crate) fn clear(&mut self) {
        // Through `evict`, like every other removal the map makes, so that
        // a map holding its evictions (the sync map's shards) hands these
        // over too, instead of dropping them here.
        for (k, v) in self.take_all().rev() {
            self.evict(k, v, EvictionCause::Explicit);
        }
        self.deliver();
    }

    /// See [`BoundedMap::retain`](super::BoundedMap::retain).
    pub(crate) fn retain<F>(&mut self, mut keep: F)
    where
        F: FnMut(&K, &mut V) -> bool,
    {
        self.unpark();
        self.deliver();
        self.drop_expired();
        self.lay_out_in_order();
        let fate: Vec<Option<EvictionCause>> = self
            .slots
            .iter_mut()
            .map(|s| (!keep(&s.key, &mut s.value)).then_some(EvictionCause::Explicit))
            .collect();
        // Nothing below runs user code but drops.
        self.compact(&fate);
        self.maybe_shrink();
        self.deliver();
    }

    /// See [`BoundedMap::entry`](super::BoundedMap::entry).
    pub(crate) fn entry(&mut self, key: K) -> Entry<'_, K, V, S> {
        let (found, hash, now) = self.call(|map, now| {
            let hash = map.hash(&key);
            // One probe: an expired entry found is purged and the entry
            // vacant.
            let found = map.find_for_write(hash, &key, now);
            map.record_use(found, hash, now);
            (found, hash, now)
        });
        match found {
            Some(index) => Entry::Occupied(OccupiedEntry {
                map: self,
                index,
                hash,
                now,
            }),
            None => Entry::Vacant(VacantEntry {
                map: self,
                key,
                hash,
                now,
            }),
        }
    }

    /// Stores a vacant entry's value (see [`VacantEntry::insert`]).
    #[inline(always)]
    pub(super) fn insert_vacant(&mut self, hash: u64, key: K, value: V, now: u64) -> &mut V {
        if self.is_plain() {
            self.insert_vacant_as::<true>(hash, key, value, now)
        } else {
            self.insert_vacant_as::<false>(hash, key, value, now)
        }
    }

    /// `insert_vacant`, `PLAIN` as in `insert_new`.
    #[inline(always)]
    fn insert_vacant_as<const PLAIN: bool>(
        &mut self,
        hash: u64,
        key: K,
        value: V,
        now: u64,
    ) -> &mut V {
        let (weight, time, refusal) = self.write_terms::<PLAIN>(&key, &value, now, None);
        if let Some(cause) = refusal {
            return self.park(key, value, cause);
        }
        let i = self.insert_new::<PLAIN>(hash, key, value, weight, time, usize::MAX);
        self.deliver();
        &mut self.slots[i as usize].value
    }

    /// Replaces an occupied entry's value (see [`OccupiedEntry::insert`]).
    pub(super) fn replace_occupied(&mut self, i: u32, hash: u64, value: V, now: u64) -> V {
        let weight = self.weigh(&self.slots[i as usize].key, &value);
        let time = self.write_time(now, None);
        let old = match self.refusal(weight, &time) {
            None => self.replace_at(i, hash, value, weight, time).0,
            Some(cause) => {
                let (k, old) = self.remove_at(i, hash);
                self.evict(k, value, cause);
                self.maybe_shrink();
                old
            }
        };
        self.deliver();
        old
    }

    /// See [`BoundedMap::get_or_insert_with`](super::BoundedMap::get_or_insert_with).
    #[inline]
    pub(crate) fn get_or_insert_with<F>(&mut self, key: K, make: F) -> &V
    where
        F: FnOnce() -> V,
    {
        // The common cases inline: nothing parked and nothing due to expire,
        // so `begin` has nothing to do and no entry found can have expired.
        // Then this is what `entry` would do, without building an entry
        // (cachegrind, 3M Zipf operations with a 1 h TTL: 116 instructions
        // an operation over the map without a TTL through `entry`).
        if !self.outbox.has_parked() {
            if !self.cols.expiry.active() {
                return self.get_or_insert_settled::<false, F>(key, make, 0);
            }
            let now = self.cols.expiry.now();
            if !self.cols.expiry.may_have_expired(now, self.order.tail()) {
                return self.get_or_insert_settled::<true, F>(key, make, now);
            }
        }
        self.get_or_insert_by_entry(key, make)
    }

    /// `get_or_insert_with` when something is parked or due: through
    /// `entry`, which purges first. Out of line, off the common path.
    #[inline(never)]
    fn get_or_insert_by_entry<F>(&mut self, key: K, make: F) -> &V
    where
        F: FnOnce() -> V,
    {
        match self.entry(key) {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => v.insert(make()),
        }
    }

    /// `get_or_insert_with` at `now` once `begin` is known to have nothing
    /// to do: a hit counts the use (and restarts a TTI, if `TIMED`) and
    /// delivers, as `entry`'s occupied branch would.
    #[inline(always)]
    fn get_or_insert_settled<const TIMED: bool, F>(&mut self, key: K, make: F, now: u64) -> &V
    where
        F: FnOnce() -> V,
    {
        let hash = self.hash(&key);
        if let Some(i) = self.find(hash, &key) {
            if TIMED {
                self.record_use(Some(i), hash, now);
            } else {
                self.count_use(Some(i), hash);
            }
            self.deliver_hit();
            return &self.slots[i as usize].value;
        }
        self.insert_missing::<TIMED, F>(hash, key, make, now)
    }

    /// `get_or_insert_with`'s miss at `now` (0 unless `TIMED`): `entry`'s
    /// vacant branch, out of line.
    #[inline(never)]
    fn insert_missing<const TIMED: bool, F>(&mut self, hash: u64, key: K, make: F, now: u64) -> &V
    where
        F: FnOnce() -> V,
    {
        self.count_use(None, hash);
        // Nothing is parked (the caller checked), but a call that panicked
        // may have left evictions queued: they go to the listener before
        // `make` runs. The miss itself is published with the insert.
        if !self.outbox.is_empty() {
            self.outbox.deliver();
        }
        let value = make();
        if TIMED {
            // A map that keeps time is never plain: no test needed.
            self.insert_vacant_as::<false>(hash, key, value, now)
        } else {
            self.insert_vacant(hash, key, value, 0)
        }
    }
}

impl<K, V, S> Footprint for Engine<K, V, S>
where
    K: Footprint,
    V: Footprint,
{
    /// The map's own allocations plus what every key and value owns, and
    /// the weigher's and listener's `Arc` blocks while this map alone keeps
    /// them alive (a clone, or the sync map's other shards, share them).
    ///
    /// *O*(`len`), or *O*(1) when keys and values own no heap (the per-entry
    /// sum then folds away).
    fn footprint(&self) -> usize {
        /// An `Arc`'s block (its two counts, then the value) if nothing
        /// else holds it, else 0.
        fn sole<T: ?Sized>(arc: &Arc<T>) -> usize {
            if Arc::strong_count(arc) > 1 || Arc::weak_count(arc) > 0 {
                return 0;
            }
            core::alloc::Layout::new::<[usize; 2]>()
                .extend(core::alloc::Layout::for_value::<T>(arc))
                .map_or(0, |(block, _)| block.pad_to_align().size())
        }
        self.own_bytes()
            + self.weigher.as_ref().map_or(0, sole)
            + self.outbox.listener().map_or(0, sole)
            + self
                .slots
                .iter()
                .map(|s| s.key.footprint() + s.value.footprint())
                .sum::<usize>()
            + self
                .outbox
                .parked()
                .map_or(0, |(k, v)| k.footprint() + v.footprint())
    }
}

impl<K, V, S> Clone for Engine<K, V, S>
where
    K: Clone,
    V: Clone,
    S: Clone,
{
    /// See `BoundedMap`'s `Clone`: the parked value and the queue stay.
    fn clone(&self) -> Self {
        let clone = Engine {
            table: self.table.clone(),
            slots: self.slots.clone(),
            cols: self.cols.clone(),
            order: self.order.clone(),
            hasher: self.hasher.clone(),
            capacity: self.capacity,
            max_weight: self.max_weight,
            share: self.share,
            weigher: self.weigher.clone(),
            outbox: self.outbox.for_clone(),
            registration: self.registration.clone(),
            hits: self.hits.clone(),
            misses: self.misses.clone(),
            inserts: self.inserts,
            updates: self.updates,
        };
        clone.registration.publish(|| clone.stats());
        clone
    }
}

impl<K, V, S> Extend<(K, V)> for Engine<K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    fn extend<T: IntoIterator<Item = (K, V)>>(&mut self, iter: T) {
        for (k, v) in iter {
            if let Some((k, old)) = self.insert_inner(k, v, None) {
                self.evict(k, old, EvictionCause::Replaced);
                self.deliver();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_at_full_at_takes_its_victims_slot_and_one_below_it_pushes() {
        let mut e: Engine<u64, u64> = Engine::new(100);
        for k in 0..4 {
            e.insert(k, k);
        }
        let at = |e: &Engine<u64, u64>, k: u64| {
            e.table
                .find(e.hash(&k), |&j| e.slots[j as usize].key == k)
                .copied()
        };
        let slot_of_0 = at(&e, 0).expect("present");
        assert_eq!(e.insert_hashed(e.hash(&10), 10, 10, None, 4), None);
        assert_eq!(e.len(), 4, "full at 4, under the bound of 100");
        assert_eq!(e.get(&0), None, "the least recent went");
        assert_eq!(at(&e, 10), Some(slot_of_0), "and the new key took its slot");
        assert_eq!(e.insert_hashed(e.hash(&11), 11, 11, None, 5), None);
        assert_eq!(e.len(), 5, "one below full_at: pushed");
        assert_eq!(
            e.insert_hashed(e.hash(&11), 11, 12, None, 5),
            Some(11),
            "a present key is replaced, nothing evicted"
        );
        assert_eq!(e.len(), 5);
    }
}
