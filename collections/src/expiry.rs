//! Expiry for slab maps: per-slot deadlines, a write-order queue for a
//! uniform TTL, and a hierarchical timer wheel for per-entry TTLs, all
//! linked by slab indices (no pointers, no per-entry allocation).
//!
//! A uniform TTI needs no structure of its own: its order is the recency
//! list's, so its next victim is that list's tail (the map passes it in).
//!
//! The wheel follows Caffeine's: levels of 64, 64, 32, 4 and 1 buckets,
//! spanning about 1.07 s, 1.14 min, 1.22 h, 1.6 d and 6.5 d per bucket. An
//! entry sits in the bucket of its deadline at the coarsest level that still
//! tells it apart; when time crosses a bucket, its entries are due (moved to
//! the `DUE` ring) or cascade to a finer level. Every entry cascades at most
//! four times, so upkeep is amortized *O*(1), and an advance touches at most
//! 165 buckets however far time jumps.
//!
//! Every ring is circular through a sentinel, so unlinking needs no idea of
//! which ring a slot is in. Sentinels are addressed by indices at the top of
//! the `u32` range, above any slot.

use core::cell::Cell;
use std::time::Duration;

use crate::clock::{nanos, Clock, NEVER};
use crate::list::NIL;

/// Slot indices stay below this; `SENTINEL + s` names sentinel `s`.
pub(crate) const SENTINEL: u32 = u32::MAX - 256;
const _: () = assert!(crate::list::MAX_SLOTS < SENTINEL as usize);

/// The ring of entries with a uniform-TTL deadline, in write order.
const QUEUE: u32 = 0;
/// Entries the wheel has found due, waiting to be purged.
const DUE: u32 = 1;
/// The first wheel bucket.
const WHEEL: u32 = 2;

const BUCKETS: [u64; 5] = [64, 64, 32, 4, 1];
/// log2 of each level's bucket width in nanoseconds.
const SHIFT: [u32; 5] = [30, 36, 42, 47, 49];
const OFFSET: [u32; 5] = [0, 64, 128, 160, 164];
const RINGS: usize = WHEEL as usize + 165;

/// One slot's (or sentinel's) place in a ring; `prev == NIL` when detached.
#[derive(Clone, Copy, Debug)]
struct Ring {
    prev: u32,
    next: u32,
}

const DETACHED: Ring = Ring {
    prev: NIL,
    next: NIL,
};

/// The expiry state of one map. Inactive (no clock read, no columns) until
/// the map has a TTL or TTI, or first uses a per-entry TTL.
#[derive(Clone, Debug)]
pub(crate) struct Expiry {
    clock: Option<Clock>,
    ttl: u64,
    tti: u64,
    active: bool,
    /// Per slot: when the last write expires (`NEVER` for no deadline).
    deadline: Vec<u64>,
    /// Per slot, with a TTI: the last use.
    accessed: Vec<Cell<u64>>,
    /// Per slot: its place in `QUEUE`, `DUE` or a wheel bucket.
    links: Vec<Ring>,
    sentinels: Vec<Ring>,
    /// The time the wheel has been advanced to.
    wheel_now: u64,
    /// The latest time read, and whether a later read was earlier (only a
    /// `ManualClock` can go back): then the queues are out of order and
    /// only a full scan finds everything expired.
    latest: Cell<u64>,
    disordered: Cell<bool>,
}

impl Expiry {
    pub(crate) fn new(ttl: Option<Duration>, tti: Option<Duration>, clock: Option<Clock>) -> Self {
        let mut expiry = Expiry {
            clock,
            ttl: ttl.map_or(NEVER, nanos),
            tti: tti.map_or(NEVER, nanos),
            active: false,
            deadline: Vec::new(),
            accessed: Vec::new(),
            links: Vec::new(),
            sentinels: Vec::new(),
            wheel_now: 0,
            latest: Cell::new(0),
            disordered: Cell::new(false),
        };
        if ttl.is_some() || tti.is_some() {
            expiry.activate(0);
        }
        expiry
    }

    #[inline]
    pub(crate) fn active(&self) -> bool {
        self.active
    }

    pub(crate) fn ttl(&self) -> Option<Duration> {
        (self.ttl != NEVER).then(|| Duration::from_nanos(self.ttl))
    }

    pub(crate) fn tti(&self) -> Option<Duration> {
        (self.tti != NEVER).then(|| Duration::from_nanos(self.tti))
    }

    #[inline]
    fn has_tti(&self) -> bool {
        self.tti != NEVER
    }

    /// Starts keeping time for a map of `slots` entries, none with a
    /// deadline. *O*(`slots`), once.
    pub(crate) fn activate(&mut self, slots: usize) {
        if self.active {
            return;
        }
        self.active = true;
        let clock = self.clock.get_or_insert_with(Clock::default);
        let now = clock.now();
        self.wheel_now = now;
        self.deadline = vec![NEVER; slots];
        if self.has_tti() {
            self.accessed = (0..slots).map(|_| Cell::new(now)).collect();
        }
        self.links = vec![DETACHED; slots];
        self.sentinels = (0..RINGS as u32)
            .map(|s| Ring {
                prev: SENTINEL + s,
                next: SENTINEL + s,
            })
            .collect();
    }

    /// The current time, or 0 while inactive.
    #[inline]
    pub(crate) fn now(&self) -> u64 {
        match (&self.clock, self.active) {
            (Some(clock), true) => {
                let now = clock.now();
                if now < self.latest.get() {
                    self.disordered.set(true);
                } else {
                    self.latest.set(now);
                }
                now
            }
            _ => 0,
        }
    }

    /// Whether the clock has ever gone back while entries were filed, so
    /// that the queues may hold an expired entry behind a live one.
    pub(crate) fn disordered(&self) -> bool {
        self.disordered.get()
    }

    /// The write deadline a write at `now` gets: `custom` (a per-entry TTL)
    /// or the map's TTL.
    #[inline]
    pub(crate) fn write_deadline(&self, now: u64, custom: Option<Duration>) -> u64 {
        now.saturating_add(custom.map_or(self.ttl, nanos))
    }

    /// Whether an entry written at `now` with `deadline` is expired at
    /// once (a zero TTL or TTI).
    #[inline]
    pub(crate) fn born_expired(&self, now: u64, deadline: u64) -> bool {
        self.active && (expired(deadline, now) || expired(now.saturating_add(self.tti), now))
    }

    /// Whether slot `i` has expired at `now`.
    #[inline]
    pub(crate) fn is_expired(&self, i: u32, now: u64) -> bool {
        if !self.active {
            return false;
        }
        let i = i as usize;
        expired(self.deadline[i], now)
            || (self.has_tti() && expired(self.accessed[i].get().saturating_add(self.tti), now))
    }

    /// Records a use of slot `i` (restarts its TTI).
    #[inline]
    pub(crate) fn on_read(&self, i: u32, now: u64) {
        if self.has_tti() {
            self.accessed[i as usize].set(now);
        }
    }

    /// Records a write to slot `i` at `now` expiring at `deadline`: restarts
    /// its TTI and files it where its deadline will be found. `per_entry`
    /// deadlines go to the wheel, the map's uniform TTL to the write queue.
    pub(crate) fn on_write(&mut self, i: u32, now: u64, deadline: u64, per_entry: bool) {
        if !self.active {
            return;
        }
        self.on_read(i, now);
        self.deadline[i as usize] = deadline;
        self.unlink(i);
        if deadline == NEVER {
        } else if per_entry {
            self.schedule(i);
        } else {
            self.push_back(QUEUE, i);
        }
    }

    // --- columns kept parallel to the slab ---------------------------------

    /// A new slot at the slab's end (not yet filed: `on_write` does that).
    pub(crate) fn push(&mut self, now: u64) {
        if self.active {
            self.deadline.push(NEVER);
            if self.has_tti() {
                self.accessed.push(Cell::new(now));
            }
            self.links.push(DETACHED);
        }
    }

    pub(crate) fn reserve_exact(&mut self, additional: usize) {
        if self.active {
            self.deadline.reserve_exact(additional);
            if self.has_tti() {
                self.accessed.reserve_exact(additional);
            }
            self.links.reserve_exact(additional);
        }
    }

    pub(crate) fn shrink_to(&mut self, room: usize) {
        self.deadline.shrink_to(room);
        self.accessed.shrink_to(room);
        self.links.shrink_to(room);
    }

    /// Forgets every slot and releases the columns (the configuration and
    /// clock stay).
    pub(crate) fn reset(&mut self) {
        self.disordered.set(false);
        self.deadline = Vec::new();
        self.accessed = Vec::new();
        self.links = Vec::new();
        for (s, ring) in (0..).zip(&mut self.sentinels) {
            *ring = Ring {
                prev: SENTINEL + s,
                next: SENTINEL + s,
            };
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.deadline.capacity() * core::mem::size_of::<u64>()
            + self.accessed.capacity() * core::mem::size_of::<Cell<u64>>()
            + (self.links.capacity() + self.sentinels.capacity()) * core::mem::size_of::<Ring>()
    }

    /// Mirrors `Vec::swap_remove(i)` on the slab.
    pub(crate) fn swap_remove(&mut self, i: u32) {
        if !self.active {
            return;
        }
        self.unlink(i);
        let i_us = i as usize;
        self.deadline.swap_remove(i_us);
        if self.has_tti() {
            self.accessed.swap_remove(i_us);
        }
        self.links.swap_remove(i_us);
        if let Some(&Ring { prev, next }) = self.links.get(i_us) {
            if prev != NIL {
                self.ring(prev).next = i;
                self.ring(next).prev = i;
            }
        }
    }

    /// Mirrors a permutation of the slab: slot `i` moves to `rank[i]`.
    pub(crate) fn permute(&mut self, rank: &[u32]) {
        if !self.active {
            return;
        }
        let moved = |x: u32| if x < SENTINEL { rank[x as usize] } else { x };
        let mut links = vec![DETACHED; self.links.len()];
        let mut deadline = vec![NEVER; self.deadline.len()];
        for (i, &r) in rank.iter().enumerate() {
            let Ring { prev, next } = self.links[i];
            links[r as usize] = Ring {
                prev: moved(prev),
                next: moved(next),
            };
            deadline[r as usize] = self.deadline[i];
        }
        if self.has_tti() {
            let accessed: Vec<Cell<u64>> = (0..rank.len()).map(|_| Cell::new(0)).collect();
            for (i, &r) in rank.iter().enumerate() {
                accessed[r as usize].set(self.accessed[i].get());
            }
            self.accessed = accessed;
        }
        for ring in &mut self.sentinels {
            *ring = Ring {
                prev: moved(ring.prev),
                next: moved(ring.next),
            };
        }
        self.links = links;
        self.deadline = deadline;
    }

    /// Mirrors a compaction of the slab: slot `i` moves to `new_index[i]`,
    /// or is dropped where that is `NIL`.
    pub(crate) fn retain(&mut self, new_index: &[u32]) {
        if !self.active {
            return;
        }
        for (i, &n) in (0..).zip(new_index) {
            if n == NIL {
                self.unlink(i);
            }
        }
        let moved = |x: u32| {
            if x < SENTINEL {
                new_index[x as usize]
            } else {
                x
            }
        };
        for ring in self.links.iter_mut().chain(&mut self.sentinels) {
            if ring.prev != NIL {
                *ring = Ring {
                    prev: moved(ring.prev),
                    next: moved(ring.next),
                };
            }
        }
        let mut keep = new_index.iter().map(|&n| n != NIL);
        self.links.retain(|_| keep.next().unwrap_or(true));
        let mut keep = new_index.iter().map(|&n| n != NIL);
        self.deadline.retain(|_| keep.next().unwrap_or(true));
        if self.has_tti() {
            let mut keep = new_index.iter().map(|&n| n != NIL);
            self.accessed.retain(|_| keep.next().unwrap_or(true));
        }
    }

    // --- finding what is due ------------------------------------------------

    /// A slot that has expired by `now`, if one is filed where upkeep looks:
    /// the `DUE` ring, the write queue's front, or (with a TTI) `lru_tail`,
    /// the least recently used slot. Advances the wheel first. Amortized
    /// *O*(1); `None` does not promise nothing else has expired (see
    /// [`Expiry::sweep`]).
    pub(crate) fn next_due(&mut self, now: u64, lru_tail: u32) -> Option<u32> {
        if !self.active {
            return None;
        }
        self.advance(now);
        for ring in [DUE, QUEUE] {
            if let Some(i) = self.front(ring) {
                if self.is_expired(i, now) {
                    return Some(i);
                }
            }
        }
        (self.has_tti() && lru_tail != NIL && self.is_expired(lru_tail, now)).then_some(lru_tail)
    }

    /// Files everything in the wheel's current bucket that is due by `now`
    /// as due, so that `next_due` finds every wheel entry that has expired.
    /// *O*(entries in that bucket); for `purge_expired`, not the hot path.
    pub(crate) fn sweep(&mut self, now: u64) {
        if !self.active {
            return;
        }
        self.advance(now);
        let bucket = WHEEL + OFFSET[0] + ((now >> SHIFT[0]) & (BUCKETS[0] - 1)) as u32;
        let mut cur = self.sentinels[bucket as usize].next;
        while cur < SENTINEL {
            let next = self.links[cur as usize].next;
            if expired(self.deadline[cur as usize], now) {
                self.unlink(cur);
                self.push_back(DUE, cur);
            }
            cur = next;
        }
    }

    /// Moves the wheel to `now`: every bucket whose time has come is
    /// emptied into `DUE` or a finer bucket. A clock turned back leaves the
    /// wheel where it was until time catches up.
    fn advance(&mut self, now: u64) {
        if now <= self.wheel_now {
            return;
        }
        let before = self.wheel_now;
        self.wheel_now = now;
        for level in 0..BUCKETS.len() {
            let (from, to) = (before >> SHIFT[level], now >> SHIFT[level]);
            if from == to {
                break;
            }
            let mask = BUCKETS[level] - 1;
            // The bucket time was in, and every one since, up to a full turn.
            let steps = (to - from).saturating_add(1).min(BUCKETS[level]);
            for step in 0..steps {
                let bucket = WHEEL + OFFSET[level] + ((from + step) & mask) as u32;
                self.cascade(bucket);
            }
        }
    }

    /// Re-files every entry of `bucket` by its deadline and the wheel's time.
    fn cascade(&mut self, bucket: u32) {
        let head = SENTINEL + bucket;
        let mut cur = self.sentinels[bucket as usize].next;
        self.sentinels[bucket as usize] = Ring {
            prev: head,
            next: head,
        };
        // The old chain still ends at `head`; entries re-filed into this
        // same bucket are appended to the fresh ring, behind `cur`.
        while cur != head {
            let next = self.links[cur as usize].next;
            self.links[cur as usize] = DETACHED;
            self.schedule(cur);
            cur = next;
        }
    }

    /// Files slot `i` in the wheel by its deadline.
    fn schedule(&mut self, i: u32) {
        let deadline = self.deadline[i as usize];
        if deadline <= self.wheel_now {
            self.push_back(DUE, i);
            return;
        }
        let ahead = deadline - self.wheel_now;
        let level = (0..BUCKETS.len() - 1)
            .find(|&l| ahead < 1u64 << SHIFT[l + 1])
            .unwrap_or(BUCKETS.len() - 1);
        let bucket = OFFSET[level] + ((deadline >> SHIFT[level]) & (BUCKETS[level] - 1)) as u32;
        self.push_back(WHEEL + bucket, i);
    }

    // --- rings ----------------------------------------------------------------

    #[inline]
    fn ring(&mut self, i: u32) -> &mut Ring {
        if i >= SENTINEL {
            &mut self.sentinels[(i - SENTINEL) as usize]
        } else {
            &mut self.links[i as usize]
        }
    }

    fn front(&self, ring: u32) -> Option<u32> {
        let next = self.sentinels[ring as usize].next;
        (next < SENTINEL).then_some(next)
    }

    fn push_back(&mut self, ring: u32, i: u32) {
        let head = SENTINEL + ring;
        let last = self.sentinels[ring as usize].prev;
        self.links[i as usize] = Ring {
            prev: last,
            next: head,
        };
        self.ring(last).next = i;
        self.sentinels[ring as usize].prev = i;
    }

    fn unlink(&mut self, i: u32) {
        let Ring { prev, next } = self.links[i as usize];
        if prev == NIL {
            return;
        }
        self.ring(prev).next = next;
        self.ring(next).prev = prev;
        self.links[i as usize] = DETACHED;
    }

    /// Checks every ring against the deadlines (tests only).
    #[cfg(test)]
    fn check(&self) {
        let mut seen = vec![false; self.links.len()];
        for s in 0..RINGS as u32 {
            let mut cur = self.sentinels[s as usize].next;
            let mut prev = SENTINEL + s;
            while cur != SENTINEL + s {
                assert!(cur < SENTINEL, "ring {s} reaches another sentinel");
                assert_eq!(self.links[cur as usize].prev, prev);
                assert!(!seen[cur as usize], "slot {cur} is in two rings");
                seen[cur as usize] = true;
                if s == QUEUE || s >= WHEEL {
                    assert_ne!(self.deadline[cur as usize], NEVER);
                }
                prev = cur;
                cur = self.links[cur as usize].next;
            }
            assert_eq!(self.sentinels[s as usize].prev, prev);
        }
        for (i, &s) in seen.iter().enumerate() {
            assert_eq!(s, self.links[i].prev != NIL, "slot {i} half-linked");
        }
    }
}

/// Whether a deadline has passed at `now`. `NEVER` never passes, even at the
/// end of time.
#[inline]
fn expired(deadline: u64, now: u64) -> bool {
    deadline != NEVER && deadline <= now
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;

    fn wheel(clock: &ManualClock, slots: usize) -> Expiry {
        let mut e = Expiry::new(None, None, Some(clock.clone().into()));
        e.activate(0);
        for _ in 0..slots {
            e.push(0);
        }
        e
    }

    fn drain_due(e: &mut Expiry, now: u64) -> Vec<u32> {
        e.sweep(now);
        let mut out = Vec::new();
        while let Some(i) = e.next_due(now, NIL) {
            // What the map does: remove the slot (here, just forget its time).
            e.unlink(i);
            e.deadline[i as usize] = NEVER;
            out.push(i);
        }
        out.sort_unstable();
        out
    }

    #[test]
    fn per_entry_deadlines_fire_at_every_level() {
        let clock = ManualClock::new();
        let delays = [
            1u64,
            999_999_999,
            1 << 30,
            3 << 30,
            1 << 36,
            5 << 36,
            1 << 42,
            9 << 42,
            1 << 47,
            3 << 47,
            1 << 49,
            7 << 49,
            u64::MAX / 4,
        ];
        let mut e = wheel(&clock, delays.len());
        for (i, &d) in (0..).zip(&delays) {
            e.on_write(i, 0, d, true);
        }
        e.check();
        let mut fired = Vec::new();
        let mut now = 0u64;
        for (i, &d) in (0..).zip(&delays) {
            // Just before: nothing new; at the deadline: exactly this one.
            assert_eq!(
                drain_due(&mut e, d - 1),
                Vec::<u32>::new(),
                "early at {}",
                d - 1
            );
            now = now.max(d);
            let due = drain_due(&mut e, now);
            assert_eq!(due, vec![i], "deadline {d}");
            fired.extend(due);
            e.check();
        }
        assert_eq!(fired.len(), delays.len());
    }

    #[test]
    fn a_century_jump_fires_everything_in_bounded_steps() {
        let clock = ManualClock::new();
        let mut e = wheel(&clock, 1000);
        for i in 0..1000u32 {
            e.on_write(i, 0, u64::from(i + 1) * 7_777_777_777, true);
        }
        let century = nanos(Duration::from_secs(100 * 365 * 24 * 3600));
        let due = drain_due(&mut e, century);
        assert_eq!(due, (0..1000).collect::<Vec<_>>());
        e.check();
    }

    #[test]
    fn swap_remove_and_permute_keep_rings_whole() {
        let clock = ManualClock::new();
        let mut e = wheel(&clock, 6);
        for i in 0..6u32 {
            e.on_write(i, 0, u64::from(i + 1) << 31, i % 2 == 0);
        }
        e.swap_remove(1);
        e.check();
        e.permute(&[4, 3, 2, 1, 0]);
        e.check();
        e.retain(&[0, NIL, 1, NIL, 2]);
        e.check();
        assert_eq!(e.links.len(), 3);
    }
}
