//! The whole map's bound across its shards. Every shard's engine is bounded
//! by the whole bound, so a shard may hold more than its share while the
//! map has room (a skewed key set, or one that hashes unevenly, still fits
//! `capacity` entries). Each write publishes its shard's length and weight
//! into [`Totals`]; a write that brings the total over the bound evicts,
//! from its own shard if that holds more than its share, else from the
//! fullest shard once its own lock is released. So the bound holds at every
//! quiescent point, and shards drift back to their shares under churn.

use core::hash::{BuildHasher, Hash};
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

use super::{BoundedMap, Engine, ShardCell};
use crate::bounded::Held;

/// A shard's length and weight as last published by a writer of it, for
/// other threads to read without its lock.
#[derive(Default)]
pub(super) struct ShardLoad {
    len: AtomicUsize,
    weight: AtomicU64,
}

impl ShardLoad {
    #[inline]
    fn get(&self) -> (usize, u64) {
        (self.len.load(Relaxed), self.weight.load(Relaxed))
    }
}

/// The bounds and what the shards hold, summed. On a cache line of its
/// own: writers of every shard update it.
#[repr(align(128))]
pub(super) struct Totals {
    capacity: AtomicUsize,
    max_weight: AtomicU64,
    len: AtomicUsize,
    weight: AtomicU64,
}

/// Which bound the map is over.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Excess {
    Count,
    Weight,
}

impl Totals {
    pub(super) fn new(capacity: usize, max_weight: u64) -> Self {
        Totals {
            capacity: AtomicUsize::new(capacity),
            max_weight: AtomicU64::new(max_weight),
            len: AtomicUsize::new(0),
            weight: AtomicU64::new(0),
        }
    }

    pub(super) fn capacity(&self) -> usize {
        self.capacity.load(Relaxed)
    }

    pub(super) fn max_weight(&self) -> u64 {
        self.max_weight.load(Relaxed)
    }

    /// Entries in all shards, as last published.
    pub(super) fn len(&self) -> usize {
        self.len.load(Relaxed)
    }

    /// The weight a shard's engine counts toward the bound: nothing while
    /// there is no weight bound (so an unweighted map keeps one counter).
    #[inline]
    pub(super) fn weight_of<K, V, S>(&self, map: &Engine<K, V, S>) -> u64 {
        if self.max_weight.load(Relaxed) == u64::MAX {
            0
        } else {
            map.weight()
        }
    }

    /// Whether publishing this much growth would take the map over.
    #[inline]
    fn would_exceed(&self, more: usize, more_weight: u64) -> bool {
        (more > 0 && self.len.load(Relaxed).saturating_add(more) > self.capacity.load(Relaxed))
            || (more_weight > 0
                && self.weight.load(Relaxed).saturating_add(more_weight)
                    > self.max_weight.load(Relaxed))
    }

    /// Publishes a shard's length and weight (under its write lock).
    /// Against what was last published, not against the start of the
    /// call, so a call that panicked halfway is made good by the next.
    /// Returns whether the shard grew.
    #[inline]
    pub(super) fn publish(&self, load: &ShardLoad, len: usize, weight: u64) -> bool {
        let old_len = load.len.load(Relaxed);
        let old_weight = load.weight.load(Relaxed);
        if len != old_len {
            load.len.store(len, Relaxed);
            if len > old_len {
                self.len.fetch_add(len - old_len, Relaxed);
            } else {
                self.len.fetch_sub(old_len - len, Relaxed);
            }
        }
        if weight != old_weight {
            load.weight.store(weight, Relaxed);
            if weight > old_weight {
                self.weight.fetch_add(weight - old_weight, Relaxed);
            } else {
                self.weight.fetch_sub(old_weight - weight, Relaxed);
            }
        }
        len > old_len || weight > old_weight
    }

    fn excess(&self) -> Option<Excess> {
        if self.len.load(Relaxed) > self.capacity.load(Relaxed) {
            Some(Excess::Count)
        } else if self.weight.load(Relaxed) > self.max_weight.load(Relaxed) {
            Some(Excess::Weight)
        } else {
            None
        }
    }

    /// Whether a shard holding this much is over its share of `shards`.
    fn over_share(&self, len: usize, weight: u64, shards: usize) -> bool {
        let n = shards as u128;
        len as u128 * n > self.capacity.load(Relaxed) as u128
            || weight as u128 * n > self.max_weight.load(Relaxed) as u128
    }
}

impl<K, V, S> BoundedMap<K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    /// After a write to `cell` (under its lock): publishes what the shard
    /// holds and, if that took the map over its bound, evicts from this
    /// shard while it is over its share. Returns whether the map is still
    /// over, for [`shed`](Self::shed) to finish once the lock is released.
    ///
    /// A write that would take a full map over evicts here before
    /// publishing, so at a full map's steady state the insert and its
    /// eviction cancel out and the shared totals are only read. The totals
    /// are checked again after publishing, since writers to other shards
    /// publish meanwhile.
    #[inline]
    pub(super) fn settle(&self, cell: &ShardCell<K, V, S>, map: &mut Engine<K, V, S>) -> bool {
        let totals = &self.core.totals;
        let shards = self.core.shards.len();
        let weight = |map: &Engine<K, V, S>| totals.weight_of(map);
        let (len0, weight0) = cell.load.get();
        while self.own_shard_gives((len0, weight0), (map.len(), weight(map))) && map.shed_one() {}
        if !totals.publish(&cell.load, map.len(), weight(map)) {
            return false;
        }
        while totals.excess().is_some() {
            // The shard's only entry is the one just written, or it holds
            // no more than its share: the fullest shard gives instead.
            if map.len() <= 1
                || !totals.over_share(map.len(), weight(map), shards)
                || !map.shed_one()
            {
                return true;
            }
            totals.publish(&cell.load, map.len(), weight(map));
        }
        false
    }

    /// Whether a shard that now holds `now` (length, weight), having last
    /// published `published`, must give one of its own entries before
    /// publishing: the growth would take the map over its bound, and the
    /// shard holds more than the entry just written and more than its
    /// share. [`settle`](Self::settle)'s shedding loop and
    /// [`takes_a_victims_place`](Self::takes_a_victims_place) both ask.
    #[inline]
    fn own_shard_gives(&self, published: (usize, u64), now: (usize, u64)) -> bool {
        let totals = &self.core.totals;
        totals.would_exceed(
            now.0.saturating_sub(published.0),
            now.1.saturating_sub(published.1),
        ) && now.0 > 1
            && totals.over_share(now.0, now.1, self.core.shards.len())
    }

    /// Whether a new key written to `cell`'s shard should take the slot of
    /// one of its entries: `settle` would shed one of them right after the
    /// insert (see `own_shard_gives`). Evicting first, in place, is the full
    /// unsync map's path: no swap-remove moving the last slot and rehashing
    /// its key (cachegrind, 3M Zipf get-or-insert on 8 shards, one thread:
    /// 431.8 -> 390.3 instructions an operation). Unweighted maps only: an
    /// entry's weight is known once it is weighed, inside the insert.
    #[inline]
    pub(super) fn takes_a_victims_place(
        &self,
        cell: &ShardCell<K, V, S>,
        map: &Engine<K, V, S>,
    ) -> bool {
        self.core.totals.max_weight() == u64::MAX
            && self.own_shard_gives((cell.load.get().0, 0), (map.len() + 1, 0))
    }

    /// Evicts from the fullest shards, one entry at a time with no other
    /// lock held, until the map is within its bound. Each eviction reaches
    /// the listener before the next shard is locked. `written` is the shard
    /// whose write went over: it gives only when every other shard is
    /// empty, since it was not over its share (or holds just the new entry).
    pub(super) fn shed(&self, written: Option<&ShardCell<K, V, S>>) {
        while let Some(excess) = self.core.totals.excess() {
            let held = |cell: &ShardCell<K, V, S>| match excess {
                Excess::Count => cell.load.len.load(Relaxed) as u64,
                Excess::Weight => cell.load.weight.load(Relaxed),
            };
            let others = self
                .core
                .shards
                .iter()
                .filter(|cell| !written.is_some_and(|w| core::ptr::eq(*cell, w)))
                .filter(|cell| held(cell) > 0)
                .max_by_key(|cell| held(cell));
            let Some(cell) = others.or(written) else {
                return;
            };
            let (shed, left, evicted) = {
                let mut shard = cell.write();
                let shed = shard.map.shed_one();
                let map = &shard.map;
                self.core
                    .totals
                    .publish(&cell.load, map.len(), self.core.totals.weight_of(map));
                (shed, map.len(), shard.map.take_evictions())
            };
            self.core.deliver(evicted);
            // A shard that gave nothing but is empty now only had a stale
            // published count (it is corrected, so the next pass looks
            // elsewhere). One that gave nothing and is not empty, or the
            // last resort, ends the loop rather than spin on it: the bound
            // is restored by the next write that sees the excess.
            if !shed && (left > 0 || others.is_none()) {
                return;
            }
        }
    }

    /// Changes the bound on entries. The shards' shares follow (they still
    /// add up to the bound); if the map holds more, the least recent
    /// entries of the fullest shards go to the listener with cause
    /// [`Size`](crate::EvictionCause::Size), after each shard's lock is
    /// released. Concurrent writers see the new bound at once.
    ///
    /// *O*(shards) plus *O*(shards) per evicted entry.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::new(100);
    /// for i in 0..100 {
    ///     m.insert(i, i);
    /// }
    /// m.set_capacity(10);
    /// assert_eq!((m.len(), m.capacity()), (10, 10));
    /// m.set_capacity(1_000); // room to grow again
    /// for i in 0..1_000 {
    ///     m.insert(i, i);
    /// }
    /// assert_eq!(m.len(), 1_000);
    /// ```
    pub fn set_capacity(&self, capacity: usize) {
        self.core.totals.capacity.store(capacity, Relaxed);
        self.resize(|map| map.set_capacity(capacity));
    }

    /// Changes the bound on total weight, as [`set_capacity`](Self::set_capacity)
    /// does for the count. On a map built without a weight bound, entries
    /// weigh what the weigher says (1 each without one) from now on.
    ///
    /// *O*(`len`) the first time on a map built without a weight bound;
    /// otherwise *O*(shards) plus *O*(shards) per evicted entry.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::<u32, String>::builder()
    ///     .max_weight(1_000)
    ///     .weigher(|_, v: &String| v.len() as u64)
    ///     .build();
    /// for i in 0..10 {
    ///     m.insert(i, "x".repeat(100));
    /// }
    /// m.set_max_weight(300);
    /// assert_eq!(m.len(), 3);
    /// ```
    pub fn set_max_weight(&self, max_weight: u64) {
        self.core.totals.max_weight.store(max_weight, Relaxed);
        self.resize(|map| map.set_max_weight(max_weight));
    }

    /// Applies a new bound to every shard (each given its share), then
    /// sheds down to it.
    fn resize(&self, mut apply: impl FnMut(&mut Engine<K, V, S>)) {
        let shares = crate::bounded::shares(
            self.core.totals.capacity(),
            self.core.totals.max_weight(),
            self.core.shards.len(),
        );
        let mut evicted: Vec<Held<K, V>> = Vec::new();
        for (cell, share) in self.core.shards.iter().zip(shares) {
            let mut shard = cell.write();
            apply(&mut shard.map);
            shard.map.set_share(share.0, share.1);
            self.core.republish(cell, &shard.map);
            evicted.push(shard.map.take_evictions());
        }
        for e in evicted {
            self.core.deliver(e);
        }
        self.shed(None);
    }
}
