//! [`Tracked`]: a std collection that is unbounded on purpose, under a name
//! in [`registry::report`](crate::registry::report), so that if the
//! purpose turns out wrong, the report shows it growing.

use core::fmt;
use core::mem::size_of;
use core::ops::{Deref, DerefMut};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::Arc;

use crate::footprint::{btree_node_bytes, std_hash_table_bytes};
use crate::registry::{self, Registration};
use crate::relaxed::RelaxedU64;
use crate::{Footprint, Stats};

/// A collection [`Tracked`] can report: its kind, length and the bytes of
/// its own storage, each in *O*(1).
///
/// Implemented for std's `HashMap`, `HashSet`, `BTreeMap`, `BTreeSet`,
/// `Vec` and `VecDeque`.
///
/// # Examples
///
/// ```
/// use leakless::Inspect;
/// use std::collections::HashMap;
///
/// let m: HashMap<u64, u64> = (0..10).map(|i| (i, i)).collect();
/// assert_eq!(m.inspect_len(), 10);
/// assert!(m.inspect_bytes() >= 10 * 16);
/// assert_eq!(<HashMap<u64, u64> as Inspect>::KIND, "HashMap");
/// ```
pub trait Inspect {
    /// The name reports give this kind of collection.
    const KIND: &'static str;

    /// Elements stored.
    fn inspect_len(&self) -> usize;

    /// Bytes of the collection's own storage (not what its elements own).
    fn inspect_bytes(&self) -> usize;
}

impl<K, V, S> Inspect for HashMap<K, V, S> {
    const KIND: &'static str = "HashMap";
    fn inspect_len(&self) -> usize {
        self.len()
    }
    fn inspect_bytes(&self) -> usize {
        std_hash_table_bytes::<(K, V)>(self.capacity())
    }
}

impl<T, S> Inspect for HashSet<T, S> {
    const KIND: &'static str = "HashSet";
    fn inspect_len(&self) -> usize {
        self.len()
    }
    fn inspect_bytes(&self) -> usize {
        std_hash_table_bytes::<T>(self.capacity())
    }
}

impl<K, V> Inspect for BTreeMap<K, V> {
    const KIND: &'static str = "BTreeMap";
    fn inspect_len(&self) -> usize {
        self.len()
    }
    fn inspect_bytes(&self) -> usize {
        btree_node_bytes::<K, V>(self.len())
    }
}

impl<T> Inspect for BTreeSet<T> {
    const KIND: &'static str = "BTreeSet";
    fn inspect_len(&self) -> usize {
        self.len()
    }
    fn inspect_bytes(&self) -> usize {
        btree_node_bytes::<T, ()>(self.len())
    }
}

impl<T> Inspect for Vec<T> {
    const KIND: &'static str = "Vec";
    fn inspect_len(&self) -> usize {
        self.len()
    }
    fn inspect_bytes(&self) -> usize {
        self.capacity() * size_of::<T>()
    }
}

impl<T> Inspect for VecDeque<T> {
    const KIND: &'static str = "VecDeque";
    fn inspect_len(&self) -> usize {
        self.len()
    }
    fn inspect_bytes(&self) -> usize {
        self.capacity() * size_of::<T>()
    }
}

/// A std collection under a name in the registry: it dereferences to the
/// collection, and each access through it publishes the collection's length
/// and bytes if they changed (as they were before the access: a report sees
/// the collection as of its previous access). An access that changed
/// nothing costs two comparisons.
///
/// This is what `#[unbounded(reason = "..", name = "..")]` makes of a
/// field: unbounded on purpose, and watched in case the purpose was wrong.
///
/// # Examples
///
/// ```
/// use leakless::{registry, Tracked};
/// use std::collections::HashMap;
///
/// let mut regions = Tracked::new(HashMap::new(), "tracked-doc-regions");
/// regions.insert("eu", 1);
/// regions.insert("us", 2);
/// assert_eq!(regions.len(), 2); // this access publishes len 2
/// let row = registry::snapshot().get("tracked-doc-regions").unwrap().clone();
/// assert_eq!((row.kind, row.len), ("HashMap", 2));
/// ```
pub struct Tracked<T: Inspect> {
    inner: T,
    registration: Registration,
    /// What was last published, so that an access which changed nothing
    /// (every read, most writes that fit) costs two loads, not a publish.
    published: (RelaxedU64, RelaxedU64),
}

impl<T: Inspect> Tracked<T> {
    /// `inner`, registered as `name`.
    ///
    /// *O*(1) amortized (registering takes the registry's lock).
    ///
    /// # Examples
    ///
    /// ```
    /// let v = leakless::Tracked::new(Vec::<u8>::new(), "tracked-doc-new");
    /// assert_eq!(v.name(), "tracked-doc-new");
    /// ```
    pub fn new(inner: T, name: impl Into<Arc<str>>) -> Self {
        let registration = Registration::new(registry::register(name.into(), T::KIND, 1), 0);
        let tracked = Tracked {
            inner,
            registration,
            published: (RelaxedU64::new(u64::MAX), RelaxedU64::new(u64::MAX)),
        };
        tracked.publish();
        tracked
    }

    /// The name it is registered under.
    ///
    /// # Examples
    ///
    /// ```
    /// let v = leakless::Tracked::new(Vec::<u8>::new(), "tracked-doc-name");
    /// assert_eq!(v.name(), "tracked-doc-name");
    /// ```
    pub fn name(&self) -> &str {
        self.registration.name().unwrap_or_default()
    }

    /// The collection, out of its wrapper (and out of the registry).
    ///
    /// # Examples
    ///
    /// ```
    /// let v = leakless::Tracked::new(vec![1u8], "tracked-doc-into-inner");
    /// assert_eq!(v.into_inner(), [1]);
    /// ```
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// Publishes length and bytes if they changed since the last time.
    #[inline]
    fn publish(&self) {
        let (len, bytes) = (self.inner.inspect_len(), self.inner.inspect_bytes());
        let (last_len, last_bytes) = &self.published;
        if last_len.get() == len as u64 && last_bytes.get() == bytes as u64 {
            return;
        }
        last_len.set(len as u64);
        last_bytes.set(bytes as u64);
        self.registration.publish(|| Stats {
            len,
            capacity: usize::MAX,
            bytes,
            ..Stats::default()
        });
    }
}

impl<T: Inspect> Deref for Tracked<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        self.publish();
        &self.inner
    }
}

impl<T: Inspect> DerefMut for Tracked<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        self.publish();
        &mut self.inner
    }
}

impl<T: Inspect + Default> Default for Tracked<T> {
    /// An empty collection named after its type (give a real name with
    /// [`Tracked::new`]).
    fn default() -> Self {
        Tracked::new(T::default(), T::KIND)
    }
}

impl<T: Inspect + Clone> Clone for Tracked<T> {
    /// A second collection under the same name.
    fn clone(&self) -> Self {
        Tracked::new(self.inner.clone(), self.name())
    }
}

impl<T: Inspect + fmt::Debug> fmt::Debug for Tracked<T> {
    /// The collection's own `Debug`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<T: Inspect + Footprint> Footprint for Tracked<T> {
    fn footprint(&self) -> usize {
        self.inner.footprint()
    }
}

impl<'a, T: Inspect> IntoIterator for &'a Tracked<T>
where
    &'a T: IntoIterator,
{
    type Item = <&'a T as IntoIterator>::Item;
    type IntoIter = <&'a T as IntoIterator>::IntoIter;

    fn into_iter(self) -> Self::IntoIter {
        (&**self).into_iter()
    }
}
