//! When storage grows and when it gives memory back.
//!
//! Growth doubles; shrinking waits until only a quarter is used and then
//! halves the room to twice the live count. A map therefore sits between a
//! quarter and all of its allocation, and a pattern of inserts and removes
//! can never make it reallocate on every call (hysteresis): after either step
//! the next one is at least `len` operations away, so both are amortized
//! *O*(1).

/// Below this many slots a map never bothers to shrink.
pub(crate) const MIN_SLOTS: usize = 16;

/// The slot capacity to grow to when `len == current`, the bound is
/// `bound` and the map's share of it is `share` (the bound itself, but for
/// a sync-map shard): double up to the share, so a full map at capacity N
/// holds exactly N slots; past the share (a shard holding more than its
/// part while the whole map has room) grow by an eighth, so a shard that
/// drifts a little over its share does not double its memory.
#[inline]
pub(crate) fn grown(current: usize, bound: usize, share: usize) -> usize {
    let wanted = if current < share {
        current.saturating_mul(2).max(4).min(share)
    } else {
        current.saturating_add(current / 8)
    };
    wanted.min(bound).max(current + 1)
}

/// The room to shrink to when `len` entries sit in `allocated` slots, or
/// `None` while the map is not sparse enough to be worth it.
#[inline]
pub(crate) fn shrunk(len: usize, allocated: usize) -> Option<usize> {
    if allocated > MIN_SLOTS && len <= allocated / 4 {
        Some((len * 2).max(MIN_SLOTS))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_is_clamped_to_the_bound() {
        assert_eq!(grown(0, 10, 10), 4);
        assert_eq!(grown(4, 10, 10), 8);
        assert_eq!(grown(8, 10, 10), 10);
        assert_eq!(grown(0, 1, 1), 1);
        let max = usize::MAX;
        assert_eq!(grown(max / 2 + 1, max, max), max);
    }

    #[test]
    fn past_its_share_a_shard_grows_by_an_eighth() {
        assert_eq!(grown(32, 500, 62), 62, "doubling stops at the share");
        assert_eq!(grown(62, 500, 62), 69);
        assert_eq!(grown(69, 500, 62), 77);
        assert_eq!(grown(5, 500, 0), 6, "at least one more");
        assert_eq!(grown(496, 500, 62), 500, "never past the bound");
    }

    #[test]
    fn shrink_has_hysteresis() {
        assert_eq!(shrunk(10, 16), None);
        assert_eq!(shrunk(100, 1024), Some(200));
        assert_eq!(shrunk(257, 1024), None);
        // After shrinking to twice `len`, neither rule fires again until the
        // live count halves or doubles.
        let after = shrunk(100, 1024).unwrap();
        assert_eq!(shrunk(100, after), None);
        assert_eq!(shrunk(51, after), None);
        assert_eq!(shrunk(0, 64), Some(MIN_SLOTS));
    }
}
