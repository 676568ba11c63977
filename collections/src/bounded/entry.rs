//! The Entry API of [`BoundedMap`].

use core::fmt;
use core::hash::{BuildHasher, Hash};

#[cfg(doc)]
use super::BoundedMap;
use super::Engine;

/// A view into one key of a [`BoundedMap`], from [`BoundedMap::entry`].
///
/// Creating it counts as a use of an occupied key; inserting through the
/// vacant branch stores the value as the most recent entry (evicting the
/// least recent if the map is full). If the bound cannot admit the value
/// (capacity 0, or heavier than `max_weight`), the value is parked: the
/// returned `&mut V` is valid, lookups do not see it, `len` does not count
/// it, and it goes to the listener with cause `Size` at the next call that
/// takes `&mut self`, or when the map is dropped.
///
/// # Examples
///
/// ```
/// use leakless::BoundedMap;
/// use leakless::bounded::Entry;
///
/// let mut m = BoundedMap::new(4);
/// m.entry("a").or_insert(1);
/// m.entry("a").and_modify(|v| *v += 1).or_insert(0);
/// match m.entry("b") {
///     Entry::Occupied(_) => unreachable!(),
///     Entry::Vacant(v) => {
///         v.insert(7);
///     }
/// }
/// assert_eq!((m[&"a"], m[&"b"]), (2, 7));
/// ```
pub enum Entry<'a, K, V, S> {
    /// The key is present.
    Occupied(OccupiedEntry<'a, K, V, S>),
    /// The key is absent.
    Vacant(VacantEntry<'a, K, V, S>),
}

/// A present key of a [`BoundedMap`]; see [`Entry`].
///
/// # Examples
///
/// ```
/// use leakless::BoundedMap;
/// use leakless::bounded::Entry;
///
/// let mut m = BoundedMap::new(4);
/// m.insert("a", 1);
/// if let Entry::Occupied(mut o) = m.entry("a") {
///     *o.get_mut() += 1;
///     assert_eq!(o.remove(), 2);
/// }
/// assert!(m.is_empty());
/// ```
pub struct OccupiedEntry<'a, K, V, S> {
    pub(super) map: &'a mut Engine<K, V, S>,
    pub(super) index: u32,
    pub(super) hash: u64,
    pub(super) now: u64,
}

/// An absent key of a [`BoundedMap`]; see [`Entry`].
///
/// # Examples
///
/// ```
/// use leakless::BoundedMap;
/// use leakless::bounded::Entry;
///
/// let mut m: BoundedMap<&str, i32> = BoundedMap::new(4);
/// if let Entry::Vacant(v) = m.entry("a") {
///     assert_eq!(*v.key(), "a");
///     v.insert(1);
/// }
/// assert_eq!(m[&"a"], 1);
/// ```
pub struct VacantEntry<'a, K, V, S> {
    pub(super) map: &'a mut Engine<K, V, S>,
    pub(super) key: K,
    pub(super) hash: u64,
    pub(super) now: u64,
}

impl<'a, K: Hash + Eq, V, S: BuildHasher> Entry<'a, K, V, S> {
    /// The value, inserting `default` if the key is absent.
    ///
    /// *O*(1) amortized.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = leakless::BoundedMap::new(4);
    /// *m.entry("a").or_insert(1) += 10;
    /// assert_eq!(m[&"a"], 11);
    /// ```
    pub fn or_insert(self, default: V) -> &'a mut V {
        match self {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => v.insert(default),
        }
    }

    /// The value, inserting `make()` if the key is absent.
    ///
    /// *O*(1) amortized.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = leakless::BoundedMap::new(4);
    /// m.entry("a").or_insert_with(Vec::new).push(1);
    /// assert_eq!(m[&"a"], [1]);
    /// ```
    pub fn or_insert_with<F: FnOnce() -> V>(self, make: F) -> &'a mut V {
        match self {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => v.insert(make()),
        }
    }

    /// The value, inserting `make(&key)` if the key is absent.
    ///
    /// *O*(1) amortized.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = leakless::BoundedMap::new(4);
    /// assert_eq!(*m.entry("abc").or_insert_with_key(|k| k.len()), 3);
    /// ```
    pub fn or_insert_with_key<F: FnOnce(&K) -> V>(self, make: F) -> &'a mut V {
        match self {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => {
                let value = make(&v.key);
                v.insert(value)
            }
        }
    }

    /// The value, inserting `V::default()` if the key is absent.
    ///
    /// *O*(1) amortized.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m: leakless::BoundedMap<&str, u32> = leakless::BoundedMap::new(4);
    /// *m.entry("a").or_default() += 1;
    /// assert_eq!(m[&"a"], 1);
    /// ```
    pub fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }

    /// Runs `f` on the value if the key is present.
    ///
    /// *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = leakless::BoundedMap::new(4);
    /// m.entry("a").and_modify(|v| *v += 1).or_insert(1);
    /// m.entry("a").and_modify(|v| *v += 1).or_insert(1);
    /// assert_eq!(m[&"a"], 2);
    /// ```
    pub fn and_modify<F: FnOnce(&mut V)>(mut self, f: F) -> Self {
        if let Entry::Occupied(o) = &mut self {
            f(o.get_mut());
        }
        self
    }

    /// The entry's key.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m: leakless::BoundedMap<&str, u8> = leakless::BoundedMap::new(4);
    /// assert_eq!(*m.entry("a").key(), "a");
    /// ```
    pub fn key(&self) -> &K {
        match self {
            Entry::Occupied(o) => o.key(),
            Entry::Vacant(v) => v.key(),
        }
    }
}

impl<'a, K: Hash + Eq, V, S: BuildHasher> OccupiedEntry<'a, K, V, S> {
    /// The stored key.
    ///
    /// # Examples
    ///
    /// ```
    /// # use leakless::{BoundedMap, bounded::Entry};
    /// let mut m = BoundedMap::new(4);
    /// m.insert("a", 1);
    /// if let Entry::Occupied(o) = m.entry("a") {
    ///     assert_eq!(*o.key(), "a");
    /// }
    /// ```
    pub fn key(&self) -> &K {
        &self.map.slots[self.index as usize].key
    }

    /// The value.
    ///
    /// # Examples
    ///
    /// ```
    /// # use leakless::{BoundedMap, bounded::Entry};
    /// let mut m = BoundedMap::new(4);
    /// m.insert("a", 1);
    /// if let Entry::Occupied(o) = m.entry("a") {
    ///     assert_eq!(*o.get(), 1);
    /// }
    /// ```
    pub fn get(&self) -> &V {
        &self.map.slots[self.index as usize].value
    }

    /// The value, mutably (not re-weighed; see [`BoundedMap::get_mut`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # use leakless::{BoundedMap, bounded::Entry};
    /// let mut m = BoundedMap::new(4);
    /// m.insert("a", 1);
    /// if let Entry::Occupied(mut o) = m.entry("a") {
    ///     *o.get_mut() = 5;
    /// }
    /// assert_eq!(m[&"a"], 5);
    /// ```
    pub fn get_mut(&mut self) -> &mut V {
        &mut self.map.slots[self.index as usize].value
    }

    /// The value, borrowed for as long as the map was.
    ///
    /// # Examples
    ///
    /// ```
    /// # use leakless::{BoundedMap, bounded::Entry};
    /// let mut m = BoundedMap::new(4);
    /// m.insert("a", 1);
    /// let v = match m.entry("a") {
    ///     Entry::Occupied(o) => o.into_mut(),
    ///     Entry::Vacant(_) => unreachable!(),
    /// };
    /// *v += 1;
    /// assert_eq!(m[&"a"], 2);
    /// ```
    pub fn into_mut(self) -> &'a mut V {
        &mut self.map.slots[self.index as usize].value
    }

    /// Replaces the value and returns the old one.
    ///
    /// Takes `self`, unlike `std`'s `&mut self`: with a weight bound the new
    /// value may not fit (then the entry is removed and the new value goes to
    /// the listener with cause `Size`, as with [`BoundedMap::insert`]), so
    /// the entry cannot be assumed to exist afterwards.
    ///
    /// *O*(1) amortized.
    ///
    /// # Examples
    ///
    /// ```
    /// # use leakless::{BoundedMap, bounded::Entry};
    /// let mut m = BoundedMap::new(4);
    /// m.insert("a", 1);
    /// if let Entry::Occupied(o) = m.entry("a") {
    ///     assert_eq!(o.insert(2), 1);
    /// }
    /// assert_eq!(m[&"a"], 2);
    /// ```
    pub fn insert(self, value: V) -> V {
        self.map
            .replace_occupied(self.index, self.hash, value, self.now)
    }

    /// Removes the entry and returns its value (to the caller, not the
    /// listener).
    ///
    /// *O*(1) amortized.
    ///
    /// # Examples
    ///
    /// ```
    /// # use leakless::{BoundedMap, bounded::Entry};
    /// let mut m = BoundedMap::new(4);
    /// m.insert("a", 1);
    /// if let Entry::Occupied(o) = m.entry("a") {
    ///     assert_eq!(o.remove(), 1);
    /// }
    /// assert!(m.is_empty());
    /// ```
    pub fn remove(self) -> V {
        self.remove_entry().1
    }

    /// Removes the entry and returns the stored key and value.
    ///
    /// *O*(1) amortized.
    ///
    /// # Examples
    ///
    /// ```
    /// # use leakless::{BoundedMap, bounded::Entry};
    /// let mut m = BoundedMap::new(4);
    /// m.insert("a", 1);
    /// if let Entry::Occupied(o) = m.entry("a") {
    ///     assert_eq!(o.remove_entry(), ("a", 1));
    /// }
    /// ```
    pub fn remove_entry(self) -> (K, V) {
        let entry = self.map.remove_at(self.index, self.hash);
        self.map.maybe_shrink();
        entry
    }
}

impl<'a, K: Hash + Eq, V, S: BuildHasher> VacantEntry<'a, K, V, S> {
    /// The key that would be inserted.
    ///
    /// # Examples
    ///
    /// ```
    /// # use leakless::{BoundedMap, bounded::Entry};
    /// let mut m: BoundedMap<&str, u8> = BoundedMap::new(4);
    /// if let Entry::Vacant(v) = m.entry("a") {
    ///     assert_eq!(*v.key(), "a");
    /// }
    /// ```
    pub fn key(&self) -> &K {
        &self.key
    }

    /// Gives the key back without inserting.
    ///
    /// # Examples
    ///
    /// ```
    /// # use leakless::{BoundedMap, bounded::Entry};
    /// let mut m: BoundedMap<String, u8> = BoundedMap::new(4);
    /// if let Entry::Vacant(v) = m.entry("a".to_string()) {
    ///     assert_eq!(v.into_key(), "a");
    /// }
    /// assert!(m.is_empty());
    /// ```
    pub fn into_key(self) -> K {
        self.key
    }

    /// Inserts `value` as the most recent entry and returns it. Evicts the
    /// least recent entries if the map is full (their listener calls happen
    /// before this returns); parks the value if the bound cannot admit it
    /// (see [`Entry`]).
    ///
    /// *O*(1) amortized.
    ///
    /// # Examples
    ///
    /// ```
    /// # use leakless::{BoundedMap, bounded::Entry};
    /// let mut m = BoundedMap::new(4);
    /// if let Entry::Vacant(v) = m.entry("a") {
    ///     *v.insert(1) += 1;
    /// }
    /// assert_eq!(m[&"a"], 2);
    /// ```
    pub fn insert(self, value: V) -> &'a mut V {
        self.map.insert_vacant(self.hash, self.key, value, self.now)
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for Entry<'_, K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Occupied(o) => f.debug_tuple("Occupied").field(o).finish(),
            Entry::Vacant(v) => f.debug_tuple("Vacant").field(v).finish(),
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for OccupiedEntry<'_, K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slot = &self.map.slots[self.index as usize];
        f.debug_struct("OccupiedEntry")
            .field("key", &slot.key)
            .field("value", &slot.value)
            .finish()
    }
}

impl<K: fmt::Debug, V, S> fmt::Debug for VacantEntry<'_, K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VacantEntry").field(&self.key).finish()
    }
}
