//! Heap bytes a value owns: the question "which map is growing?" is answered
//! in these units.
//!
//! Besides leakless's own maps, the std containers a user's state is made of
//! implement [`Footprint`], so `#[derive(Footprint)]` works on a struct that
//! mixes both. How exact each one is, is in the trait docs (this module is
//! private); the std hash table arithmetic is in `std_hash_table_bytes`,
//! the B-tree model in `btree_node_bytes`.

use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;
use core::mem::{size_of, MaybeUninit};
use core::ptr::NonNull;
use std::borrow::{Cow, ToOwned};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

/// Heap bytes a value owns, beyond its own `size_of`.
///
/// Counts allocations this value alone keeps alive: a `String`'s buffer, a
/// `Vec`'s capacity (plus what its elements own), a map's table and slab plus
/// what its keys and values own. Shared allocations (`Arc`, `Rc`) are not
/// counted, because dropping one owner frees nothing: count the shared value
/// once, where it is owned, or not at all. A map's `BuildHasher` is not
/// counted either (std's and hashbrown's own no heap).
///
/// Implemented for leakless's maps and for the std containers
/// (`String`, `Vec`, `VecDeque`, `Box`, `Option`, `Cow`, std and hashbrown
/// `HashMap`/`HashSet`, `BTreeMap`/`BTreeSet`, arrays, tuples); for your
/// own types, `#[derive(leakless::Footprint)]`. How exact each one is,
/// measured against a counting allocator:
///
/// - `String`, `Vec`, `VecDeque`, `Box`: exact (capacity, not length).
/// - hashbrown `HashMap` / `HashSet` / `HashTable`: exact, from hashbrown's
///   own `allocation_size()`.
/// - std `HashMap` / `HashSet`: exact, computed from `capacity()` with
///   hashbrown's bucket arithmetic, so a map hollowed out by removals
///   reports the table it still holds (one rare exception, see the impl).
/// - `BTreeMap` / `BTreeSet`: an **estimate**, within 20% for maps built by
///   `insert`, because node occupancy depends on insertion order and std
///   does not expose it (see the impl).
/// - `Arc`, `Rc`: 0, they are shared.
///
/// # Examples
///
/// ```
/// use std::collections::{BTreeMap, HashMap, VecDeque};
/// use leakless::{BoundedMap, Footprint};
///
/// let s = String::with_capacity(100);
/// assert_eq!(s.footprint(), 100);
/// assert_eq!(42u64.footprint(), 0);
///
/// let mut m: BoundedMap<u64, String> = BoundedMap::new(10);
/// let empty = m.footprint();
/// m.insert(1, "x".repeat(1000));
/// assert!(m.footprint() >= empty + 1000);
///
/// // std containers count their buffers and what their elements own.
/// let mut names: HashMap<u64, String> = HashMap::new();
/// names.insert(1, "x".repeat(1000));
/// assert!(names.footprint() >= 1000 + names.capacity() * 32);
///
/// let queue: VecDeque<u64> = VecDeque::with_capacity(64);
/// assert_eq!(queue.footprint(), queue.capacity() * 8);
///
/// let tree: BTreeMap<u64, u64> = (0..1000).map(|i| (i, i)).collect();
/// assert!(tree.footprint() > 1000 * 16); // an estimate: see its impl
///
/// // A shared value is not counted: dropping this Arc frees nothing.
/// let shared = std::sync::Arc::new(vec![0u8; 1 << 20]);
/// assert_eq!(shared.clone().footprint(), 0);
/// ```
pub trait Footprint {
    /// Heap bytes owned, not counting `size_of_val(self)`.
    fn footprint(&self) -> usize;
}

macro_rules! no_heap {
    ($($t:ty),* $(,)?) => {
        $(
            /// Zero: owns no heap.
            impl Footprint for $t {
                #[inline]
                fn footprint(&self) -> usize { 0 }
            }
        )*
    };
}

no_heap!(
    (),
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    &str,
    core::time::Duration,
    std::time::Instant,
    std::time::SystemTime,
);

/// Zero: a marker owns nothing.
impl<T: ?Sized> Footprint for PhantomData<T> {
    #[inline]
    fn footprint(&self) -> usize {
        0
    }
}

/// The buffer's capacity, exact.
impl Footprint for String {
    fn footprint(&self) -> usize {
        self.capacity()
    }
}

/// Capacity times the element size, plus what each element owns; exact.
impl<T: Footprint> Footprint for Vec<T> {
    fn footprint(&self) -> usize {
        self.capacity() * size_of::<T>() + sum(self.iter())
    }
}

/// Capacity times the element size, plus what each element owns; exact.
///
/// ```
/// use std::collections::VecDeque;
/// use leakless::Footprint;
///
/// let mut q: VecDeque<String> = VecDeque::with_capacity(4);
/// q.push_back("x".repeat(10));
/// assert_eq!(q.footprint(), q.capacity() * 24 + 10);
/// ```
impl<T: Footprint> Footprint for VecDeque<T> {
    fn footprint(&self) -> usize {
        self.capacity() * size_of::<T>() + sum(self.iter())
    }
}

/// The boxed value's size plus what it owns.
impl<T: Footprint> Footprint for Box<T> {
    fn footprint(&self) -> usize {
        size_of::<T>() + (**self).footprint()
    }
}

/// The string's length (a boxed `str` has no spare capacity).
impl Footprint for Box<str> {
    fn footprint(&self) -> usize {
        self.len()
    }
}

/// Length times the element size, plus what each element owns.
impl<T: Footprint> Footprint for Box<[T]> {
    fn footprint(&self) -> usize {
        self.len() * size_of::<T>() + sum(self.iter())
    }
}

/// What the value owns, if there is one.
impl<T: Footprint> Footprint for Option<T> {
    fn footprint(&self) -> usize {
        self.as_ref().map_or(0, Footprint::footprint)
    }
}

/// Zero when borrowed (the borrow owns nothing); the owned value's
/// footprint when owned.
///
/// ```
/// use std::borrow::Cow;
/// use leakless::Footprint;
///
/// assert_eq!(Cow::Borrowed("static text").footprint(), 0);
/// let owned: Cow<'_, str> = Cow::Owned(String::with_capacity(32));
/// assert_eq!(owned.footprint(), 32);
/// ```
impl<B> Footprint for Cow<'_, B>
where
    B: ?Sized + ToOwned,
    B::Owned: Footprint,
{
    fn footprint(&self) -> usize {
        match self {
            Cow::Borrowed(_) => 0,
            Cow::Owned(owned) => owned.footprint(),
        }
    }
}

/// Zero: an `Arc` shares its allocation, and dropping one owner frees
/// nothing. See the trait docs.
impl<T: ?Sized> Footprint for std::sync::Arc<T> {
    fn footprint(&self) -> usize {
        0
    }
}

/// Zero: an `Rc` shares its allocation, and dropping one owner frees
/// nothing. See the trait docs.
impl<T: ?Sized> Footprint for std::rc::Rc<T> {
    fn footprint(&self) -> usize {
        0
    }
}

/// What the elements own (the array itself is inline).
impl<T: Footprint, const N: usize> Footprint for [T; N] {
    fn footprint(&self) -> usize {
        sum(self.iter())
    }
}

macro_rules! tuples {
    ($(($($n:tt $t:ident),+)),* $(,)?) => {
        $(
            /// What the fields own.
            impl<$($t: Footprint),+> Footprint for ($($t,)+) {
                fn footprint(&self) -> usize { 0 $(+ self.$n.footprint())+ }
            }
        )*
    };
}

tuples!((0 A), (0 A, 1 B), (0 A, 1 B, 2 C), (0 A, 1 B, 2 C, 3 D));

fn sum<'a, T: Footprint + 'a>(items: impl Iterator<Item = &'a T>) -> usize {
    items.map(Footprint::footprint).sum()
}

// ---- hash tables -------------------------------------------------------

/// Bytes of a SwissTable group, the unit hashbrown (and so std) scans and
/// pads its control bytes with. Mirrors hashbrown's `Group::WIDTH`: SSE2 on
/// x86, NEON on little-endian aarch64, else a `u64` on 64-bit targets and
/// wasm32, a `u32` elsewhere.
const GROUP_WIDTH: usize = if cfg!(all(
    target_feature = "sse2",
    any(target_arch = "x86", target_arch = "x86_64")
)) {
    16
} else if cfg!(any(
    all(
        target_arch = "aarch64",
        target_feature = "neon",
        target_endian = "little"
    ),
    target_pointer_width = "64",
    target_arch = "wasm32"
)) {
    8
} else {
    4
};

/// Bytes of the one allocation behind a std `HashMap`/`HashSet` whose
/// entries are `T`, from its `capacity()`. This is hashbrown's arithmetic
/// (std's `HashMap` is hashbrown's), read from hashbrown 0.16/0.17's
/// `bucket_mask_to_capacity` and `TableLayout::calculate_layout_for`:
///
/// - capacity 0: the empty singleton, nothing allocated;
/// - buckets: a power of two, at least 4; with fewer than 8 buckets one is
///   kept free (capacity = buckets - 1), from 16 on one in eight is
///   (capacity = buckets / 8 * 7); so capacity 3 -> 4 buckets, 7 -> 8,
///   14 -> 16, 1,835,008 -> 2^21;
/// - bytes: `buckets * size_of::<T>()` rounded up to the control bytes'
///   alignment `max(align_of::<T>(), GROUP_WIDTH)`, then one control byte
///   per bucket plus `GROUP_WIDTH` trailing ones.
///
/// `capacity()` is `len + growth_left`, and a removal that leaves a
/// tombstone does not give its slot back to `growth_left`, so the capacity
/// of a map with removals can sit below its table's nominal capacity. The
/// bucket count is therefore rounded *up* to the smallest table that could
/// report this capacity, which is exact unless tombstones hide more than
/// half of the table (a map filled to its load limit, then mostly emptied);
/// then it reads low, by at most half of the table.
pub(crate) fn std_hash_table_bytes<T>(capacity: usize) -> usize {
    if capacity == 0 {
        return 0;
    }
    let buckets = if capacity <= 3 {
        4
    } else if capacity <= 7 {
        8
    } else {
        (capacity.div_ceil(7) * 8).next_power_of_two().max(16)
    };
    let ctrl_align = core::mem::align_of::<T>().max(GROUP_WIDTH);
    let data = (buckets * size_of::<T>()).next_multiple_of(ctrl_align);
    data + buckets + GROUP_WIDTH
}

/// The table (from `capacity()` and hashbrown's layout rules, so a map
/// hollowed out by removals reports the table it still holds) plus what
/// every key and value owns; the hasher is not counted.
///
/// Exact, with one rare exception: removals can leave tombstones that
/// lower `capacity()` below the table's nominal capacity. The table is
/// found by rounding up, which is exact unless tombstones hide more than
/// half of it (a map filled right up to its load limit, then mostly
/// emptied without an insert since); then this reads low by up to half
/// of the table.
///
/// ```
/// use std::collections::HashMap;
/// use leakless::Footprint;
///
/// let mut m: HashMap<u64, u64> = (0..1000).map(|i| (i, i)).collect();
/// let full = m.footprint();
/// m.retain(|k, _| *k < 10); // a std map keeps its table after removals
/// assert_eq!(m.footprint(), full);
/// m.shrink_to_fit();
/// assert!(m.footprint() < full / 10);
/// ```
impl<K: Footprint, V: Footprint, S> Footprint for HashMap<K, V, S> {
    fn footprint(&self) -> usize {
        std_hash_table_bytes::<(K, V)>(self.capacity())
            + self
                .iter()
                .map(|(k, v)| k.footprint() + v.footprint())
                .sum::<usize>()
    }
}

/// The table plus what every element owns, as for std's `HashMap`.
///
/// ```
/// use std::collections::HashSet;
/// use leakless::Footprint;
///
/// let empty: HashSet<u64> = HashSet::new();
/// assert_eq!(empty.footprint(), 0); // no table allocated yet
/// let words: HashSet<String> = ["a", "bb"].iter().map(|w| w.to_string()).collect();
/// assert!(words.footprint() >= 3 + words.capacity() * 24);
/// ```
impl<T: Footprint, S> Footprint for HashSet<T, S> {
    fn footprint(&self) -> usize {
        std_hash_table_bytes::<T>(self.capacity()) + sum(self.iter())
    }
}

/// The table, exact (hashbrown's own `allocation_size()`), plus what every
/// key and value owns.
///
/// ```
/// use leakless::Footprint;
///
/// let mut m: hashbrown::HashMap<u64, String> = hashbrown::HashMap::new();
/// m.insert(1, "x".repeat(100));
/// assert_eq!(m.footprint(), m.allocation_size() + 100);
/// ```
impl<K, V, S> Footprint for hashbrown::HashMap<K, V, S>
where
    K: Footprint + Eq + Hash,
    V: Footprint,
    S: BuildHasher,
{
    fn footprint(&self) -> usize {
        self.allocation_size()
            + self
                .iter()
                .map(|(k, v)| k.footprint() + v.footprint())
                .sum::<usize>()
    }
}

/// The table, exact (hashbrown's own `allocation_size()`), plus what every
/// element owns.
///
/// ```
/// use leakless::Footprint;
///
/// let s: hashbrown::HashSet<u32> = (0..100).collect();
/// assert_eq!(s.footprint(), s.allocation_size());
/// ```
impl<T, S> Footprint for hashbrown::HashSet<T, S>
where
    T: Footprint + Eq + Hash,
    S: BuildHasher,
{
    fn footprint(&self) -> usize {
        self.allocation_size() + sum(self.iter())
    }
}

/// The table, exact (hashbrown's own `allocation_size()`), plus what every
/// element owns.
///
/// ```
/// use leakless::Footprint;
///
/// let t: hashbrown::HashTable<u64> = hashbrown::HashTable::with_capacity(10);
/// assert_eq!(t.footprint(), t.allocation_size());
/// ```
impl<T: Footprint> Footprint for hashbrown::HashTable<T> {
    fn footprint(&self) -> usize {
        self.allocation_size() + sum(self.iter())
    }
}

// ---- B-trees -----------------------------------------------------------

/// Slots per B-tree node in std (`2 * B - 1` with `B = 6`).
const BTREE_CAPACITY: usize = 11;

/// Children per node the estimate assumes: 8, i.e. nodes 7/11 full, what
/// inserting in random order averages.
const BTREE_ASSUMED_FANOUT: usize = 8;

/// std's `LeafNode<K, V>`, field for field, so `size_of` lays it out the
/// same way (never built; only its size is used).
#[allow(dead_code)]
struct LeafModel<K, V> {
    parent: Option<NonNull<()>>,
    parent_idx: MaybeUninit<u16>,
    len: u16,
    keys: [MaybeUninit<K>; BTREE_CAPACITY],
    vals: [MaybeUninit<V>; BTREE_CAPACITY],
}

/// std's `InternalNode<K, V>`: a leaf followed by `2 * B` edges.
#[allow(dead_code)]
#[repr(C)]
struct InternalModel<K, V> {
    data: LeafModel<K, V>,
    edges: [MaybeUninit<NonNull<()>>; BTREE_CAPACITY + 1],
}

/// Estimated bytes of the nodes of a std B-tree holding `len` entries.
pub(crate) fn btree_node_bytes<K, V>(len: usize) -> usize {
    let leaf = size_of::<LeafModel<K, V>>();
    let internal = size_of::<InternalModel<K, V>>();
    if len == 0 {
        return 0;
    }
    if len <= BTREE_CAPACITY {
        return leaf; // the root, a single leaf
    }
    let mut level = len.div_ceil(BTREE_ASSUMED_FANOUT);
    let mut bytes = level * leaf;
    while level > 1 {
        level = level.div_ceil(BTREE_ASSUMED_FANOUT);
        bytes += level * internal;
    }
    bytes
}

/// An **estimate** of the nodes, plus what every key and value owns
/// (counted exactly).
///
/// std does not expose a B-tree's node count, and how full its nodes are
/// depends on the order entries went in. Node sizes follow std's own layout
/// (11 slots per node; internal nodes add 12 edges); with at most 11
/// entries the single leaf is exact, beyond that the estimate assumes nodes
/// 7/11 full, the average after inserting in random order. Measured against
/// a counting allocator, for maps built by `insert`: random order within
/// ±10%, ascending or descending order about 15% low (those nodes are 6/11
/// full), so within 20% whatever the order. A map built in one go by
/// `collect`/`from_iter`/`From` packs its nodes full and reads about 50%
/// high. An emptied map (`len` 0) reads 0, though it may still hold one
/// empty leaf.
///
/// ```
/// use std::collections::BTreeMap;
/// use leakless::Footprint;
///
/// let mut m = BTreeMap::new();
/// for k in 0..10u64 {
///     m.insert(k, k);
/// }
/// assert!(m.footprint() >= 10 * 16); // one leaf: exact
/// ```
impl<K: Footprint, V: Footprint> Footprint for BTreeMap<K, V> {
    fn footprint(&self) -> usize {
        btree_node_bytes::<K, V>(self.len())
            + self
                .iter()
                .map(|(k, v)| k.footprint() + v.footprint())
                .sum::<usize>()
    }
}

/// An estimate of the nodes plus what every element owns, as for
/// `BTreeMap` (a set is a map with zero-sized values).
///
/// ```
/// use std::collections::BTreeSet;
/// use leakless::Footprint;
///
/// let mut s = BTreeSet::new();
/// for word in ["pear", "apple", "fig"] {
///     s.insert(word.to_string());
/// }
/// assert!(s.footprint() >= 4 + 5 + 3 + 3 * 24); // one leaf, plus the strings
/// ```
impl<T: Footprint> Footprint for BTreeSet<T> {
    fn footprint(&self) -> usize {
        btree_node_bytes::<T, ()>(self.len()) + sum(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_containers_add_up() {
        let v: Vec<String> = vec![String::with_capacity(10), String::with_capacity(20)];
        assert_eq!(v.footprint(), v.capacity() * size_of::<String>() + 30);
        let b: Box<u64> = Box::new(1);
        assert_eq!(b.footprint(), 8);
        assert_eq!(Some(String::with_capacity(7)).footprint(), 7);
        assert_eq!((1u8, String::with_capacity(3)).footprint(), 3);
        let c: Cow<'_, str> = Cow::Borrowed("borrowed");
        assert_eq!(c.footprint(), 0);
        let c: Cow<'_, str> = Cow::Owned(String::with_capacity(9));
        assert_eq!(c.footprint(), 9);
        assert_eq!(PhantomData::<String>.footprint(), 0);
    }

    /// The std arithmetic agrees with hashbrown's own `allocation_size()`
    /// for every table size up to 2^16 buckets, for entries of several
    /// sizes and alignments.
    #[test]
    fn std_table_arithmetic_matches_hashbrown() {
        fn check<T: Eq + core::hash::Hash>(make: impl Fn(usize) -> T) {
            for n in (0..3000).chain([10_000, 50_000]) {
                let mut t: hashbrown::HashSet<T> = hashbrown::HashSet::with_capacity(n);
                assert_eq!(
                    std_hash_table_bytes::<T>(t.capacity()),
                    t.allocation_size(),
                    "with_capacity({n}) of {}",
                    core::any::type_name::<T>()
                );
                for i in 0..n.min(200) {
                    t.insert(make(i));
                }
                assert_eq!(std_hash_table_bytes::<T>(t.capacity()), t.allocation_size());
            }
        }
        check(|i| i as u8);
        check(|i| i as u16);
        check(|i| i as u32);
        check(|i| i as u64);
        check(|i| (i as u64, [0u8; 3]));
        check(|i| i as u128);
        check(|i| [i as u64; 5]);
    }

    /// Removals that leave tombstones lower `capacity()`; rounding up finds
    /// the table, or (tombstones hiding more than half of it, which depends
    /// on where the seeded hasher put the keys) reads low by at most half,
    /// as the impl's docs say. A few removals stay exact whatever the seed.
    #[test]
    fn std_table_arithmetic_survives_removals() {
        let mut m: hashbrown::HashMap<u64, u64> = (0..100_000).map(|i| (i, i)).collect();
        let bytes = m.allocation_size();
        for k in 0..1_000 {
            m.remove(&k);
        }
        assert_eq!(std_hash_table_bytes::<(u64, u64)>(m.capacity()), bytes);
        for k in 1_000..99_990 {
            m.remove(&k);
        }
        assert_eq!(
            m.allocation_size(),
            bytes,
            "removals never shrink the table"
        );
        let estimate = std_hash_table_bytes::<(u64, u64)>(m.capacity());
        assert!(
            estimate <= bytes && 2 * estimate >= bytes,
            "{estimate} B estimated for a {bytes} B table"
        );
    }

    #[cfg(target_pointer_width = "64")]
    #[test]
    fn btree_node_models_have_std_sizes() {
        // Measured with a counting allocator on std 1.95: a leaf of
        // `(u64, u64)` is 192 bytes, an internal node 288.
        assert_eq!(size_of::<LeafModel<u64, u64>>(), 192);
        assert_eq!(size_of::<InternalModel<u64, u64>>(), 288);
        assert_eq!(btree_node_bytes::<u64, u64>(0), 0);
        assert_eq!(btree_node_bytes::<u64, u64>(11), 192);
        assert_eq!(btree_node_bytes::<u64, u64>(12), 2 * 192 + 288);
    }
}
