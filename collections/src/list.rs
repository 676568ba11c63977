//! The index-linked list every ordered map in this crate threads through its
//! slab: recency order now, expiry queues later.
//!
//! Links are relaxed-atomic cells so that a read through `&self` (`get`
//! counting as a use) can reorder the list without a runtime borrow flag,
//! at a `Cell`'s cost; which maps may do that from several threads is
//! decided by the public map types (see `bounded::BoundedMap`), not here.

use crate::relaxed::RelaxedU32;

/// The "no slot" index. Slab indices stay below it, so a map holds at most
/// `u32::MAX - 1` entries.
pub(crate) const NIL: u32 = u32::MAX;

/// The largest number of slots an index-linked slab can hold.
pub(crate) const MAX_SLOTS: usize = (NIL - 512) as usize;

/// One entry's place in one list.
#[derive(Clone, Debug)]
pub(crate) struct Link {
    prev: RelaxedU32,
    next: RelaxedU32,
}

impl Link {
    pub(crate) const fn detached() -> Self {
        Link {
            prev: RelaxedU32::new(NIL),
            next: RelaxedU32::new(NIL),
        }
    }

    #[inline]
    pub(crate) fn next(&self) -> u32 {
        self.next.get()
    }

    #[inline]
    pub(crate) fn prev(&self) -> u32 {
        self.prev.get()
    }
}

/// Gives the list the `Link` of slot `i`; implemented by each slab that carries
/// links, so one list implementation serves every map.
pub(crate) trait Links {
    fn link(&self, i: u32) -> &Link;
}

/// Head (front, most recent) and tail (back, least recent) of an index-linked
/// list. Every operation is *O*(1) and touches at most three slots.
#[derive(Clone, Debug)]
pub(crate) struct List {
    head: RelaxedU32,
    tail: RelaxedU32,
}

impl Default for List {
    fn default() -> Self {
        List {
            head: RelaxedU32::new(NIL),
            tail: RelaxedU32::new(NIL),
        }
    }
}

impl List {
    #[inline]
    pub(crate) fn head(&self) -> u32 {
        self.head.get()
    }

    #[inline]
    pub(crate) fn tail(&self) -> u32 {
        self.tail.get()
    }

    pub(crate) fn clear(&self) {
        self.head.set(NIL);
        self.tail.set(NIL);
    }

    /// Links the detached slot `i` in front of the head.
    #[inline]
    pub(crate) fn push_front<L: Links + ?Sized>(&self, slab: &L, i: u32) {
        let head = self.head.get();
        let link = slab.link(i);
        link.prev.set(NIL);
        link.next.set(head);
        if head == NIL {
            self.tail.set(i);
        } else {
            slab.link(head).prev.set(i);
        }
        self.head.set(i);
    }

    /// Links the detached slot `i` just before slot `at`, which is in the
    /// list (or at the back when `at` is `NIL`).
    #[inline]
    pub(crate) fn insert_before<L: Links + ?Sized>(&self, slab: &L, at: u32, i: u32) {
        let prev = if at == NIL {
            self.tail.get()
        } else {
            slab.link(at).prev.get()
        };
        let link = slab.link(i);
        link.prev.set(prev);
        link.next.set(at);
        if prev == NIL {
            self.head.set(i);
        } else {
            slab.link(prev).next.set(i);
        }
        if at == NIL {
            self.tail.set(i);
        } else {
            slab.link(at).prev.set(i);
        }
    }

    /// Takes slot `i` out of the list; its own link is left stale.
    #[inline]
    pub(crate) fn unlink<L: Links + ?Sized>(&self, slab: &L, i: u32) {
        let link = slab.link(i);
        let (prev, next) = (link.prev.get(), link.next.get());
        if prev == NIL {
            self.head.set(next);
        } else {
            slab.link(prev).next.set(next);
        }
        if next == NIL {
            self.tail.set(prev);
        } else {
            slab.link(next).prev.set(prev);
        }
    }

    /// Makes slot `i`, already in the list, the head. The hit path of every
    /// LRU lookup: unlinking and pushing are fused, since a slot that is
    /// not the head has a predecessor and the list has a head to push in
    /// front of (two tests and a slot lookup fewer than the two calls).
    #[inline]
    pub(crate) fn move_to_front<L: Links + ?Sized>(&self, slab: &L, i: u32) {
        let head = self.head.get();
        if head == i {
            return;
        }
        let link = slab.link(i);
        let (prev, next) = (link.prev.get(), link.next.get());
        slab.link(prev).next.set(next);
        if next == NIL {
            self.tail.set(prev);
        } else {
            slab.link(next).prev.set(prev);
        }
        link.prev.set(NIL);
        link.next.set(head);
        slab.link(head).prev.set(i);
        self.head.set(i);
    }

    /// Slot `from` now lives at index `to` (a swap-remove moved it): points
    /// its neighbours, and the ends, at the new index.
    pub(crate) fn relocate<L: Links + ?Sized>(&self, slab: &L, from: u32, to: u32) {
        let link = slab.link(to);
        let (prev, next) = (link.prev.get(), link.next.get());
        if prev == NIL {
            debug_assert_eq!(self.head.get(), from);
            self.head.set(to);
        } else {
            slab.link(prev).next.set(to);
        }
        if next == NIL {
            debug_assert_eq!(self.tail.get(), from);
            self.tail.set(to);
        } else {
            slab.link(next).prev.set(to);
        }
    }

    /// Links slots `0..len` in index order (0 at the head), for a slab that
    /// has just been laid out in list order.
    pub(crate) fn link_in_index_order<L: Links + ?Sized>(&self, slab: &L, len: usize) {
        if len == 0 {
            self.clear();
            return;
        }
        let last = (len - 1) as u32;
        for i in 0..=last {
            let link = slab.link(i);
            link.prev.set(if i == 0 { NIL } else { i - 1 });
            link.next.set(if i == last { NIL } else { i + 1 });
        }
        self.head.set(0);
        self.tail.set(last);
    }

    /// The rank (0 = head) of every slot `0..len`, and whether the slab is
    /// already in list order.
    pub(crate) fn ranks<L: Links + ?Sized>(&self, slab: &L, len: usize) -> (Vec<u32>, bool) {
        let mut rank = vec![NIL; len];
        let mut in_order = true;
        let mut cur = self.head.get();
        let mut r = 0u32;
        while cur != NIL {
            in_order &= cur == r;
            rank[cur as usize] = r;
            r += 1;
            cur = slab.link(cur).next.get();
        }
        debug_assert_eq!(r as usize, len);
        (rank, in_order)
    }
}
