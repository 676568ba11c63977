//! The uniform TTL's write log: `(slot, deadline)` records in write order,
//! numbered by a wrapping `u32` sequence.
//!
//! A ring buffer whose length is a power of two, so record `seq` sits at
//! `seq & mask` for as long as it is in the log: finding a slot's record
//! from its sequence number is a mask and a load, and an append or a pop is
//! a store and an add, with no wrap-around test (where `VecDeque` maps every
//! index to its buffer with a compare and a subtraction).

/// See the module docs. The owner keeps the next sequence number clear of
/// its own marker values (it renumbers with [`WriteLog::keep`]).
#[derive(Clone, Debug, Default)]
pub(super) struct WriteLog {
    /// Empty, or a power of two in length; the records are
    /// `head..head + len` (wrapping), each at `seq & (buf.len() - 1)`.
    buf: Vec<(u32, u64)>,
    /// The front record's sequence number.
    head: u32,
    len: u32,
}

/// The smallest buffer a log allocates, in records.
const MIN_ROOM: usize = 16;

impl WriteLog {
    /// An empty log, nothing allocated, whose first record will be
    /// numbered `head`.
    #[cfg(test)]
    pub(super) fn starting_at(head: u32) -> Self {
        WriteLog {
            buf: Vec::new(),
            head,
            len: 0,
        }
    }

    #[inline]
    pub(super) fn len(&self) -> usize {
        self.len as usize
    }

    /// The front record's sequence number (the next record's, when empty).
    #[inline]
    pub(super) fn head(&self) -> u32 {
        self.head
    }

    /// The sequence number the next record gets.
    #[inline]
    pub(super) fn next_seq(&self) -> u32 {
        self.head.wrapping_add(self.len)
    }

    /// Where record `seq` sits. Never used on an empty buffer: every
    /// caller has checked `len`.
    #[inline]
    fn place(&self, seq: u32) -> usize {
        seq as usize & self.buf.len().wrapping_sub(1)
    }

    /// The oldest record.
    #[inline]
    pub(super) fn front(&self) -> Option<(u32, u64)> {
        (self.len > 0).then(|| self.buf[self.place(self.head)])
    }

    /// Record `seq`, if it is still in the log.
    #[inline]
    pub(super) fn get(&self, seq: u32) -> Option<(u32, u64)> {
        (seq.wrapping_sub(self.head) < self.len).then(|| self.buf[self.place(seq)])
    }

    /// Renames the slot of record `seq`, which is in the log.
    #[inline]
    pub(super) fn set_slot(&mut self, seq: u32, slot: u32) {
        debug_assert!(seq.wrapping_sub(self.head) < self.len);
        let at = self.place(seq);
        self.buf[at].0 = slot;
    }

    /// Drops the oldest record. *O*(1).
    #[inline]
    pub(super) fn pop_front(&mut self) {
        debug_assert!(self.len > 0);
        self.head = self.head.wrapping_add(1);
        self.len -= 1;
    }

    /// Appends a record and returns its sequence number. Amortized *O*(1):
    /// a full buffer doubles.
    #[inline]
    pub(super) fn push_back(&mut self, record: (u32, u64)) -> u32 {
        if self.len() == self.buf.len() {
            self.regrow(2 * self.len());
        }
        let seq = self.next_seq();
        let at = self.place(seq);
        self.buf[at] = record;
        self.len += 1;
        seq
    }

    /// Moves the records into a buffer of `room` (rounded up to a power of
    /// two, at least [`MIN_ROOM`] and the records' count). *O*(`room`).
    #[inline(never)]
    fn regrow(&mut self, room: usize) {
        let room = room.max(self.len()).max(MIN_ROOM).next_power_of_two();
        let mut buf = Vec::with_capacity(room);
        buf.extend(self.in_order());
        // The records are contiguous (wrapping) from the head's place.
        buf.resize(room, (0, 0));
        buf.rotate_right(self.head as usize & (room - 1));
        self.buf = buf;
    }

    /// Where the front record sits in the buffer. The records occupy
    /// `len` consecutive (wrapping) places from there.
    fn start(&self) -> usize {
        if self.len == 0 {
            0
        } else {
            self.place(self.head)
        }
    }

    /// The records, front to back.
    fn in_order(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        let (tail, front) = self.buf.split_at(self.start());
        front.iter().chain(tail).take(self.len()).copied()
    }

    /// Every record's slot, front to back, to rename.
    pub(super) fn slots_mut(&mut self) -> impl Iterator<Item = &mut u32> {
        let (len, start) = (self.len(), self.start());
        let (tail, front) = self.buf.split_at_mut(start);
        front.iter_mut().chain(tail).take(len).map(|r| &mut r.0)
    }

    /// Keeps, in order and renumbered from 0, the records `keep` accepts:
    /// it is given each record's old sequence number, its slot and the
    /// number it gets if kept. One pass, in the same buffer, no allocation.
    /// *O*(buffer).
    pub(super) fn compact(&mut self, mut keep: impl FnMut(u32, u32, u32) -> bool) {
        // Front first: then no record moves to a place not yet read.
        let start = self.start();
        self.buf.rotate_left(start);
        let mut n = 0;
        for pos in 0..self.len() {
            let record = self.buf[pos];
            if keep(self.head.wrapping_add(pos as u32), record.0, n as u32) {
                self.buf[n] = record;
                n += 1;
            }
        }
        self.head = 0;
        self.len = n as u32;
    }

    /// Gives back room beyond `room` records (or the records' count, if
    /// more). *O*(buffer) when it does.
    pub(super) fn shrink_to(&mut self, room: usize) {
        let fits = room
            .max(self.len())
            .max(MIN_ROOM)
            .checked_next_power_of_two();
        if fits.is_some_and(|fits| fits < self.buf.len()) {
            self.regrow(room);
        }
    }

    #[inline]
    pub(super) fn heap_bytes(&self) -> usize {
        self.buf.capacity() * core::mem::size_of::<(u32, u64)>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(log: &WriteLog) -> Vec<(u32, u32, u64)> {
        (0..log.len() as u32)
            .map(|k| {
                let seq = log.head().wrapping_add(k);
                let (slot, deadline) = log.get(seq).unwrap();
                (seq, slot, deadline)
            })
            .collect()
    }

    #[test]
    fn records_keep_their_numbers_across_growth_and_the_wrap() {
        let mut log = WriteLog::starting_at(u32::MAX - 20);
        let mut model = std::collections::VecDeque::new();
        let mut next = u32::MAX - 20;
        for round in 0..200u32 {
            for _ in 0..(round % 7) {
                assert_eq!(log.push_back((round, u64::from(next))), next);
                model.push_back((next, round, u64::from(next)));
                next = next.wrapping_add(1);
            }
            for _ in 0..(round % 5).min(log.len() as u32) {
                assert_eq!(log.front().map(|r| r.1), model.front().map(|r| r.2));
                log.pop_front();
                model.pop_front();
            }
            assert_eq!(records(&log), model.iter().copied().collect::<Vec<_>>());
            assert!(log.get(log.next_seq()).is_none());
            assert!(log.get(log.head().wrapping_sub(1)).is_none());
        }
    }

    #[test]
    fn renaming_keeping_and_shrinking_preserve_order() {
        let mut log = WriteLog::starting_at(100);
        for i in 0..40u32 {
            log.push_back((i, u64::from(i) * 10));
        }
        for _ in 0..30 {
            log.pop_front();
        }
        for i in 40..60u32 {
            log.push_back((i, u64::from(i) * 10));
        }
        // The records wrap around the buffer's end now.
        for slot in log.slots_mut() {
            *slot += 1000;
        }
        let slots: Vec<u32> = records(&log).iter().map(|r| r.1).collect();
        assert_eq!(slots, (1030..1060).collect::<Vec<_>>());
        let head = log.head();
        log.compact(|seq, _, _| seq.wrapping_sub(head) % 3 == 0);
        assert_eq!(log.head(), 0);
        let kept: Vec<(u32, u32, u64)> = records(&log);
        let want: Vec<(u32, u32, u64)> = (0..10u32)
            .map(|n| (n, 1030 + 3 * n, u64::from(30 + 3 * n) * 10))
            .collect();
        assert_eq!(kept, want);
        let before = log.heap_bytes();
        log.shrink_to(0);
        assert!(log.heap_bytes() < before);
        assert_eq!(records(&log), want);
        while log.len() > 0 {
            log.pop_front();
        }
        log.shrink_to(0);
        assert_eq!(log.heap_bytes(), MIN_ROOM * 16);
        assert_eq!(log.push_back((7, 7)), 10, "numbering goes on");
    }
}
