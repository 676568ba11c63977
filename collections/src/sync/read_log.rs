//! The shard's read log: hits recorded under a shared lock, applied by the
//! next writer.

use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering::Relaxed};

/// Stripes of a [`ReadLog`]. Each thread records into one, picked once per
/// thread, so two threads reading one shard add to counters on different
/// cache lines instead of bouncing one line between their cores.
const STRIPES: usize = 4;

/// Slots of one stripe: enough for the reads between two writes of a mixed
/// workload; past it, that stripe's reads go unrecorded until the next
/// write.
const STRIPE_SLOTS: usize = 16;

/// Hits recorded by readers under a shard's read lock, for the next writer
/// to apply to the recency list (Caffeine's striped read buffer, in
/// miniature). Lossy on purpose: a full stripe records nothing until the
/// next write, so under read-heavy load the recency order is approximate;
/// hits of different threads are applied stripe by stripe, not in the order
/// they happened. A writer drains it before it changes anything, so every
/// recorded slot still names the entry that was read.
#[derive(Default)]
pub(super) struct ReadLog {
    stripes: [Stripe; STRIPES],
}

/// One thread's share of a [`ReadLog`], on cache lines of its own.
#[repr(align(128))]
struct Stripe {
    len: AtomicUsize,
    slots: [AtomicU32; STRIPE_SLOTS],
}

impl Default for Stripe {
    fn default() -> Self {
        Stripe {
            len: AtomicUsize::new(0),
            slots: core::array::from_fn(|_| AtomicU32::new(0)),
        }
    }
}

/// The stripe this thread records into: threads are numbered as they first
/// record, round robin over the stripes.
#[inline]
fn my_stripe() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    std::thread_local! {
        static STRIPE: usize = NEXT.fetch_add(1, Relaxed) % STRIPES;
    }
    STRIPE.with(|s| *s)
}

impl ReadLog {
    /// Records a hit on slot `i`; false if this thread's stripe was full (a
    /// load and nothing else), so the caller counts the hit itself.
    #[inline]
    pub(super) fn record(&self, i: u32) -> bool {
        let stripe = &self.stripes[my_stripe()];
        // A load and a store, not a `fetch_add`: a locked add is a full
        // fence on x86 and cost the sync map's hits about 12%. Two threads
        // sharing a stripe (more threads than stripes) may then overwrite
        // each other's record, which a lossy log allows; every slot below
        // `len` was still written since the last drain, by some reader.
        let at = stripe.len.load(Relaxed);
        match stripe.slots.get(at) {
            Some(slot) => {
                slot.store(i, Relaxed);
                stripe.len.store(at + 1, Relaxed);
                true
            }
            None => false,
        }
    }

    /// Hits recorded and not yet applied (each counted when applied).
    /// Exact under the shard's read lock, which keeps the writer out.
    #[inline]
    pub(super) fn pending(&self) -> usize {
        self.stripes
            .iter()
            .map(|s| s.len.load(Relaxed).min(STRIPE_SLOTS))
            .sum()
    }

    /// Hands every recorded slot, stripe by stripe and oldest first within
    /// one, to `apply`, and empties the log. Called under the write lock: no
    /// reader is recording meanwhile, and the lock made their stores
    /// visible.
    #[inline]
    pub(super) fn drain(&self, mut apply: impl FnMut(u32)) {
        for stripe in &self.stripes {
            let n = stripe.len.load(Relaxed).min(STRIPE_SLOTS);
            if n == 0 {
                continue;
            }
            for slot in &stripe.slots[..n] {
                apply(slot.load(Relaxed));
            }
            stripe.len.store(0, Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_from_two_threads_are_all_drained_and_a_full_stripe_refuses() {
        let log = ReadLog::default();
        assert!(log.record(1));
        // Another thread: its own stripe, or this one's if the round robin
        // gave it the same; either way its record counts.
        std::thread::scope(|s| {
            s.spawn(|| assert!(log.record(2)));
        });
        assert_eq!(log.pending(), 2);
        let mut seen = Vec::new();
        log.drain(|i| seen.push(i));
        seen.sort_unstable();
        assert_eq!(seen, [1, 2]);
        assert_eq!(log.pending(), 0);
        let recorded = (0..2 * STRIPE_SLOTS as u32)
            .take_while(|&i| log.record(i))
            .count();
        assert_eq!(recorded, STRIPE_SLOTS, "one stripe's worth, then refusals");
        log.drain(|_| {});
        assert!(log.record(3), "room again after the drain");
    }
}
