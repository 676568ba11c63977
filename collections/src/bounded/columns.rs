//! The per-slot columns the engine keeps beside its slab: entry weights,
//! expiry (deadlines, last use, last write) and the eviction policy's
//! per-entry bits. A slot's index names its row in each, so whatever moves
//! slots (a swap-remove, laying the slab out in order, compaction) moves
//! every column the same way. [`Column`] is that contract, and
//! [`Columns`] applies each step to all of them in one call.

use core::mem;

use crate::compact::scatter;
use crate::expiry::Expiry;
use crate::list::NIL;
use crate::policy::TinyLfu;

/// State with one row per slab slot.
pub(crate) trait Column {
    /// Room for `additional` more rows without reallocating.
    fn reserve_exact(&mut self, additional: usize);
    /// Row `i` leaves and the last row takes its place (`Vec::swap_remove`).
    fn swap_remove(&mut self, i: u32);
    /// The slab was laid out in list order: row `i` moves to `rank[i]`.
    fn permute(&mut self, rank: &[u32]);
    /// Row `i` moves to `new_index[i]`, or leaves where that is `NIL`;
    /// the survivors keep their order.
    fn retain(&mut self, new_index: &[u32]);
    /// Gives memory back once the slab holds at most `room` rows.
    fn shrink_to(&mut self, room: usize);
    /// Bytes allocated.
    fn heap_bytes(&self) -> usize;
}

/// Entry weights and their total. Empty for an unweighted map, where every
/// entry weighs 1 and the column costs nothing.
#[derive(Clone, Debug, Default)]
pub(crate) struct Weights {
    on: bool,
    rows: Vec<u64>,
    total: u64,
}

impl Weights {
    pub(crate) fn new(on: bool) -> Self {
        Weights {
            on,
            ..Weights::default()
        }
    }

    /// Whether entries carry weights (a weight bound or a weigher).
    #[inline]
    pub(crate) fn is_on(&self) -> bool {
        self.on
    }

    /// Starts weighing a map of `len` entries, each of weight 1.
    pub(crate) fn switch_on(&mut self, len: usize) {
        if !self.on {
            self.on = true;
            self.rows = vec![1; len];
            self.total = len as u64;
        }
    }

    /// Slot `i`'s weight (1 when unweighted).
    #[inline]
    pub(crate) fn get(&self, i: u32) -> u64 {
        if self.on {
            self.rows[i as usize]
        } else {
            1
        }
    }

    /// The weights' sum (only kept when weighted).
    #[inline]
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// A new last row.
    #[inline]
    pub(crate) fn push(&mut self, weight: u64) {
        if self.on {
            self.rows.push(weight);
            self.total += weight;
        }
    }

    /// Sets slot `i`'s weight, returning the old one.
    #[inline]
    pub(crate) fn replace(&mut self, i: u32, weight: u64) -> u64 {
        if !self.on {
            return 1;
        }
        let old = mem::replace(&mut self.rows[i as usize], weight);
        self.total = self.total - old + weight;
        old
    }

    /// Drops every row and the allocation.
    pub(crate) fn clear(&mut self) {
        self.rows = Vec::new();
        self.total = 0;
    }
}

impl Column for Weights {
    fn reserve_exact(&mut self, additional: usize) {
        if self.on {
            self.rows.reserve_exact(additional);
        }
    }

    #[inline]
    fn swap_remove(&mut self, i: u32) {
        if self.on {
            self.total -= self.rows.swap_remove(i as usize);
        }
    }

    fn permute(&mut self, rank: &[u32]) {
        if self.on {
            self.rows = scatter(self.rows.iter().copied(), rank, |w| w);
        }
    }

    fn retain(&mut self, new_index: &[u32]) {
        if self.on {
            let mut index = new_index.iter();
            let mut removed = 0;
            self.rows.retain(|&w| {
                let keep = index.next().is_some_and(|&n| n != NIL);
                removed += if keep { 0 } else { w };
                keep
            });
            self.total -= removed;
        }
    }

    fn shrink_to(&mut self, room: usize) {
        self.rows.shrink_to(room);
    }

    #[inline]
    fn heap_bytes(&self) -> usize {
        self.rows.capacity() * mem::size_of::<u64>()
    }
}

impl Column for Expiry {
    fn reserve_exact(&mut self, additional: usize) {
        Expiry::reserve_exact(self, additional);
    }

    #[inline]
    fn swap_remove(&mut self, i: u32) {
        Expiry::swap_remove(self, i);
    }

    fn permute(&mut self, rank: &[u32]) {
        Expiry::permute(self, rank);
    }

    fn retain(&mut self, new_index: &[u32]) {
        Expiry::retain(self, new_index);
    }

    fn shrink_to(&mut self, room: usize) {
        Expiry::shrink_to(self, room);
    }

    #[inline]
    fn heap_bytes(&self) -> usize {
        Expiry::heap_bytes(self)
    }
}

/// Every column of one engine. Policy bits exist only under
/// `Policy::TinyLfu`; their queue counts need the weights, so they are
/// moved here rather than through a `Column` impl of their own.
#[derive(Clone, Debug)]
pub(crate) struct Columns {
    pub(crate) weights: Weights,
    pub(crate) expiry: Expiry,
    /// The queues of `Policy::TinyLfu`; `None` for LRU.
    pub(crate) lfu: Option<TinyLfu>,
}

impl Column for Columns {
    fn reserve_exact(&mut self, additional: usize) {
        self.weights.reserve_exact(additional);
        Column::reserve_exact(&mut self.expiry, additional);
        if let Some(lfu) = &mut self.lfu {
            lfu.reserve_exact(additional);
        }
    }

    /// Call after the policy `detach`ed the slot from its queues.
    #[inline]
    fn swap_remove(&mut self, i: u32) {
        Column::swap_remove(&mut self.expiry, i);
        self.weights.swap_remove(i);
        if let Some(lfu) = &mut self.lfu {
            lfu.swap_removed(i);
        }
    }

    fn permute(&mut self, rank: &[u32]) {
        self.weights.permute(rank);
        Column::permute(&mut self.expiry, rank);
        if let Some(lfu) = &mut self.lfu {
            lfu.permute(rank);
        }
    }

    fn retain(&mut self, new_index: &[u32]) {
        self.weights.retain(new_index);
        Column::retain(&mut self.expiry, new_index);
        if let Some(lfu) = &mut self.lfu {
            let weights = &self.weights;
            lfu.retain(new_index.iter().map(|&n| n != NIL), |i| {
                weights.get(i as u32)
            });
        }
    }

    fn shrink_to(&mut self, room: usize) {
        self.weights.shrink_to(room);
        Column::shrink_to(&mut self.expiry, room);
        if let Some(lfu) = &mut self.lfu {
            lfu.shrink_to(room);
        }
    }

    #[inline]
    fn heap_bytes(&self) -> usize {
        self.weights.heap_bytes()
            + Column::heap_bytes(&self.expiry)
            + self.lfu.as_ref().map_or(0, TinyLfu::heap_bytes)
    }
}
