//! [`Arena`]: objects that refer to each other by typed generational
//! handles instead of pointers or `Rc` cycles, on top of `slotmap`.
//!
//! A handle is a slot index and the slot's version when the handle was
//! issued; removing an entry bumps the version, so every older handle misses
//! forever. slotmap's `u32` versions wrap after 2³¹ reuses of one slot, after
//! which a stale key would validate again (slotmap issue #125). An `Arena`
//! retires a slot instead of freeing it once its version nears the wrap: the
//! slot stays occupied by a tombstone no handle reaches, so it is never
//! reused. One slot is lost per 2³¹ removals from it; no stale handle ever
//! finds an object.

use core::fmt;
use core::hash::Hash;
use core::marker::PhantomData;
use core::ops::{Index, IndexMut};

use slotmap::{DefaultKey, Key, KeyData, SecondaryMap};

use crate::slots::{Probe, Slots};

use crate::Footprint;

/// The data inside every handle: a slot index and version. Generated
/// handle types wrap one; there is no public way to make one from numbers.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RawHandle(KeyData);

impl RawHandle {
    fn new(key: DefaultKey) -> Self {
        RawHandle(key.data())
    }

    fn key(self) -> DefaultKey {
        self.0.into()
    }

    /// The slot index.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::{Arena, Handle};
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a: Arena<Id, ()> = Arena::new();
    /// let (x, y) = (a.insert(()), a.insert(()));
    /// assert_ne!(x.raw().index(), y.raw().index());
    /// ```
    pub fn index(self) -> u32 {
        (self.0.as_ffi() & 0xffff_ffff) as u32
    }

    /// The slot's version when the handle was issued (always odd).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::{Arena, Handle};
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a: Arena<Id, ()> = Arena::new();
    /// assert_eq!(a.insert(()).raw().version() % 2, 1);
    /// ```
    pub fn version(self) -> u32 {
        (self.0.as_ffi() >> 32) as u32
    }
}

impl fmt::Debug for RawHandle {
    /// `index`v`version`, like `3v5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}v{}", self.index(), self.version())
    }
}

/// A typed generational handle: what `#[leakless::handle]` makes of a unit
/// struct. `Copy`, `Eq`, `Hash`, `Ord`, `Debug` (name, index and version),
/// 8 bytes, and `Option<H>` is 8 bytes too.
///
/// Each handle type indexes only arenas of that type: an `EdgeId` cannot
/// look up an `Arena<NodeId, _>` (it does not compile).
///
/// # Examples
///
/// ```
/// #[leakless::handle]
/// /// A node of the graph.
/// pub struct NodeId;
///
/// assert_eq!(std::mem::size_of::<NodeId>(), 8);
/// assert_eq!(std::mem::size_of::<Option<NodeId>>(), 8);
/// ```
pub trait Handle: Copy + Eq + Hash + Ord + fmt::Debug {
    /// Wraps raw handle data (used by [`Arena`]).
    #[doc(hidden)]
    fn from_raw(raw: RawHandle) -> Self;

    /// The index and version inside.
    fn raw(self) -> RawHandle;
}

/// Why a handle found nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Staleness {
    /// No arena entry was ever at this index: the handle comes from another
    /// arena (or another run).
    NeverIssued,
    /// Its entry was removed and the slot is free (or reused many versions
    /// since).
    Removed,
    /// Its entry was removed and the slot now holds another entry, issued
    /// with this version.
    Reused {
        /// The version of the slot's current entry.
        version: u32,
    },
    /// Its entry was removed from a slot whose version was about to wrap;
    /// the slot is retired for good.
    Retired,
}

/// The error of [`Arena::try_get`]: a handle whose entry is gone, and why.
///
/// # Examples
///
/// ```
/// use leakless::{Arena, Handle, Staleness};
/// #[leakless::handle]
/// struct Id;
///
/// let mut a: Arena<Id, &str> = Arena::new();
/// let old = a.insert("first");
/// a.remove(old);
/// let new = a.insert("second"); // reuses the slot
/// let err = a.try_get(old).unwrap_err();
/// assert_eq!(err.staleness(), Staleness::Reused { version: new.raw().version() });
/// assert!(err.to_string().contains("reused"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct StaleHandle {
    handle: RawHandle,
    type_name: &'static str,
    staleness: Staleness,
}

impl StaleHandle {
    /// Why the handle missed.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::{Arena, Staleness};
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a: Arena<Id, ()> = Arena::new();
    /// let h = a.insert(());
    /// a.remove(h);
    /// assert_eq!(a.try_get(h).unwrap_err().staleness(), Staleness::Removed);
    /// ```
    pub fn staleness(&self) -> Staleness {
        self.staleness
    }

    /// The stale handle's index and version.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::{Arena, Handle};
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a: Arena<Id, ()> = Arena::new();
    /// let h = a.insert(());
    /// a.remove(h);
    /// assert_eq!(a.try_get(h).unwrap_err().handle(), h.raw());
    /// ```
    pub fn handle(&self) -> RawHandle {
        self.handle
    }
}

impl fmt::Display for StaleHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, h) = (self.type_name, self.handle);
        match self.staleness {
            Staleness::NeverIssued => write!(
                f,
                "stale handle {name}({h:?}): this arena never had an entry at index {}",
                h.index()
            ),
            Staleness::Removed => write!(f, "stale handle {name}({h:?}): its entry was removed"),
            Staleness::Reused { version } => write!(
                f,
                "stale handle {name}({h:?}): its entry was removed and the slot reused by {name}({}v{version})",
                h.index()
            ),
            Staleness::Retired => write!(
                f,
                "stale handle {name}({h:?}): its entry was removed and the slot retired"
            ),
        }
    }
}

impl fmt::Debug for StaleHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for StaleHandle {}

/// Objects addressed by typed generational handles `H`: a stale handle
/// returns `None` (or [`StaleHandle`] from [`try_get`](Self::try_get)),
/// never another object, however often its slot is reused.
///
/// Every operation is slotmap's: *O*(1) insert, get and remove, a slot per
/// entry in one `Vec`, freed slots reused.
///
/// # Examples
///
/// ```
/// use leakless::Arena;
///
/// #[leakless::handle]
/// struct NodeId;
///
/// struct Node { parent: Option<NodeId>, name: &'static str }
///
/// let mut nodes: Arena<NodeId, Node> = Arena::new();
/// let root = nodes.insert(Node { parent: None, name: "root" });
/// let leaf = nodes.insert(Node { parent: Some(root), name: "leaf" });
/// assert_eq!(nodes[nodes[leaf].parent.unwrap()].name, "root");
/// nodes.remove(root);
/// assert!(nodes.get(root).is_none()); // stale, and stays stale forever
/// ```
pub struct Arena<H, T> {
    slots: Slots<T>,
    /// Values stored, ever; values dropped by `retain` (for `stats`).
    inserts: u64,
    retained_out: u64,
    _handle: PhantomData<fn(H) -> H>,
}

impl<H: Handle, T> Arena<H, T> {
    /// An empty arena. Allocates only slotmap's sentinel slot (one slot's
    /// bytes) until the first insert.
    ///
    /// # Examples
    ///
    /// ```
    /// #[leakless::handle]
    /// struct Id;
    /// let a: leakless::Arena<Id, String> = leakless::Arena::new();
    /// assert!(a.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty arena with room for `capacity` entries.
    ///
    /// # Examples
    ///
    /// ```
    /// #[leakless::handle]
    /// struct Id;
    /// let a: leakless::Arena<Id, u8> = leakless::Arena::with_capacity(100);
    /// assert!(a.capacity() >= 100);
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Arena {
            slots: Slots::with_capacity(capacity),
            inserts: 0,
            retained_out: 0,
            _handle: PhantomData,
        }
    }

    /// Entries the arena can hold without reallocating. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// #[leakless::handle]
    /// struct Id;
    /// let a: leakless::Arena<Id, u8> = leakless::Arena::new();
    /// assert_eq!(a.capacity(), 0);
    /// ```
    pub fn capacity(&self) -> usize {
        self.slots.capacity()
    }

    /// The slot array: each slot is a `u32` version and the value or a
    /// free-list link, plus one sentinel slot beyond the capacity,
    /// allocated even by an empty arena.
    fn own_bytes(&self) -> usize {
        self.slots.heap_bytes()
    }

    /// Counters: values inserted, values dropped by `retain` (as `Explicit`
    /// evictions), `len`, and the bytes of the slot array. Lookups are not
    /// counted (hits and misses stay 0): a lookup stands in for a pointer
    /// dereference, and counting it would cost as much as the lookup.
    /// Arenas have no bound (`capacity` is `usize::MAX`). *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a: leakless::Arena<Id, u8> = leakless::Arena::new();
    /// let h = a.insert(1);
    /// a.insert(2);
    /// a.remove(h);
    /// a.retain(|_, _| false);
    /// let s = a.stats();
    /// assert_eq!((s.inserts, s.len, s.evictions.explicit), (2, 0, 1));
    /// ```
    pub fn stats(&self) -> crate::Stats {
        let evictions = crate::Evictions {
            explicit: self.retained_out,
            ..crate::Evictions::default()
        };
        crate::Stats {
            inserts: self.inserts,
            evictions,
            len: self.len(),
            capacity: usize::MAX,
            bytes: self.own_bytes(),
            ..crate::Stats::default()
        }
    }

    /// Live entries (retired slots not counted). *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a: leakless::Arena<Id, u8> = leakless::Arena::new();
    /// a.insert(1);
    /// assert_eq!(a.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the arena has no live entries. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// #[leakless::handle]
    /// struct Id;
    /// let a: leakless::Arena<Id, u8> = leakless::Arena::new();
    /// assert!(a.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn issue(&mut self, key: KeyData) -> H {
        self.inserts += 1;
        H::from_raw(RawHandle(key))
    }

    /// Stores `value` and returns its handle. *O*(1) amortized.
    ///
    /// # Examples
    ///
    /// ```
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a = leakless::Arena::<Id, &str>::new();
    /// let h = a.insert("x");
    /// assert_eq!(a[h], "x");
    /// ```
    pub fn insert(&mut self, value: T) -> H {
        let key = self.slots.insert_with_key(|_| value);
        self.issue(key)
    }

    /// Stores the value `make` builds from its own handle (for objects that
    /// know their id). *O*(1) amortized.
    ///
    /// # Examples
    ///
    /// ```
    /// #[leakless::handle]
    /// struct Id;
    /// struct Node { me: Id }
    /// let mut a = leakless::Arena::<Id, Node>::new();
    /// let h = a.insert_with_key(|me| Node { me });
    /// assert_eq!(a[h].me, h);
    /// ```
    pub fn insert_with_key(&mut self, make: impl FnOnce(H) -> T) -> H {
        let key = self
            .slots
            .insert_with_key(|key| make(H::from_raw(RawHandle(key))));
        self.issue(key)
    }

    /// The entry of `handle`, if it is still there. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a = leakless::Arena::<Id, u8>::new();
    /// let h = a.insert(7);
    /// assert_eq!(a.get(h), Some(&7));
    /// ```
    #[inline]
    pub fn get(&self, handle: H) -> Option<&T> {
        self.slots.get(handle.raw().0)
    }

    /// The entry of `handle`, mutably. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a = leakless::Arena::<Id, u8>::new();
    /// let h = a.insert(7);
    /// *a.get_mut(h).unwrap() += 1;
    /// assert_eq!(a[h], 8);
    /// ```
    #[inline]
    pub fn get_mut(&mut self, handle: H) -> Option<&mut T> {
        self.slots.get_mut(handle.raw().0)
    }

    /// The entry of `handle`, or why there is none. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a = leakless::Arena::<Id, u8>::new();
    /// let h = a.insert(1);
    /// assert_eq!(a.try_get(h), Ok(&1));
    /// a.remove(h);
    /// assert!(a.try_get(h).is_err());
    /// ```
    pub fn try_get(&self, handle: H) -> Result<&T, StaleHandle> {
        self.get(handle).ok_or_else(|| self.stale(handle))
    }

    /// Explains a miss: never issued, retired, reused (found by probing the
    /// next few versions of the slot), or removed.
    fn stale(&self, handle: H) -> StaleHandle {
        let raw = handle.raw();
        // A later version within 16 reuses (32 version steps) counts as a
        // reuse; further on, the slot has simply moved on since.
        let later = |version: u32| {
            let steps = version.wrapping_sub(raw.version());
            (steps > 0 && steps <= 32).then_some(version)
        };
        let staleness = if raw.index() == 0 || raw.index() >= self.slots.issued() {
            Staleness::NeverIssued
        } else {
            match self.slots.probe(raw.0) {
                Probe::Retired(v) if v == raw.version() => Staleness::Retired,
                Probe::Occupied(v) | Probe::Retired(v) => {
                    later(v).map_or(Staleness::Removed, |version| Staleness::Reused { version })
                }
                Probe::Vacant => Staleness::Removed,
            }
        };
        StaleHandle {
            handle: raw,
            type_name: short_type_name::<H>(),
            staleness,
        }
    }

    /// Whether `handle`'s entry is there. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a = leakless::Arena::<Id, ()>::new();
    /// let h = a.insert(());
    /// assert!(a.contains(h));
    /// ```
    pub fn contains(&self, handle: H) -> bool {
        self.get(handle).is_some()
    }

    /// Removes and returns `handle`'s entry; the handle (and every copy of
    /// it) is stale from now on. A slot whose version is about to wrap is
    /// retired instead of freed. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a = leakless::Arena::<Id, &str>::new();
    /// let h = a.insert("gone");
    /// assert_eq!(a.remove(h), Some("gone"));
    /// assert_eq!(a.remove(h), None);
    /// ```
    pub fn remove(&mut self, handle: H) -> Option<T> {
        self.slots.remove(handle.raw().0)
    }

    /// Live entries with their handles, in slot order. *O*(capacity).
    ///
    /// # Examples
    ///
    /// ```
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a = leakless::Arena::<Id, u8>::new();
    /// a.insert(1);
    /// a.insert(2);
    /// assert_eq!(a.iter().map(|(_, v)| *v).sum::<u8>(), 3);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (H, &T)> + '_ {
        self.slots
            .iter()
            .map(|(k, v)| (H::from_raw(RawHandle(k)), v))
    }

    /// Live entries with their handles, mutably, in slot order.
    ///
    /// # Examples
    ///
    /// ```
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a = leakless::Arena::<Id, u8>::new();
    /// a.insert(1);
    /// a.iter_mut().for_each(|(_, v)| *v *= 10);
    /// assert_eq!(a.iter().next().map(|(_, v)| *v), Some(10));
    /// ```
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (H, &mut T)> + '_ {
        self.slots
            .iter_mut()
            .map(|(k, v)| (H::from_raw(RawHandle(k)), v))
    }

    /// Keeps the entries for which `keep` returns true. *O*(capacity).
    ///
    /// # Examples
    ///
    /// ```
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a = leakless::Arena::<Id, u8>::new();
    /// for i in 0..10 {
    ///     a.insert(i);
    /// }
    /// a.retain(|_, v| *v % 2 == 0);
    /// assert_eq!(a.len(), 5);
    /// ```
    pub fn retain(&mut self, mut keep: impl FnMut(H, &mut T) -> bool) {
        let before = self.len();
        self.slots
            .retain(|key, value| keep(H::from_raw(RawHandle(key)), value));
        self.retained_out += (before - self.len()) as u64;
    }

    /// Removes every entry and returns them with their handles, in slot
    /// order; all those handles are stale afterwards. *O*(capacity).
    ///
    /// # Examples
    ///
    /// ```
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a = leakless::Arena::<Id, u8>::new();
    /// let h = a.insert(5);
    /// assert_eq!(a.drain().collect::<Vec<_>>(), [(h, 5)]);
    /// assert!(a.is_empty() && a.get(h).is_none());
    /// ```
    pub fn drain(&mut self) -> std::vec::IntoIter<(H, T)> {
        // Through `remove`, so that slots near the version wrap are retired
        // rather than freed.
        let handles: Vec<H> = self.iter().map(|(h, _)| h).collect();
        let taken: Vec<(H, T)> = handles
            .into_iter()
            .filter_map(|h| self.remove(h).map(|v| (h, v)))
            .collect();
        taken.into_iter()
    }

    /// Mutable access to `N` distinct live entries at once, or `None` if any
    /// handle is stale or two are the same. *O*(`N`²).
    ///
    /// # Examples
    ///
    /// ```
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a = leakless::Arena::<Id, u8>::new();
    /// let (x, y) = (a.insert(1), a.insert(2));
    /// if let Some([p, q]) = a.get_disjoint_mut([x, y]) {
    ///     std::mem::swap(p, q);
    /// }
    /// assert_eq!((a[x], a[y]), (2, 1));
    /// assert!(a.get_disjoint_mut([x, x]).is_none());
    /// ```
    pub fn get_disjoint_mut<const N: usize>(&mut self, handles: [H; N]) -> Option<[&mut T; N]> {
        self.slots.get_disjoint_mut(handles.map(|h| h.raw().0))
    }
}

/// The handle type's own name, for messages (`NodeId`, not a path).
fn short_type_name<H>() -> &'static str {
    let full = core::any::type_name::<H>();
    full.rsplit("::").next().unwrap_or(full)
}

impl<H: Handle, T> Default for Arena<H, T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<H: Handle, T> Index<H> for Arena<H, T> {
    type Output = T;

    /// The entry of `handle`.
    ///
    /// # Panics
    ///
    /// If the handle is stale, with a message naming it and saying why
    /// (`stale handle NodeId(3v5): its entry was removed`).
    fn index(&self, handle: H) -> &T {
        match self.try_get(handle) {
            Ok(value) => value,
            Err(stale) => panic!("{stale}"),
        }
    }
}

impl<H: Handle, T> IndexMut<H> for Arena<H, T> {
    /// The entry of `handle`, mutably.
    ///
    /// # Panics
    ///
    /// If the handle is stale, like [`Index`].
    fn index_mut(&mut self, handle: H) -> &mut T {
        if !self.contains(handle) {
            panic!("{}", self.stale(handle));
        }
        match self.get_mut(handle) {
            Some(value) => value,
            None => unreachable!("checked just above"),
        }
    }
}

impl<H: Handle, T: fmt::Debug> fmt::Debug for Arena<H, T> {
    /// Live entries as `{handle: value, ..}`, in slot order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<H: Handle, T: Clone> Clone for Arena<H, T> {
    /// A copy in which every handle of this arena finds the same entry.
    fn clone(&self) -> Self {
        Arena {
            slots: self.slots.clone(),
            inserts: self.inserts,
            retained_out: self.retained_out,
            _handle: PhantomData,
        }
    }
}

impl<H: Handle, T: Footprint> Footprint for Arena<H, T> {
    /// slotmap's slot array (each slot holds a value or a free-list link,
    /// plus a `u32` version) and what the values own. *O*(capacity).
    fn footprint(&self) -> usize {
        self.own_bytes() + self.iter().map(|(_, v)| v.footprint()).sum::<usize>()
    }
}

/// Values attached to the entries of an [`Arena`] by their handles, stored
/// apart (slotmap's `SecondaryMap`): a side table for data only some
/// entries have, or that another module owns.
///
/// A stale handle never finds a value here either;
/// [`retain_valid`](Self::retain_valid) drops the values whose entry has
/// left the arena, so side values do not outlive what they describe.
///
/// # Examples
///
/// ```
/// use leakless::{Arena, SideTable};
/// #[leakless::handle]
/// struct Id;
///
/// let mut users: Arena<Id, &str> = Arena::new();
/// let mut avatars: SideTable<Id, Vec<u8>> = SideTable::new();
/// let ann = users.insert("ann");
/// avatars.insert(ann, vec![0xff; 16]);
/// users.remove(ann);
/// assert!(avatars.get(ann).is_some()); // until cleaned:
/// avatars.retain_valid(&users);
/// assert!(avatars.is_empty());
/// ```
pub struct SideTable<H, V> {
    map: SecondaryMap<DefaultKey, V>,
    _handle: PhantomData<fn(H) -> H>,
}

impl<H: Handle, V> SideTable<H, V> {
    /// An empty side table.
    ///
    /// # Examples
    ///
    /// ```
    /// #[leakless::handle]
    /// struct Id;
    /// let t: leakless::SideTable<Id, u8> = leakless::SideTable::new();
    /// assert!(t.is_empty());
    /// ```
    pub fn new() -> Self {
        SideTable {
            map: SecondaryMap::new(),
            _handle: PhantomData,
        }
    }

    /// Attaches `value` to `handle`; returns the value it replaces. A value
    /// for a handle older than one already seen for its slot is not stored
    /// (it is dropped and `None` returned, as slotmap's `SecondaryMap`
    /// does). *O*(1) amortized.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::{Arena, SideTable};
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a: Arena<Id, ()> = Arena::new();
    /// let mut t = SideTable::new();
    /// let h = a.insert(());
    /// assert_eq!(t.insert(h, 1), None);
    /// assert_eq!(t.insert(h, 2), Some(1));
    /// ```
    pub fn insert(&mut self, handle: H, value: V) -> Option<V> {
        self.map.insert(handle.raw().key(), value)
    }

    /// The value attached to `handle`. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::{Arena, SideTable};
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a: Arena<Id, ()> = Arena::new();
    /// let mut t = SideTable::new();
    /// let h = a.insert(());
    /// t.insert(h, "v");
    /// assert_eq!(t.get(h), Some(&"v"));
    /// ```
    pub fn get(&self, handle: H) -> Option<&V> {
        self.map.get(handle.raw().key())
    }

    /// The value attached to `handle`, mutably. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::{Arena, SideTable};
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a: Arena<Id, ()> = Arena::new();
    /// let mut t = SideTable::new();
    /// let h = a.insert(());
    /// t.insert(h, 1);
    /// *t.get_mut(h).unwrap() += 1;
    /// assert_eq!(t.get(h), Some(&2));
    /// ```
    pub fn get_mut(&mut self, handle: H) -> Option<&mut V> {
        self.map.get_mut(handle.raw().key())
    }

    /// Detaches and returns `handle`'s value. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::{Arena, SideTable};
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a: Arena<Id, ()> = Arena::new();
    /// let mut t = SideTable::new();
    /// let h = a.insert(());
    /// t.insert(h, 1);
    /// assert_eq!(t.remove(h), Some(1));
    /// ```
    pub fn remove(&mut self, handle: H) -> Option<V> {
        self.map.remove(handle.raw().key())
    }

    /// Values stored. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// #[leakless::handle]
    /// struct Id;
    /// let t: leakless::SideTable<Id, u8> = leakless::SideTable::new();
    /// assert_eq!(t.len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no value is stored. *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// #[leakless::handle]
    /// struct Id;
    /// let t: leakless::SideTable<Id, u8> = leakless::SideTable::new();
    /// assert!(t.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Drops every value whose handle no longer finds an entry in `arena`.
    /// *O*(capacity).
    ///
    /// # Examples
    ///
    /// ```
    /// use leakless::{Arena, SideTable};
    /// #[leakless::handle]
    /// struct Id;
    /// let mut a: Arena<Id, ()> = Arena::new();
    /// let mut t = SideTable::new();
    /// let (x, y) = (a.insert(()), a.insert(()));
    /// t.insert(x, 'x');
    /// t.insert(y, 'y');
    /// a.remove(x);
    /// t.retain_valid(&a);
    /// assert_eq!((t.get(x), t.get(y)), (None, Some(&'y')));
    /// ```
    pub fn retain_valid<T>(&mut self, arena: &Arena<H, T>) {
        self.map
            .retain(|key, _| arena.contains(H::from_raw(RawHandle::new(key))));
    }
}

impl<H: Handle, V> Default for SideTable<H, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<H: Handle, V: fmt::Debug> fmt::Debug for SideTable<H, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.map
                    .iter()
                    .map(|(k, v)| (H::from_raw(RawHandle::new(k)), v)),
            )
            .finish()
    }
}
