//! The engine both weak maps share: a dense slab behind a
//! `hashbrown::HashTable<u32>`, with dead entries found by an incremental
//! sweep and growth decided from live entries only.
//!
//! `weak-table` decides growth from a table full of tombstones and dead
//! entries, so churn doubles it again and again. Here, when the table has no
//! room left, every dead entry is purged first and the table is rebuilt at
//! its current size (clearing tombstones) unless live entries really fill
//! four fifths of it; the slab is sized to the table, never past it. Each
//! insert also sweeps [`SWEEP`] slots, so under insert-then-drop churn dead
//! entries stay below half the live ones.

use core::cell::Cell;
use core::hash::BuildHasher;
use core::mem;
use std::sync::Arc;

use hashbrown::HashTable;

use crate::compact;
use crate::registry::Registration;
use crate::shrink;
use crate::stats::Evictions;
use crate::Stats;

/// Slots each insert checks for death: with 3, a full pass over `n` slots
/// takes `n / 3` inserts, so at most about `n / 3` entries die unseen.
pub(crate) const SWEEP: usize = 3;

/// An entry that can die on its own.
pub(crate) trait Mortal {
    fn is_live(&self) -> bool;
}

/// The counters both weak maps keep for [`Stats`].
#[derive(Clone, Default)]
pub(crate) struct Counters {
    hits: Cell<u64>,
    misses: Cell<u64>,
    pub(crate) inserts: u64,
    pub(crate) updates: u64,
    pub(crate) evictions: Evictions,
}

impl Counters {
    /// Counts a lookup as a hit or a miss.
    #[inline]
    pub(crate) fn lookup(&self, found: bool) {
        let counter = if found { &self.hits } else { &self.misses };
        counter.set(counter.get() + 1);
    }

    /// Counts entries taken out by `retain`/`clear`: the dead as collected,
    /// the rest as explicit removals.
    pub(crate) fn removed<T: Mortal>(&mut self, removed: &[T]) {
        let dead = removed.iter().filter(|s| !s.is_live()).count() as u64;
        self.evictions.collected += dead;
        self.evictions.explicit += removed.len() as u64 - dead;
    }
}

#[derive(Clone)]
pub(crate) struct WeakTable<T, S> {
    table: HashTable<u32>,
    pub(crate) slots: Vec<T>,
    pub(crate) hasher: S,
    /// The next slot the incremental sweep looks at.
    cursor: usize,
    /// The table's capacity right after it was last built (no tombstones).
    room: usize,
    pub(crate) counters: Counters,
    /// Set by `named`: where the map publishes for `leakless::registry`.
    pub(crate) registration: Registration,
}

impl<T: Mortal, S> WeakTable<T, S> {
    pub(crate) fn new(hasher: S) -> Self {
        WeakTable {
            table: HashTable::new(),
            slots: Vec::new(),
            hasher,
            cursor: 0,
            room: 0,
            counters: Counters::default(),
            registration: Registration::default(),
        }
    }

    /// Registers the map under `name` as `kind`.
    pub(crate) fn name(&mut self, name: Arc<str>, kind: &'static str) {
        let probe = crate::registry::register(name, kind, 1);
        probe.publish(0, &self.stats());
        self.registration = Registration::new(probe, 0);
    }

    /// The map's [`Stats`]: its counters, `len` and own bytes. *O*(1).
    pub(crate) fn stats(&self) -> Stats {
        let c = &self.counters;
        Stats {
            hits: c.hits.get(),
            misses: c.misses.get(),
            inserts: c.inserts,
            updates: c.updates,
            evictions: c.evictions,
            len: self.slots.len(),
            capacity: usize::MAX,
            bytes: self.heap_bytes(),
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    pub(crate) fn live_len(&self) -> usize {
        self.slots.iter().filter(|s| s.is_live()).count()
    }

    pub(crate) fn capacity(&self) -> usize {
        self.table.capacity()
    }

    /// Bytes allocated by the table and the slab (not by what they hold).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.table.allocation_size() + self.slots.capacity() * mem::size_of::<T>()
    }

    #[inline]
    pub(crate) fn find(&self, hash: u64, eq: impl Fn(&T) -> bool) -> Option<u32> {
        let slots = &self.slots;
        self.table.find(hash, |&i| eq(&slots[i as usize])).copied()
    }

    /// Empties the map and releases its memory.
    pub(crate) fn clear(&mut self) -> Vec<T> {
        self.table = HashTable::new();
        self.cursor = 0;
        self.room = 0;
        mem::take(&mut self.slots)
    }

    /// Takes out every entry `keep` rejects (dead ones always), compacting
    /// the slab and remapping the table without hashing. *O*(`len`).
    fn extract(&mut self, mut keep: impl FnMut(&mut T) -> bool) -> Vec<T> {
        let fate: Vec<bool> = self
            .slots
            .iter_mut()
            .map(|s| s.is_live() && keep(s))
            .collect();
        if compact::close_up(&mut self.table, fate.iter().copied()).is_none() {
            return Vec::new();
        }
        let mut f = fate.iter();
        let removed = self
            .slots
            .extract_if(.., |_| !*f.next().unwrap_or(&true))
            .collect();
        self.cursor = 0;
        removed
    }
}

impl<T: Mortal, S: BuildHasher> WeakTable<T, S> {
    /// Keeps the entries `keep` accepts (dead ones never), counts what
    /// went (dead as collected, the rest as explicit) and gives memory
    /// back; the removed entries are dropped last. *O*(`len`).
    pub(crate) fn retain(
        &mut self,
        keep: impl FnMut(&mut T) -> bool,
        hash_of: impl Fn(&S, &T) -> u64,
    ) {
        let removed = self.extract(keep);
        self.counters.removed(&removed);
        self.maybe_shrink(hash_of);
    }

    /// Removes every dead entry now (counted as collected) and gives memory
    /// back; returns how many. *O*(`len`).
    pub(crate) fn purge_all(&mut self, hash_of: impl Fn(&S, &T) -> u64) -> usize {
        let dead = self.extract(|_| true);
        self.counters.removed(&dead);
        self.maybe_shrink(hash_of);
        dead.len()
    }

    /// Removes slot `i`, whose entry hashes to `hash`; `hash_of` hashes the
    /// slot that moves into the hole (before anything changes).
    pub(crate) fn remove_at(&mut self, i: u32, hash: u64, hash_of: impl Fn(&S, &T) -> u64) -> T {
        let last = (self.slots.len() - 1) as u32;
        let moved_hash = (i != last).then(|| hash_of(&self.hasher, &self.slots[last as usize]));
        if let Ok(bucket) = self.table.find_entry(hash, |&j| j == i) {
            bucket.remove();
        }
        if let Some(h) = moved_hash {
            if let Some(bucket) = self.table.find_mut(h, |&j| j == last) {
                *bucket = i;
            }
        }
        self.slots.swap_remove(i as usize)
    }

    /// Looks at up to `budget` slots from the sweep's cursor and removes the
    /// dead ones (counted as collected); returns how many. Amortized *O*(1)
    /// per slot looked at, and no allocation.
    pub(crate) fn sweep(&mut self, budget: usize, hash_of: impl Fn(&S, &T) -> u64) -> usize {
        let mut dead = 0;
        for _ in 0..budget.min(self.slots.len()) {
            if self.cursor >= self.slots.len() {
                self.cursor = 0;
            }
            let i = self.cursor;
            if self.slots[i].is_live() {
                self.cursor += 1;
            } else {
                // The last slot moves into `i`: look at `i` again next.
                let hash = hash_of(&self.hasher, &self.slots[i]);
                drop(self.remove_at(i as u32, hash, &hash_of));
                dead += 1;
            }
        }
        self.counters.evictions.collected += dead as u64;
        dead
    }

    /// Stores an entry known to be absent (counted as an insert), sweeping a
    /// few slots first; returns its slot.
    pub(crate) fn insert_new(
        &mut self,
        hash: u64,
        entry: T,
        hash_of: impl Fn(&S, &T) -> u64,
    ) -> u32 {
        self.counters.inserts += 1;
        self.sweep(SWEEP, &hash_of);
        if self.table.len() == self.table.capacity() {
            self.make_room(&hash_of);
        }
        let i = self.slots.len() as u32;
        if self.slots.len() == self.slots.capacity() {
            // The table's room bounds the slab: grow it to that, not past.
            let room = self.room.max(self.slots.len() + 1);
            self.slots.reserve_exact(room - self.slots.len());
        }
        self.slots.push(entry);
        let slots = &self.slots;
        let hasher = &self.hasher;
        self.table
            .insert_unique(hash, i, |&j| hash_of(hasher, &slots[j as usize]));
        self.registration.publish(|| self.stats());
        i
    }

    /// The table is out of room: purge every dead entry, then rebuild it at
    /// the size live entries call for (the same size unless they fill four
    /// fifths of it, double if they do, smaller if they are few), and fit
    /// the slab to it. Runs once per `room / 5` inserts or more: amortized
    /// *O*(1).
    fn make_room(&mut self, hash_of: &impl Fn(&S, &T) -> u64) {
        let dead = self.extract(|_| true);
        self.counters.removed(&dead);
        drop(dead);
        let live = self.slots.len();
        let room = if live + 1 > self.room / 5 * 4 {
            shrink::grown(self.room, usize::MAX, usize::MAX).max(live + 1)
        } else if live <= self.room / 4 {
            (2 * live).max(shrink::MIN_SLOTS)
        } else {
            self.room
        };
        self.rebuild(room, hash_of);
        let room = self.room;
        if self.slots.capacity() > room {
            self.slots.shrink_to(room);
        } else {
            self.slots.reserve_exact(room - live);
        }
    }

    /// A fresh table with room for `room` entries, holding every slot.
    fn rebuild(&mut self, room: usize, hash_of: &impl Fn(&S, &T) -> u64) {
        let mut table = HashTable::with_capacity(room.max(self.slots.len()));
        let (slots, hasher) = (&self.slots, &self.hasher);
        for (i, slot) in (0u32..).zip(slots) {
            table.insert_unique(hash_of(hasher, slot), i, |&j| {
                hash_of(hasher, &slots[j as usize])
            });
        }
        self.room = table.capacity();
        self.table = table;
    }

    /// Gives memory back once most of the slab is gone.
    /// Runs after every removal path, so it also publishes for the registry.
    pub(crate) fn maybe_shrink(&mut self, hash_of: impl Fn(&S, &T) -> u64) {
        let len = self.slots.len();
        if let Some(room) = shrink::shrunk(len, self.slots.capacity()) {
            self.slots.shrink_to(room);
        }
        if shrink::shrunk(len, self.table.capacity()).is_some() {
            self.rebuild((2 * len).max(shrink::MIN_SLOTS), &hash_of);
        }
        self.registration.publish(|| self.stats());
    }
}
