//! Counters every map keeps.

/// A snapshot of a map's counters, from `stats()`.
///
/// Counting costs a plain integer add per operation (the unsync maps are
/// single-threaded), so it is always on. With the `serde` feature, `Stats`
/// and [`Evictions`] serialize and deserialize.
///
/// # Examples
///
/// ```
/// use leakless::BoundedMap;
///
/// let mut m = BoundedMap::new(2);
/// m.insert(1, 10);
/// m.insert(2, 20);
/// m.insert(3, 30); // evicts 1
/// assert_eq!(m.get(&3), Some(&30));
/// assert_eq!(m.get(&1), None);
/// let s = m.stats();
/// assert_eq!((s.hits, s.misses, s.inserts), (1, 1, 3));
/// assert_eq!(s.evictions.size, 1);
/// assert_eq!((s.len, s.capacity), (2, 2));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Stats {
    /// Lookups that count as a use (`get`, `get_mut`, `get_key_value`,
    /// `entry`, `get_or_insert_with`) and found a live entry.
    pub hits: u64,
    /// Lookups that count as a use and found nothing.
    pub misses: u64,
    /// Writes that added a new key.
    pub inserts: u64,
    /// Writes that replaced the value of a present key.
    pub updates: u64,
    /// Entries handed to the eviction machinery, by cause.
    pub evictions: Evictions,
    /// Live entries now.
    pub len: usize,
    /// The count bound (`usize::MAX` when only a weight or time bound is set).
    pub capacity: usize,
    /// Bytes the map itself has allocated (table and slab); heap owned by
    /// keys and values is what [`Footprint`](crate::Footprint) adds on top.
    pub bytes: usize,
}

/// Entries removed by the map itself, by [`EvictionCause`](crate::EvictionCause).
/// Counted whether or not a listener is installed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Evictions {
    /// Pushed out or refused by a count or weight bound.
    pub size: u64,
    /// Expired by time-to-live or time-to-idle.
    pub expired: u64,
    /// Referent dropped (weak maps).
    pub collected: u64,
    /// Overwritten without being handed back (`extend`).
    pub replaced: u64,
    /// Dropped by `clear` or `retain`.
    pub explicit: u64,
}

impl Evictions {
    /// All evictions, whatever the cause.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::BoundedMap;
    ///
    /// let mut m = BoundedMap::new(1);
    /// m.insert(1, 1);
    /// m.insert(2, 2);
    /// m.clear();
    /// assert_eq!(m.stats().evictions.total(), 2);
    /// ```
    pub fn total(&self) -> u64 {
        self.size + self.expired + self.collected + self.replaced + self.explicit
    }

    pub(crate) fn count(&mut self, cause: crate::EvictionCause) {
        use crate::EvictionCause::*;
        match cause {
            Size => self.size += 1,
            Expired => self.expired += 1,
            Collected => self.collected += 1,
            Replaced => self.replaced += 1,
            Explicit => self.explicit += 1,
        }
    }
}
