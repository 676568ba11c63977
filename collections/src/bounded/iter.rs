//! Iterators of [`BoundedMap`](super::BoundedMap), all most recent first.

use core::iter::FusedIterator;
use core::marker::PhantomData;

use super::engine::Slot;
use crate::expiry::Expiry;
use crate::list::{List, NIL};

/// Borrowing iterator over `(&K, &V)`, most recent first; from
/// [`BoundedMap::iter`](super::BoundedMap::iter).
///
/// # Examples
///
/// ```
/// let mut m = leakless::BoundedMap::new(3);
/// m.insert(1, 'a');
/// m.insert(2, 'b');
/// let mut it = m.iter();
/// assert_eq!(it.len(), 2);
/// assert_eq!(it.next_back(), Some((&1, &'a')));
/// ```
pub struct Iter<'a, K, V> {
    slots: &'a [Slot<K, V>],
    front: u32,
    back: u32,
    remaining: usize,
    /// Set when some entries have expired: they are skipped.
    expired: Option<(&'a Expiry, u64)>,
    /// The map may reorder its list through `&self` (`get`) on its own
    /// thread, so an iterator over it must stay there: `!Send`, `!Sync`,
    /// as the map's shared reference is.
    unshared: PhantomData<&'a core::cell::Cell<()>>,
}

impl<'a, K, V> Iter<'a, K, V> {
    pub(super) fn new(slots: &'a [Slot<K, V>], order: &List, expiry: &'a Expiry) -> Self {
        let mut remaining = slots.len();
        let mut expired = None;
        let now = expiry.now();
        if expiry.may_have_expired(now, order.tail()) {
            let dead = (0..slots.len() as u32)
                .filter(|&i| expiry.is_expired(i, now))
                .count();
            if dead > 0 {
                remaining -= dead;
                expired = Some((expiry, now));
            }
        }
        Iter {
            unshared: PhantomData,
            slots,
            front: order.head(),
            back: order.tail(),
            remaining,
            expired,
        }
    }

    #[inline]
    fn is_expired(&self, i: u32) -> bool {
        self.expired
            .is_some_and(|(expiry, now)| expiry.is_expired(i, now))
    }
}

impl<K, V> Clone for Iter<'_, K, V> {
    fn clone(&self) -> Self {
        Iter { ..*self }
    }
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        loop {
            let i = self.front;
            let slot = &self.slots[i as usize];
            self.front = slot.link.next();
            if !self.is_expired(i) {
                self.remaining -= 1;
                return Some((&slot.key, &slot.value));
            }
        }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<K, V> DoubleEndedIterator for Iter<'_, K, V> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        loop {
            let i = self.back;
            let slot = &self.slots[i as usize];
            self.back = slot.link.prev();
            if !self.is_expired(i) {
                self.remaining -= 1;
                debug_assert!(self.remaining == 0 || self.back != NIL);
                return Some((&slot.key, &slot.value));
            }
        }
    }
}

impl<K, V> ExactSizeIterator for Iter<'_, K, V> {}
impl<K, V> FusedIterator for Iter<'_, K, V> {}

/// Iterator over `(&K, &mut V)`, most recent first; from
/// [`BoundedMap::iter_mut`](super::BoundedMap::iter_mut).
///
/// # Examples
///
/// ```
/// let mut m = leakless::BoundedMap::new(3);
/// m.insert(1, 10);
/// for (k, v) in &mut m {
///     *v += k;
/// }
/// assert_eq!(m[&1], 11);
/// ```
pub struct IterMut<'a, K, V> {
    pub(super) inner: core::slice::IterMut<'a, Slot<K, V>>,
}

/// Owning iterator over `(K, V)`, most recent first; from `into_iter`.
///
/// # Examples
///
/// ```
/// let mut m = leakless::BoundedMap::new(3);
/// m.insert(1, 'a');
/// m.insert(2, 'b');
/// assert_eq!(m.into_iter().collect::<Vec<_>>(), [(2, 'b'), (1, 'a')]);
/// ```
pub struct IntoIter<K, V> {
    pub(super) inner: std::vec::IntoIter<Slot<K, V>>,
}

/// Draining iterator over `(K, V)`, most recent first; from
/// [`BoundedMap::drain`](super::BoundedMap::drain).
///
/// # Examples
///
/// ```
/// let mut m = leakless::BoundedMap::new(3);
/// m.insert(1, 'a');
/// let all: Vec<_> = m.drain().collect();
/// assert_eq!(all, [(1, 'a')]);
/// ```
pub struct Drain<'a, K, V> {
    pub(super) inner: IntoIter<K, V>,
    pub(super) _map: PhantomData<&'a mut ()>,
}

/// Iterator over keys, most recent first; from
/// [`BoundedMap::keys`](super::BoundedMap::keys).
///
/// # Examples
///
/// ```
/// let mut m = leakless::BoundedMap::new(3);
/// m.insert(1, ());
/// assert_eq!(m.keys().next(), Some(&1));
/// ```
pub struct Keys<'a, K, V> {
    pub(super) inner: Iter<'a, K, V>,
}

/// Iterator over values, most recent first; from
/// [`BoundedMap::values`](super::BoundedMap::values).
///
/// # Examples
///
/// ```
/// let mut m = leakless::BoundedMap::new(3);
/// m.insert(1, 'x');
/// assert_eq!(m.values().next(), Some(&'x'));
/// ```
pub struct Values<'a, K, V> {
    pub(super) inner: Iter<'a, K, V>,
}

/// Iterator over mutable values, most recent first; from
/// [`BoundedMap::values_mut`](super::BoundedMap::values_mut).
///
/// # Examples
///
/// ```
/// let mut m = leakless::BoundedMap::new(3);
/// m.insert(1, 1);
/// m.values_mut().for_each(|v| *v = 0);
/// assert_eq!(m[&1], 0);
/// ```
pub struct ValuesMut<'a, K, V> {
    pub(super) inner: IterMut<'a, K, V>,
}

/// Implements the iterator traits for a wrapper whose `inner` yields slots or
/// pairs, mapping each item with `$map`.
macro_rules! forward_iter {
    ($name:ident<$($lt:lifetime,)? K, V>, $item:ty, |$x:ident| $map:expr) => {
        impl<$($lt,)? K, V> Iterator for $name<$($lt,)? K, V> {
            type Item = $item;

            #[inline]
            fn next(&mut self) -> Option<$item> {
                self.inner.next().map(|$x| $map)
            }

            #[inline]
            fn size_hint(&self) -> (usize, Option<usize>) {
                self.inner.size_hint()
            }
        }

        impl<$($lt,)? K, V> DoubleEndedIterator for $name<$($lt,)? K, V> {
            #[inline]
            fn next_back(&mut self) -> Option<$item> {
                self.inner.next_back().map(|$x| $map)
            }
        }

        impl<$($lt,)? K, V> ExactSizeIterator for $name<$($lt,)? K, V> {}
        impl<$($lt,)? K, V> FusedIterator for $name<$($lt,)? K, V> {}
    };
}

forward_iter!(IterMut<'a, K, V>, (&'a K, &'a mut V), |s| (
    &s.key,
    &mut s.value
));
forward_iter!(IntoIter<K, V>, (K, V), |s| (s.key, s.value));
forward_iter!(Drain<'a, K, V>, (K, V), |p| p);
forward_iter!(Keys<'a, K, V>, &'a K, |p| p.0);
forward_iter!(Values<'a, K, V>, &'a V, |p| p.1);
forward_iter!(ValuesMut<'a, K, V>, &'a mut V, |p| p.1);
