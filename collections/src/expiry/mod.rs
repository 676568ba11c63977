//! Expiry for slab maps: per-slot deadlines, a write-order log for a
//! uniform TTL, and a hierarchical timer wheel for per-entry TTLs, all by
//! slab index (no pointers, no per-entry allocation).
//!
//! The uniform TTL's queue is a log rather than a linked list: a write
//! appends `(slot, deadline)` and never unlinks the slot's older record,
//! which goes stale and is skipped when met, or dropped when the log is
//! compacted: on a write once it holds four times the map's slots plus 64
//! records (or 2^31), and when the map shrinks to less than half the log's
//! length. An intrusive list would cost every write two cache misses in the
//! neighbours of its old place; the log costs one sequential append. Each
//! slot keeps only the sequence number of its current record (4 bytes, in
//! a column small enough to stay in cache): the record holds the deadline,
//! so a write stores no deadline per slot, and the column is read only once
//! the expiry horizon has passed. A record is honoured only if it is the
//! slot's current one and its deadline has passed, so a stale record can
//! never expire anything early; a swap-remove that moves a slot rewrites its
//! record in place and the log stays in deadline order.
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

mod log;

use crate::relaxed::{RelaxedBool, RelaxedU64};
use std::time::Duration;

use log::WriteLog;

use crate::clock::{nanos, Clock, Reader, NEVER};
use crate::compact::{keep_rows, scatter};
use crate::list::NIL;

/// Slot indices stay below this; `SENTINEL + s` names sentinel `s`.
pub(crate) const SENTINEL: u32 = u32::MAX - 256;
const _: () = assert!(crate::list::MAX_SLOTS < SENTINEL as usize);

/// Entries the wheel has found due, waiting to be purged.
const DUE: u32 = 0;
/// The first wheel bucket.
const WHEEL: u32 = 1;

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

/// One slot's per-entry expiry: its deadline and its place in `DUE` or a
/// wheel bucket (`prev == NIL`: in no ring, and then `deadline` means
/// nothing: the slot's deadline is its log record's, if any).
#[derive(Clone, Copy, Debug)]
struct Timer {
    deadline: u64,
    ring: Ring,
}

/// A slot without a uniform-TTL record. The log never numbers a record so
/// (see `log_write`).
const NO_RECORD: u32 = u32::MAX;

/// The most records the log keeps before it is compacted, whatever the
/// map's size: sequence numbers and the log's length are `u32`. A map of
/// more live entries than this (over 2^31, some 100 GB of `u64` pairs)
/// would compact on every write: correct, and slow.
const LOG_LIMIT: usize = 1 << 31;

const NO_TIMER: Timer = Timer {
    deadline: NEVER,
    ring: DETACHED,
};

impl Default for Timer {
    fn default() -> Self {
        NO_TIMER
    }
}

/// The expiry state of one map. Inactive (no clock read, no columns) until
/// the map has a TTL or TTI, or first uses a per-entry TTL.
#[derive(Clone, Debug)]
pub(crate) struct Expiry {
    clock: Option<Clock>,
    /// How `clock` is read: `Off` until active.
    reader: Reader,
    /// Whether `reader` can go back (a `ManualClock`), so reads must watch
    /// for it.
    rewindable: bool,
    ttl: u64,
    tti: u64,
    /// No TTI and no refresh period: a write with the uniform TTL only
    /// appends to the log (while no per-entry TTL has been used).
    plain_writes: bool,
    active: bool,
    /// Per slot, once a per-entry TTL was used (empty before): its
    /// deadline and its place in a ring, together so that filing a write
    /// touches one cache line of the slot's, not two.
    timers: Vec<Timer>,
    /// Per slot: the sequence number of its current uniform-TTL record in
    /// `log`, or `NO_RECORD`.
    seqs: Vec<u32>,
    /// Per slot, with a TTI: the last use.
    accessed: TimeColumn,
    /// Per slot, with a refresh period: the last write.
    written: TimeColumn,
    /// Entries older than this since their last write are stale (still
    /// served, due for a reload); `NEVER` for no refresh.
    refresh: u64,
    /// Uniform-TTL writes, oldest first: `(slot, deadline)`.
    log: WriteLog,
    sentinels: Vec<Ring>,
    /// Per ring: no deadline in it is earlier. Lowered as slots are filed,
    /// reset when the ring empties; a removed slot may leave it low until
    /// then.
    floors: Vec<u64>,
    /// The time the wheel has been advanced to.
    wheel_now: u64,
    /// The latest time read, and whether a later read was earlier (only a
    /// `ManualClock` can go back): then the queues are out of order and
    /// only a full scan finds everything expired.
    latest: RelaxedU64,
    disordered: RelaxedBool,
    /// No slot expires before this: a lower bound, so that a lookup can
    /// skip the per-slot check (and its cache miss) while it holds.
    horizon: RelaxedU64,
    /// No per-entry deadline in a ring is earlier: the least of `floors`
    /// when last gathered (as the wheel crosses a bucket and when `DUE`
    /// empties), lowered by every filing in between.
    wheel_min: u64,
}

impl Expiry {
    pub(crate) fn new(ttl: Option<Duration>, tti: Option<Duration>, clock: Option<Clock>) -> Self {
        Self::with_refresh(ttl, tti, None, clock)
    }

    /// [`new`](Self::new), with entries stale `refresh` after their last
    /// write (see [`is_stale`](Self::is_stale)).
    pub(crate) fn with_refresh(
        ttl: Option<Duration>,
        tti: Option<Duration>,
        refresh: Option<Duration>,
        clock: Option<Clock>,
    ) -> Self {
        let mut expiry = Expiry {
            clock,
            reader: Reader::Off,
            rewindable: false,
            ttl: ttl.map_or(NEVER, nanos),
            tti: tti.map_or(NEVER, nanos),
            plain_writes: tti.is_none() && refresh.is_none(),
            active: false,
            timers: Vec::new(),
            seqs: Vec::new(),
            accessed: TimeColumn::default(),
            written: TimeColumn::default(),
            refresh: refresh.map_or(NEVER, nanos),
            log: WriteLog::default(),
            sentinels: Vec::new(),
            floors: Vec::new(),
            wheel_now: 0,
            latest: RelaxedU64::new(0),
            disordered: RelaxedBool::new(false),
            horizon: RelaxedU64::new(NEVER),
            wheel_min: NEVER,
        };
        if ttl.is_some() || tti.is_some() || refresh.is_some() {
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
        self.reader = clock.reader();
        self.rewindable = self.reader.can_go_back();
        let now = self.reader.now();
        self.wheel_now = now;
        self.seqs = vec![NO_RECORD; slots];
        self.accessed.fill(self.tti != NEVER, slots, now);
        self.written.fill(self.refresh != NEVER, slots, now);
        self.sentinels = (0..RINGS as u32)
            .map(|s| Ring {
                prev: SENTINEL + s,
                next: SENTINEL + s,
            })
            .collect();
        self.floors = vec![NEVER; RINGS];
    }

    /// The current time, or 0 while inactive.
    #[inline(always)]
    pub(crate) fn now(&self) -> u64 {
        // The default clock inline, one test and a load: it never goes back.
        if let Some(now) = self.reader.ticker() {
            return now;
        }
        self.now_other()
    }

    /// `now` from a clock other than the ticker.
    #[inline(never)]
    fn now_other(&self) -> u64 {
        let now = self.reader.now();
        // Only a `ManualClock` can go back. The maximum is atomic because
        // the sync map's readers call this under a shared lock.
        if self.rewindable && now < self.latest.max_shared(now) {
            self.disordered.set(true);
        }
        now
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
        // `expired(deadline, now) || expired(now + tti, now)`, folded: a
        // deadline is never before `now`, and nothing expires at `NEVER`.
        self.active && now != NEVER && (deadline <= now || self.tti == 0)
    }

    /// Whether slot `i` has expired at `now`. Before the horizon this is
    /// one comparison, without touching the slot's columns.
    #[inline]
    pub(crate) fn is_expired(&self, i: u32, now: u64) -> bool {
        if now < self.horizon.get() {
            return false;
        }
        expired(self.deadline(i), now)
            || (self.has_tti()
                && expired(self.accessed.get(i as usize).saturating_add(self.tti), now))
    }

    /// Slot `i`'s write deadline: its wheel timer's with a per-entry TTL,
    /// else its log record's, else `NEVER`.
    fn deadline(&self, i: u32) -> u64 {
        if let Some(t) = self.timers.get(i as usize) {
            if t.ring.prev != NIL {
                return t.deadline;
            }
        }
        match self.record(i) {
            Some((_, deadline)) => deadline,
            None => NEVER,
        }
    }

    /// Slot `i`'s current log record, if it has one: its sequence number
    /// and deadline.
    #[inline]
    fn record(&self, i: u32) -> Option<(u32, u64)> {
        let seq = *self.seqs.get(i as usize)?;
        if seq == NO_RECORD {
            return None;
        }
        let (slot, deadline) = self.log.get(seq)?;
        (slot == i).then_some((seq, deadline))
    }

    /// Whether slot `i` was last written at least the refresh period before
    /// `now`: still served, but due for a reload. Always false without a
    /// refresh period.
    #[inline]
    pub(crate) fn is_stale(&self, i: u32, now: u64) -> bool {
        self.refresh != NEVER
            && expired(
                self.written.get(i as usize).saturating_add(self.refresh),
                now,
            )
    }

    #[inline]
    pub(crate) fn refreshes(&self) -> bool {
        self.refresh != NEVER
    }

    /// Records a use of slot `i` (restarts its TTI).
    #[inline]
    pub(crate) fn on_read(&self, i: u32, now: u64) {
        if self.has_tti() {
            self.accessed.set(i as usize, now);
            self.lower_horizon(now.saturating_add(self.tti));
        }
    }

    #[inline]
    fn lower_horizon(&self, to: u64) {
        if to < self.horizon.get() {
            self.horizon.set(to);
        }
    }

    /// Whether any slot may have expired by `now` (`lru_tail` is the
    /// recency list's tail, the TTI order's head). False is a promise; true
    /// means check the slot. *O*(1); the common answer, false, is one
    /// comparison.
    #[inline]
    pub(crate) fn may_have_expired(&self, now: u64, lru_tail: u32) -> bool {
        now >= self.horizon.get() && self.recompute_horizon(now, lru_tail)
    }

    /// The earliest expiry of each order's first entry: write log, TTI
    /// order, wheel. Valid while the clock has never gone back (else the
    /// orders are not sorted and every slot must be checked). Out of line:
    /// it runs once per horizon passed, not per lookup.
    #[inline(never)]
    fn recompute_horizon(&self, now: u64, lru_tail: u32) -> bool {
        if !self.active || self.disordered.get() {
            return self.active;
        }
        let mut h = self.wheel_min;
        if let Some((_, d)) = self.log.front() {
            h = h.min(d);
        }
        if self.has_tti() && lru_tail != NIL {
            h = h.min(
                self.accessed
                    .get(lru_tail as usize)
                    .saturating_add(self.tti),
            );
        }
        self.horizon.set(h);
        now >= h
    }

    /// Records a write to slot `i` at `now` expiring at `deadline`: restarts
    /// its TTI and files it where its deadline will be found. `per_entry`
    /// deadlines go to the wheel, the map's uniform TTL to the write log.
    #[inline(always)]
    pub(crate) fn on_write(&mut self, i: u32, now: u64, deadline: u64, per_entry: bool) {
        if self.active {
            self.file_active(i, now, deadline, per_entry);
        }
    }

    /// `on_write` on an active map.
    #[inline(always)]
    fn file_active(&mut self, i: u32, now: u64, deadline: u64, per_entry: bool) {
        // A map with a TTL and nothing else (no TTI, no refresh, no
        // per-entry TTL used yet) only appends to the log: inline, where
        // the general case is a call (cachegrind: the call frame and its
        // tests were 19 of a churn insert's 100 instructions of upkeep).
        if self.plain_writes && !per_entry && deadline != NEVER && self.timers.is_empty() {
            self.lower_horizon(deadline);
            self.log_write(i, deadline);
        } else {
            self.file_write(i, now, deadline, per_entry);
        }
    }

    /// Files slot `i`'s write with the map's uniform TTL in the log.
    #[inline(always)]
    fn log_write(&mut self, i: u32, deadline: u64) {
        let seq = self.seqs[i as usize];
        if seq == self.log.head() && self.log.front().is_some_and(|r| r.0 == i) {
            // The log's oldest record is this slot's, and stale from this
            // write on: drop it. Under LRU churn the slot rewritten is
            // usually the oldest written, so the log does not grow.
            self.log.pop_front();
        }
        // Renumbering from 0 keeps the marker out of the log, and
        // compacting keeps the log within a few times the slots (and its
        // length well inside the `u32` numbering).
        let len = self.log.len();
        if self.log.next_seq() == NO_RECORD || len >= 4 * self.seqs.len() + 64 || len >= LOG_LIMIT {
            self.compact_log();
        }
        self.seqs[i as usize] = self.log.push_back((i, deadline));
    }

    #[inline(never)]
    fn file_write(&mut self, i: u32, now: u64, deadline: u64, per_entry: bool) {
        self.on_read(i, now);
        if self.refresh != NEVER {
            self.written.set(i as usize, now);
        }
        self.lower_horizon(deadline);
        if !self.timers.is_empty() {
            // Only a map that has used per-entry TTLs has slots in rings;
            // the others skip reading the slot's ring (a cache miss).
            self.unlink(i);
        }
        if deadline == NEVER {
            self.seqs[i as usize] = NO_RECORD;
        } else if per_entry {
            if self.timers.is_empty() {
                self.timers = vec![NO_TIMER; self.seqs.len()];
            }
            self.seqs[i as usize] = NO_RECORD;
            self.timers[i as usize].deadline = deadline;
            self.wheel_min = self.wheel_min.min(deadline);
            self.schedule(i);
        } else {
            self.log_write(i, deadline);
        }
    }

    /// Keeps only the records slots point at (their current ones: stale
    /// records and duplicates go) and renumbers them from 0. One sequential
    /// pass over the log, reading each record's slot's number (a column
    /// small enough to stay in cache). A current record leaves the log only
    /// with its slot, so every slot that had one keeps it. *O*(log), once
    /// per `len` writes or more.
    #[inline(never)]
    fn compact_log(&mut self) {
        let seqs = &mut self.seqs;
        self.log.compact(|seq, slot, renumbered| {
            let current = seqs.get(slot as usize) == Some(&seq);
            if current {
                seqs[slot as usize] = renumbered;
            }
            current
        });
    }

    /// Whether the log's front record, naming slot `i`, is that slot's
    /// current one.
    #[inline]
    fn front_is_current(&self, i: u32) -> bool {
        self.seqs.get(i as usize) == Some(&self.log.head())
    }

    // --- columns kept parallel to the slab ---------------------------------

    /// A new slot at the slab's end (not yet filed: `on_write` does that).
    #[inline]
    pub(crate) fn push(&mut self, now: u64) {
        if self.active {
            if !self.timers.is_empty() {
                self.timers.push(NO_TIMER);
            }
            self.seqs.push(NO_RECORD);
            self.accessed.push(now);
            self.written.push(now);
        }
    }

    #[inline]
    pub(crate) fn reserve_exact(&mut self, additional: usize) {
        if self.active {
            if !self.timers.is_empty() {
                self.timers.reserve_exact(additional);
            }
            self.seqs.reserve_exact(additional);
            self.accessed.reserve_exact(additional);
            self.written.reserve_exact(additional);
        }
    }

    pub(crate) fn shrink_to(&mut self, room: usize) {
        self.timers.shrink_to(room);
        self.seqs.shrink_to(room);
        self.accessed.shrink_to(room);
        self.written.shrink_to(room);
        if self.log.len() > 2 * room {
            self.compact_log();
        }
        self.log.shrink_to(2 * room + 64);
    }

    /// Forgets every slot and releases the columns (the configuration and
    /// clock stay).
    pub(crate) fn reset(&mut self) {
        self.disordered.set(false);
        self.horizon.set(NEVER);
        self.wheel_min = NEVER;
        self.timers = Vec::new();
        self.seqs = Vec::new();
        self.accessed.clear();
        self.written.clear();
        self.log = WriteLog::default();
        for (s, ring) in (0..).zip(&mut self.sentinels) {
            *ring = Ring {
                prev: SENTINEL + s,
                next: SENTINEL + s,
            };
        }
        self.floors.fill(NEVER);
    }

    #[inline]
    pub(crate) fn heap_bytes(&self) -> usize {
        self.timers.capacity() * core::mem::size_of::<Timer>()
            + self.seqs.capacity() * core::mem::size_of::<u32>()
            + self.accessed.heap_bytes()
            + self.written.heap_bytes()
            + self.log.heap_bytes()
            + self.sentinels.capacity() * core::mem::size_of::<Ring>()
            + self.floors.capacity() * core::mem::size_of::<u64>()
    }

    /// Mirrors `Vec::swap_remove(i)` on the slab.
    #[inline]
    pub(crate) fn swap_remove(&mut self, i: u32) {
        if self.active {
            self.swap_remove_active(i);
        }
    }

    fn swap_remove_active(&mut self, i: u32) {
        let i_us = i as usize;
        let last = (self.seqs.len() - 1) as u32;
        // The record of the slot that moves from the end to `i`, if any,
        // found before the move (it names `last`).
        let moved_record = if i == last { None } else { self.record(last) };
        if !self.timers.is_empty() {
            self.unlink(i);
            self.timers.swap_remove(i_us);
            if let Some(&Timer {
                ring: Ring { prev, next },
                ..
            }) = self.timers.get(i_us)
            {
                if prev != NIL {
                    self.ring(prev).next = i;
                    self.ring(next).prev = i;
                }
            }
        }
        self.seqs.swap_remove(i_us);
        self.accessed.swap_remove(i_us);
        self.written.swap_remove(i_us);
        if let Some((seq, _)) = moved_record {
            self.log.set_slot(seq, i);
        }
    }

    /// Mirrors a permutation of the slab: slot `i` moves to `rank[i]`.
    pub(crate) fn permute(&mut self, rank: &[u32]) {
        if !self.active {
            return;
        }
        let moved = |x: u32| if x < SENTINEL { rank[x as usize] } else { x };
        if !self.timers.is_empty() {
            self.timers = scatter(self.timers.iter().copied(), rank, |mut timer: Timer| {
                if timer.ring.prev != NIL {
                    timer.ring = Ring {
                        prev: moved(timer.ring.prev),
                        next: moved(timer.ring.next),
                    };
                }
                timer
            });
        }
        self.seqs = scatter(self.seqs.iter().copied(), rank, |s| s);
        self.accessed.permute(rank);
        self.written.permute(rank);
        for ring in &mut self.sentinels {
            *ring = Ring {
                prev: moved(ring.prev),
                next: moved(ring.next),
            };
        }
        for i in self.log.slots_mut() {
            if let Some(&r) = rank.get(*i as usize) {
                *i = r;
            }
        }
    }

    /// Mirrors a compaction of the slab: slot `i` moves to `new_index[i]`,
    /// or is dropped where that is `NIL`.
    pub(crate) fn retain(&mut self, new_index: &[u32]) {
        if !self.active {
            return;
        }
        if !self.timers.is_empty() {
            for (i, &n) in (0..).zip(new_index) {
                if n == NIL {
                    self.unlink(i);
                }
            }
        }
        let moved = |x: u32| {
            if x < SENTINEL {
                new_index[x as usize]
            } else {
                x
            }
        };
        let rings = self.timers.iter_mut().map(|t| &mut t.ring);
        for ring in rings.chain(&mut self.sentinels) {
            if ring.prev != NIL {
                *ring = Ring {
                    prev: moved(ring.prev),
                    next: moved(ring.next),
                };
            }
        }
        // Records keep their places (slots still know them); the removed
        // slots' records are left unreferenced for `compact_log` to drop.
        for i in self.log.slots_mut() {
            *i = new_index.get(*i as usize).copied().unwrap_or(NIL);
        }
        keep_rows(&mut self.timers, new_index);
        keep_rows(&mut self.seqs, new_index);
        self.compact_log();
        self.accessed.retain(new_index);
        self.written.retain(new_index);
    }

    // --- finding what is due ------------------------------------------------

    /// A slot that has expired by `now`, if one is filed where upkeep looks:
    /// the `DUE` ring, the write log's front, or (with a TTI) `lru_tail`,
    /// the least recently used slot. Advances the wheel first. Amortized
    /// *O*(1); `None` does not promise nothing else has expired (see
    /// [`Expiry::sweep`]).
    pub(crate) fn next_due(&mut self, now: u64, lru_tail: u32) -> Option<u32> {
        if !self.active {
            return None;
        }
        self.advance(now);
        if let Some(i) = self.front(DUE) {
            if self.is_expired(i, now) {
                return Some(i);
            }
        }
        // Stale records are dropped as they are met: each once, so this is
        // amortized O(1) per write. A current record stays until its slot is
        // removed, after which it is stale: its sequence number is no
        // slot's.
        // The log is in deadline order, so a front that is not due yet
        // (stale or not) means nothing behind it is: stop before touching
        // its slot.
        while let Some((i, d)) = self.log.front() {
            if !expired(d, now) {
                break;
            }
            if self.front_is_current(i) {
                return Some(i);
            }
            self.log.pop_front();
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
        // The walk sees every deadline left in the bucket: its exact floor.
        let mut floor = NEVER;
        while cur < SENTINEL {
            let next = self.timers[cur as usize].ring.next;
            let deadline = self.timers[cur as usize].deadline;
            if expired(deadline, now) {
                self.unlink(cur);
                self.push_back(DUE, cur);
            } else {
                floor = floor.min(deadline);
            }
            cur = next;
        }
        self.floors[bucket as usize] = floor;
    }

    /// Moves the wheel to `now`: every bucket whose time has come is
    /// emptied into `DUE` or a finer bucket. A clock turned back leaves the
    /// wheel where it was until time catches up.
    #[inline]
    fn advance(&mut self, now: u64) {
        if now <= self.wheel_now {
            return;
        }
        if (now ^ self.wheel_now) >> SHIFT[0] == 0 {
            // Still within the same finest bucket: no bucket's time has come.
            self.wheel_now = now;
            return;
        }
        self.advance_buckets(now);
    }

    fn advance_buckets(&mut self, now: u64) {
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
        self.gather_floors();
    }

    /// Raises `wheel_min` to the least ring floor, so that the horizon
    /// moves past deadlines that have gone (purged, rewritten, removed).
    /// *O*(rings): run as the wheel crosses a bucket (at most once a
    /// finest bucket's width, about a second) and when `DUE` empties (at
    /// most once per slot filed there).
    fn gather_floors(&mut self) {
        self.wheel_min = self.floors.iter().copied().min().unwrap_or(NEVER);
    }

    /// Re-files every entry of `bucket` by its deadline and the wheel's time.
    fn cascade(&mut self, bucket: u32) {
        let head = SENTINEL + bucket;
        let mut cur = self.sentinels[bucket as usize].next;
        self.sentinels[bucket as usize] = Ring {
            prev: head,
            next: head,
        };
        self.floors[bucket as usize] = NEVER;
        // The old chain still ends at `head`; entries re-filed into this
        // same bucket are appended to the fresh ring, behind `cur`.
        while cur != head {
            let next = self.timers[cur as usize].ring.next;
            self.timers[cur as usize].ring = DETACHED;
            self.schedule(cur);
            cur = next;
        }
    }

    /// Files slot `i` in the wheel by its deadline.
    fn schedule(&mut self, i: u32) {
        let deadline = self.timers[i as usize].deadline;
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
            &mut self.timers[i as usize].ring
        }
    }

    fn front(&self, ring: u32) -> Option<u32> {
        let next = self.sentinels[ring as usize].next;
        (next < SENTINEL).then_some(next)
    }

    fn push_back(&mut self, ring: u32, i: u32) {
        let head = SENTINEL + ring;
        let last = self.sentinels[ring as usize].prev;
        self.timers[i as usize].ring = Ring {
            prev: last,
            next: head,
        };
        self.ring(last).next = i;
        self.sentinels[ring as usize].prev = i;
        let floor = &mut self.floors[ring as usize];
        *floor = (*floor).min(self.timers[i as usize].deadline);
    }

    fn unlink(&mut self, i: u32) {
        let Ring { prev, next } = self.timers[i as usize].ring;
        if prev == NIL {
            return;
        }
        self.ring(prev).next = next;
        self.ring(next).prev = prev;
        self.timers[i as usize].ring = DETACHED;
        if prev == next && prev >= SENTINEL {
            // The slot was its ring's last.
            let ring = prev - SENTINEL;
            self.floors[ring as usize] = NEVER;
            if ring == DUE {
                self.gather_floors();
            }
        }
    }

    /// Checks every ring against the deadlines (tests only).
    #[cfg(test)]
    fn check(&self) {
        let mut seen = vec![false; self.timers.len()];
        for s in 0..RINGS as u32 {
            let mut cur = self.sentinels[s as usize].next;
            let mut prev = SENTINEL + s;
            while cur != SENTINEL + s {
                assert!(cur < SENTINEL, "ring {s} reaches another sentinel");
                assert_eq!(self.timers[cur as usize].ring.prev, prev);
                assert!(!seen[cur as usize], "slot {cur} is in two rings");
                seen[cur as usize] = true;
                let deadline = self.timers[cur as usize].deadline;
                if s >= WHEEL {
                    assert_ne!(deadline, NEVER);
                }
                assert!(self.floors[s as usize] <= deadline, "ring {s}'s floor");
                assert!(self.wheel_min <= deadline, "wheel_min above slot {cur}");
                prev = cur;
                cur = self.timers[cur as usize].ring.next;
            }
            assert_eq!(self.sentinels[s as usize].prev, prev);
        }
        for (i, &s) in seen.iter().enumerate() {
            assert_eq!(s, self.timers[i].ring.prev != NIL, "slot {i} half-linked");
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
            e.timers[i as usize].deadline = NEVER;
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
    fn a_record_numbered_at_the_wrap_still_expires() {
        let clock = ManualClock::new();
        let ttl = Some(Duration::from_secs(1));
        let mut e = Expiry::new(ttl, None, Some(clock.clone().into()));
        e.push(0);
        e.push(0);
        // The second write would be numbered `NO_RECORD`: the log is
        // renumbered instead, and both slots keep their deadlines.
        e.log = WriteLog::starting_at(NO_RECORD - 1);
        e.on_write(0, 0, 1_000, false);
        e.on_write(1, 0, 2_000, false);
        assert_eq!(e.seqs, [0, 1]);
        assert!(!e.is_expired(0, 999));
        assert!(e.is_expired(0, 1_000));
        assert!(!e.is_expired(1, 1_999));
        assert!(e.is_expired(1, 2_000));
    }

    #[test]
    fn a_uniform_ttl_map_keeps_no_wheel_timers() {
        let clock = ManualClock::new();
        let ttl = Some(Duration::from_secs(1));
        let mut e = Expiry::new(ttl, None, Some(clock.clone().into()));
        for i in 0..4 {
            e.push(0);
            e.on_write(i, 0, 1_000, false);
        }
        assert!(e.timers.is_empty(), "4 bytes a slot, not a 16-byte timer");
        e.on_write(2, 0, 500, true);
        assert_eq!(e.timers.len(), 4);
        assert!(e.is_expired(2, 500) && !e.is_expired(1, 999));
        e.swap_remove(0);
        assert!(e.is_expired(0, 1_000), "slot 3 moved to 0 keeps its record");
        assert!(e.is_expired(2, 500));
    }

    #[test]
    fn the_horizon_moves_past_deadlines_that_have_gone() {
        let clock = ManualClock::new();
        let secs = |n: u64| n * 1_000_000_000;
        let mut e = wheel(&clock, 3);
        e.on_write(0, 0, secs(1) / 2, true);
        e.on_write(1, 0, secs(3600), true);
        // Rewritten before its deadline: that deadline is gone.
        e.on_write(2, 0, secs(1) / 4, true);
        e.on_write(2, 0, secs(7200), true);
        assert_eq!(drain_due(&mut e, secs(2)), vec![0]);
        e.check();
        // Neither gone deadline holds the horizon back: lookups skip the
        // per-slot check again until the next one, an hour on.
        assert!(!e.may_have_expired(secs(3), NIL));
        assert!(!e.may_have_expired(secs(3599), NIL));
        assert!(e.may_have_expired(secs(3600), NIL));
        assert_eq!(drain_due(&mut e, secs(3600)), vec![1]);
        assert!(!e.may_have_expired(secs(7000), NIL));
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
        assert_eq!(e.timers.len(), 3);
    }
}

/// A time per slot, kept parallel to the slab (a TTI's last use, a
/// refresh's last write): empty, and every call a test of `on`, while the
/// map does not need it.
#[derive(Clone, Debug, Default)]
struct TimeColumn {
    on: bool,
    times: Vec<RelaxedU64>,
}

impl TimeColumn {
    /// Switches the column on (or leaves it off) for `slots` slots, each
    /// at `now`.
    fn fill(&mut self, on: bool, slots: usize, now: u64) {
        self.on = on;
        self.times = if on {
            (0..slots).map(|_| RelaxedU64::new(now)).collect()
        } else {
            Vec::new()
        };
    }

    #[inline]
    fn get(&self, i: usize) -> u64 {
        self.times[i].get()
    }

    #[inline]
    fn set(&self, i: usize, now: u64) {
        self.times[i].set(now);
    }

    #[inline]
    fn push(&mut self, now: u64) {
        if self.on {
            self.times.push(RelaxedU64::new(now));
        }
    }

    fn reserve_exact(&mut self, additional: usize) {
        if self.on {
            self.times.reserve_exact(additional);
        }
    }

    fn shrink_to(&mut self, room: usize) {
        self.times.shrink_to(room);
    }

    fn clear(&mut self) {
        self.times = Vec::new();
    }

    #[inline]
    fn heap_bytes(&self) -> usize {
        self.times.capacity() * core::mem::size_of::<RelaxedU64>()
    }

    #[inline]
    fn swap_remove(&mut self, i: usize) {
        if self.on {
            self.times.swap_remove(i);
        }
    }

    /// Slot `i` moves to `rank[i]`.
    fn permute(&mut self, rank: &[u32]) {
        if self.on {
            self.times = scatter(
                self.times.iter().map(RelaxedU64::get),
                rank,
                RelaxedU64::new,
            );
        }
    }

    /// Slot `i` moves to `new_index[i]`, or goes where that is `NIL`.
    fn retain(&mut self, new_index: &[u32]) {
        if self.on {
            keep_rows(&mut self.times, new_index);
        }
    }
}
