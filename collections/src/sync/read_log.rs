//! The shard's read log: hits recorded under a shared lock, applied by the
//! next writer.

use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering::Relaxed};

/// Slots of a [`ReadLog`]: enough for the reads between two writes of a
/// mixed workload; past it, reads go unrecorded until the next write.
const READ_LOG: usize = 32;

/// Hits recorded by readers under a shard's read lock, for the next writer
/// to apply to the recency list (Caffeine's read buffer, in miniature).
/// Lossy on purpose: once full, reads until the next write are not
/// recorded, so under read-heavy load the recency order is approximate.
/// A writer drains it before it changes anything, so every recorded slot
/// still names the entry that was read.
pub(super) struct ReadLog {
    len: AtomicUsize,
    slots: [AtomicU32; READ_LOG],
}

impl Default for ReadLog {
    fn default() -> Self {
        ReadLog {
            len: AtomicUsize::new(0),
            slots: core::array::from_fn(|_| AtomicU32::new(0)),
        }
    }
}

impl ReadLog {
    /// Records a hit on slot `i`; false if the log was full (a load and
    /// nothing else), so the caller counts the hit itself.
    #[inline]
    pub(super) fn record(&self, i: u32) -> bool {
        if self.len.load(Relaxed) >= READ_LOG {
            return false;
        }
        let at = self.len.fetch_add(1, Relaxed);
        match self.slots.get(at) {
            Some(slot) => {
                slot.store(i, Relaxed);
                true
            }
            None => false,
        }
    }

    /// Hits recorded and not yet applied (each counted when applied).
    /// Exact under the shard's read lock, which keeps the writer out.
    #[inline]
    pub(super) fn pending(&self) -> usize {
        self.len.load(Relaxed).min(READ_LOG)
    }

    /// Hands every recorded slot, oldest first, to `apply`, and empties the
    /// log. Called under the write lock: no reader is recording meanwhile,
    /// and the lock made their stores visible.
    #[inline]
    pub(super) fn drain(&self, mut apply: impl FnMut(u32)) {
        let n = self.len.load(Relaxed).min(READ_LOG);
        if n == 0 {
            return;
        }
        for slot in &self.slots[..n] {
            apply(slot.load(Relaxed));
        }
        self.len.store(0, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_log_refuses_and_a_drain_hands_over_every_record_in_order() {
        let log = ReadLog::default();
        assert!(log.record(1));
        std::thread::scope(|s| {
            s.spawn(|| assert!(log.record(2)));
        });
        assert_eq!(log.pending(), 2);
        let mut seen = Vec::new();
        log.drain(|i| seen.push(i));
        assert_eq!(seen, [1, 2]);
        assert_eq!(log.pending(), 0);
        let recorded = (0..2 * READ_LOG as u32)
            .take_while(|&i| log.record(i))
            .count();
        assert_eq!(recorded, READ_LOG, "the log's worth, then refusals");
        log.drain(|_| {});
        assert!(log.record(3), "room again after the drain");
    }
}
