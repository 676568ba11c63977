//! [`Slots`]: the generational slot vector under [`Arena`](crate::Arena).
//! slotmap's scheme (a `Vec` of slots, a free list threaded through the
//! vacant ones, a `u32` version per slot, odd while occupied), with a slot
//! enum of its own: a slot is its version and either the value or the next
//! free index, so for a `u64` value it is 16 bytes (slotmap's `Option<T>`
//! value, needed to retire a slot, made it 24), and a retired slot is a
//! vacant slot that is off the free list rather than an occupied slot
//! holding `None`.
//!
//! An occupied slot's version is a `NonZeroU32` and the variant has a
//! 4-byte `spare` field: for a value of 4 bytes or more with no niche of
//! its own (a `u64`, say) they make rustc store the variant in the version
//! (0 means vacant) instead of in a tag byte, so a get loads one word and
//! compares it with the key's version, as slotmap's get does. For smaller
//! values both layouts take 12 bytes and rustc keeps a tag.
//!
//! Keys are slotmap's [`KeyData`], so handles interoperate with slotmap's
//! `SecondaryMap`. Index 0 is a sentinel, as in slotmap: no key ever names
//! it, and it keeps indices the same as slotmap would issue.

use core::num::NonZeroU32;

use slotmap::KeyData;

/// One slot.
#[derive(Clone, Debug)]
pub(crate) enum Slot<T> {
    /// Holds a value; `version` is odd.
    Occupied {
        version: NonZeroU32,
        /// Always 0. Without it the tagged layout is as small as the
        /// niche-filled one, and rustc picks the tag (see the module docs).
        #[expect(dead_code, reason = "it is there for the layout, never read")]
        spare: u32,
        value: T,
    },
    /// Free; `version` is even (the next insert makes it odd) and `next` is
    /// the next free slot (0 for none). Or retired: `next` is [`RETIRED`]
    /// and `version` the odd one it was retired at, about to wrap, so the
    /// slot is never reused.
    Vacant { version: u32, next: u32 },
}

/// The `next` of a retired slot: not an index (there are at most
/// 2^32 - 2 slots), and never on the free list.
const RETIRED: u32 = u32::MAX;

fn occupied<T>(version: u32, value: T) -> Slot<T> {
    Slot::Occupied {
        version: NonZeroU32::new(version).expect("occupied versions are odd"),
        spare: 0,
        value,
    }
}

/// What a slot says about a key's version.
pub(crate) enum Probe {
    /// The slot holds another entry, issued at this version.
    Occupied(u32),
    /// The slot is retired at this version.
    Retired(u32),
    /// The slot is free.
    Vacant,
}

/// Versions from here on are one removal from wrapping: such a slot is
/// retired instead of freed. (Occupied versions are odd; removal adds one,
/// and `u32::MAX + 1` would wrap to the first version a slot ever had.)
pub(crate) const RETIRE_FROM: u32 = u32::MAX - 2;

#[derive(Clone, Debug)]
pub(crate) struct Slots<T> {
    slots: Vec<Slot<T>>,
    /// The first free slot, 0 for none.
    free: u32,
    len: usize,
    retired: usize,
}

fn key(index: u32, version: u32) -> KeyData {
    KeyData::from_ffi((u64::from(version) << 32) | u64::from(index))
}

fn parts(key: KeyData) -> (usize, u32) {
    let ffi = key.as_ffi();
    ((ffi & 0xffff_ffff) as usize, (ffi >> 32) as u32)
}

impl<T> Slots<T> {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        let mut slots = Vec::with_capacity(capacity.saturating_add(1));
        slots.push(Slot::Vacant {
            version: 0,
            next: RETIRED,
        });
        Slots {
            slots,
            free: 0,
            len: 0,
            retired: 0,
        }
    }

    /// Occupied slots.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Slots that can be occupied without reallocating (the sentinel aside).
    pub(crate) fn capacity(&self) -> usize {
        self.slots.capacity() - 1
    }

    /// Bytes of the slot array.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.slots.capacity() * core::mem::size_of::<Slot<T>>()
    }

    /// The highest index a key was ever issued for, plus one.
    pub(crate) fn issued(&self) -> u32 {
        self.slots.len() as u32
    }

    /// Stores the value `make` builds from its key; its key.
    pub(crate) fn insert_with_key(&mut self, make: impl FnOnce(KeyData) -> T) -> KeyData {
        let index = self.free;
        // The sentinel (index 0) is vacant too, but `free == 0` means none.
        if let (1.., Some(Slot::Vacant { version, next })) = (index, self.slots.get(index as usize))
        {
            let (version, next) = (version | 1, *next);
            let value = make(key(index, version));
            self.slots[index as usize] = occupied(version, value);
            self.free = next;
            self.len += 1;
            return key(index, version);
        }
        let index = u32::try_from(self.slots.len())
            .ok()
            .filter(|&i| i < u32::MAX)
            .unwrap_or_else(|| panic!("an arena holds at most 2^32 - 2 slots"));
        let value = make(key(index, 1));
        self.slots.push(occupied(1, value));
        self.len += 1;
        key(index, 1)
    }

    #[inline]
    pub(crate) fn get(&self, key: KeyData) -> Option<&T> {
        let (i, v) = parts(key);
        match self.slots.get(i) {
            Some(Slot::Occupied { version, value, .. }) if version.get() == v => Some(value),
            _ => None,
        }
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, key: KeyData) -> Option<&mut T> {
        let (i, v) = parts(key);
        match self.slots.get_mut(i) {
            Some(Slot::Occupied { version, value, .. }) if version.get() == v => Some(value),
            _ => None,
        }
    }

    /// What the slot of `key`'s index holds now.
    pub(crate) fn probe(&self, key: KeyData) -> Probe {
        match self.slots.get(parts(key).0) {
            Some(Slot::Occupied { version, .. }) => Probe::Occupied(version.get()),
            Some(Slot::Vacant {
                version,
                next: RETIRED,
            }) => Probe::Retired(*version),
            _ => Probe::Vacant,
        }
    }

    /// Takes `key`'s value out; the slot is freed, or retired if its
    /// version is about to wrap.
    pub(crate) fn remove(&mut self, key: KeyData) -> Option<T> {
        let (i, v) = parts(key);
        match self.slots.get(i) {
            Some(Slot::Occupied { version, .. }) if version.get() == v => {}
            _ => return None,
        }
        let freed = if v >= RETIRE_FROM {
            self.retired += 1;
            Slot::Vacant {
                version: v,
                next: RETIRED,
            }
        } else {
            let next = self.free;
            self.free = i as u32;
            Slot::Vacant {
                version: v.wrapping_add(1),
                next,
            }
        };
        self.len -= 1;
        match core::mem::replace(&mut self.slots[i], freed) {
            Slot::Occupied { value, .. } => Some(value),
            _ => unreachable!("checked occupied above"),
        }
    }

    /// Occupied slots in index order, with their keys.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (KeyData, &T)> + '_ {
        (0..).zip(&self.slots).filter_map(|(i, slot)| match slot {
            Slot::Occupied { version, value, .. } => Some((key(i, version.get()), value)),
            _ => None,
        })
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (KeyData, &mut T)> + '_ {
        (0..)
            .zip(&mut self.slots)
            .filter_map(|(i, slot)| match slot {
                Slot::Occupied { version, value, .. } => Some((key(i, version.get()), value)),
                _ => None,
            })
    }

    /// Removes (frees or retires) the occupied slots for which `keep`
    /// returns false, in index order.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(KeyData, &mut T) -> bool) {
        for i in 1..self.slots.len() {
            let doomed = match &mut self.slots[i] {
                Slot::Occupied { version, value, .. } => {
                    let k = key(i as u32, version.get());
                    if keep(k, value) {
                        continue;
                    }
                    k
                }
                _ => continue,
            };
            drop(self.remove(doomed));
        }
    }

    /// Mutable access to `N` distinct occupied slots, or `None` if a key is
    /// stale or two name the same slot.
    pub(crate) fn get_disjoint_mut<const N: usize>(
        &mut self,
        keys: [KeyData; N],
    ) -> Option<[&mut T; N]> {
        let indices = keys.map(|k| parts(k).0);
        let slots = self.slots.get_disjoint_mut(indices).ok()?;
        let mut out = Vec::with_capacity(N);
        for (slot, k) in slots.into_iter().zip(keys) {
            match slot {
                Slot::Occupied { version, value, .. } if version.get() == parts(k).1 => {
                    out.push(value)
                }
                _ => return None,
            }
        }
        out.try_into().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_u64_slot_is_16_bytes_as_slotmaps_is() {
        assert_eq!(core::mem::size_of::<Slot<u64>>(), 16);
        assert_eq!(core::mem::size_of::<Slot<u32>>(), 12);
        assert_eq!(core::mem::size_of::<Slot<Box<u8>>>(), 16);
        assert_eq!(
            core::mem::size_of::<Slot<u8>>(),
            12,
            "as with a tag: a vacant slot is two u32s"
        );
    }

    #[test]
    fn the_variant_lives_in_the_version_word() {
        // A tag byte would leave `Option` a niche of its own; the version
        // word's only niche (0) is taken by `Vacant`, so `Option` adds a word.
        assert!(core::mem::size_of::<Option<Slot<u64>>>() > core::mem::size_of::<Slot<u64>>());
    }

    #[test]
    fn versions_go_odd_when_occupied_and_a_slot_near_the_wrap_retires() {
        let mut s: Slots<u8> = Slots::with_capacity(0);
        let a = s.insert_with_key(|_| 1);
        assert_eq!(parts(a), (1, 1));
        assert_eq!(s.remove(a), Some(1));
        let b = s.insert_with_key(|_| 2);
        assert_eq!(
            parts(b),
            (1, 3),
            "the freed slot is reused at the next odd version"
        );
        assert_eq!(s.get(a), None);
        // Drive slot 1 to the wrap by hand.
        s.slots[1] = occupied(RETIRE_FROM, 9);
        let old = key(1, RETIRE_FROM);
        assert_eq!(s.remove(old), Some(9));
        assert!(matches!(s.probe(old), Probe::Retired(v) if v == RETIRE_FROM));
        let c = s.insert_with_key(|_| 3);
        assert_eq!(parts(c).0, 2, "a retired slot is never reused");
        assert_eq!((s.len(), s.retired), (1, 1));
    }
}
