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

/// The slot capacity to grow to when `len == current` and the bound is
/// `bound`: double, but never past the bound, so a full map at capacity N
/// holds exactly N slots.
#[inline]
pub(crate) fn grown(current: usize, bound: usize) -> usize {
    current.saturating_mul(2).max(4).min(bound).max(current + 1)
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
        assert_eq!(grown(0, 10), 4);
        assert_eq!(grown(4, 10), 8);
        assert_eq!(grown(8, 10), 10);
        assert_eq!(grown(0, 1), 1);
        assert_eq!(grown(usize::MAX / 2 + 1, usize::MAX), usize::MAX);
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
