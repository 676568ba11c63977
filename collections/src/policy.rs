//! Eviction policies: which entry a full map lets go of.
//!
//! [`Policy::Lru`] is the recency list every map threads through its slab.
//! [`Policy::TinyLfu`] keeps the same single list but reads it as two
//! queues, split by one index:
//!
//! ```text
//! head [ probation: newest … oldest ][ main: newest … oldest ] tail
//!                                     ^ split
//! ```
//!
//! A new entry enters probation (a FIFO of 1% of the bound). A hit sets a
//! two-bit counter in a per-entry byte and, until that counter saturates,
//! bumps a frequency sketch: no list surgery, so `get(&self)` stays a read
//! plus a few relaxed stores.
//! When the map is full:
//!
//! - the oldest probationary entry that was hit moves to main by moving
//!   the split (no relinking);
//! - one that was not duels main's victim: it is admitted only if the
//!   sketch has seen its key more often (TinyLFU admission; a key seen
//!   once loses at once, known from a bit set in its byte when it came in,
//!   without reading its key or the sketch again), so one-off keys (scans)
//!   and a loop larger than the map cannot flush what is hot;
//! - main is a CLOCK: its oldest entry with a nonzero counter is moved to
//!   main's newest end with the counter decremented, the first with zero is
//!   the victim. Each step spends one earlier hit, so eviction is amortized
//!   *O*(1).
//!
//! The sketch is a count-min sketch of 4-bit counters, four per key in one
//! 64-byte block (one cache miss), halved every ten times its width of
//! increments so that old popularity fades. It is sized by `len`, not by
//! the bound, and grows and shrinks with the map; when it grows it counts
//! the resident keys again, so a hot set found while the map filled keeps
//! its standing.
//!
//! This is W-TinyLFU (Einziger, Friedman and Manes) with S3-FIFO's cheap
//! queues (Yang et al.) in place of LRU segments. A trace simulator and the
//! hit-ratio benchmark (`benches/hit_ratio.rs`) chose the parameters:
//! probation of 1% (larger helps a shifting working set and hurts a loop),
//! counters of two bits, a full-width sketch (a quarter-width one cost up
//! to 1.4 points); the README lists what else was tried.

use crate::compact::scatter;
use crate::list::{Links, List, NIL};
use crate::relaxed::{RelaxedU64, RelaxedU8};

/// How a full [`BoundedMap`](crate::BoundedMap) or
/// [`sync::BoundedMap`](crate::sync::BoundedMap) chooses what to evict.
///
/// Set it with the builder's `policy` method; the default is `Lru`.
///
/// | trace (capacity 100k, 2M requests) | `Lru` | `TinyLfu` |
/// |---|---:|---:|
/// | Zipf 0.7 / 0.9 / 0.99 / 1.2 | 34.9 / 62.7 / 75.5 / 93.5 | 40.8 / 66.0 / 77.0 / 93.5 |
/// | Zipf 0.99 with one-off scans | 46.8 | 49.4 |
/// | a loop 10% larger than the map | 0.0 | 85.1 |
/// | a working set that moves every 500k requests | 72.0 | 65.5 |
///
/// (Hit ratios in %, from `cargo bench --bench hit_ratio`; the README has
/// the peers' figures.)
///
/// **Why `Lru` is the default.** It is what the map's documented order
/// means (iteration goes most recent first, `pop_lru` takes the least
/// recent), it is never far from optimal when the working set moves (the
/// last row), and it is exactly predictable, which tests and small maps
/// rely on. `TinyLfu` is the better choice for a cache in front of a skewed
/// or scanned key space: it wins every other row, by up to 85 points.
///
/// # Examples
///
/// ```
/// use leakless::{BoundedMap, Policy};
///
/// let mut cache = BoundedMap::builder()
///     .capacity(1_000)
///     .policy(Policy::TinyLfu)
///     .build();
/// for round in 0..3 {
///     for k in 0..1_100u64 {
///         // A loop over more keys than fit: LRU would miss every time.
///         if cache.get(&k).is_none() {
///             cache.insert(k, round);
///         }
///     }
/// }
/// assert_eq!(cache.len(), 1_000);
/// assert!(cache.stats().hits > 1_500);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Policy {
    /// Least recently used: every use moves the entry to the front, the
    /// back is evicted. Order is exact recency.
    #[default]
    Lru,
    /// Scan-resistant: a small probationary FIFO, a CLOCK main queue, and
    /// a frequency sketch that decides whether a new entry may displace an
    /// old one (W-TinyLFU with S3-FIFO's queues). A use sets a counter and
    /// moves nothing. Iteration goes newest probationary entry first, then
    /// main from most recently admitted or re-referenced to next to go.
    ///
    /// A map with a TTI keeps `Lru` order whatever the policy: its idle
    /// queue is the recency list.
    TinyLfu,
}

/// Per-entry byte: in main (else probation), a counter of recent hits, and
/// (on probation) whether the key was seen before it came in.
const MAIN: u8 = 0b100;
const FREQ: u8 = 0b011;
/// On probation: the sketch had seen the key before it came in (it counted
/// 2 or more once this sighting was added). Without it, an entry not used
/// on probation is rejected without reading its key or the sketch again.
const SEEN: u8 = 0b1000;

/// Sketch words per 64-byte block.
const BLOCK: usize = 8;
/// The sketch never gets narrower than this many words.
const MIN_WORDS: usize = BLOCK * 2;

/// A count-min sketch of 4-bit counters: how often each key has been seen
/// lately, approximately (never under, sometimes over).
#[derive(Clone, Debug, Default)]
pub(crate) struct FrequencySketch {
    words: Vec<RelaxedU64>,
    /// Increments since the last halving.
    additions: RelaxedU64,
}

impl FrequencySketch {
    /// Words in use (a power of two, or 0 before the first entry).
    fn width(&self) -> usize {
        self.words.len()
    }

    /// Sizes the sketch for `entries` keys (one word per key, rounded up to
    /// a power of two), forgetting what it counted, if it is not that size.
    /// *O*(new width).
    pub(crate) fn fit(&mut self, entries: usize) {
        let width = entries.next_power_of_two().max(MIN_WORDS);
        if width != self.width() {
            let mut words = Vec::with_capacity(width);
            words.resize_with(width, RelaxedU64::default);
            self.words = words;
            self.additions.set(0);
        }
    }

    #[inline]
    pub(crate) fn heap_bytes(&self) -> usize {
        self.words.capacity() * core::mem::size_of::<RelaxedU64>()
    }

    /// The block of a key's counters, and their four (word in the block,
    /// shift) places: four different words. The sketch must have words.
    #[inline]
    fn places(&self, hash: u64) -> (&[RelaxedU64; BLOCK], [(usize, u32); 4]) {
        // The table already used the hash's low and top bits; spread it so
        // the block and counters come from all of it.
        let h = (hash ^ (hash >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        let h = h ^ (h >> 32);
        let blocks = self.width() / BLOCK;
        let base = (h as usize & (blocks - 1)) * BLOCK;
        let mut out = [(0, 0); 4];
        for (i, place) in out.iter_mut().enumerate() {
            let bits = (h >> (32 + 8 * i)) as u32;
            *place = (2 * i + (bits & 1) as usize, ((bits >> 1) & 15) * 4);
        }
        // One bounds check for the block; the words within it need none.
        let block = self.words[base..base + BLOCK]
            .try_into()
            .expect("the width is a multiple of the block");
        (block, out)
    }

    /// The key's estimated count, 0..=15.
    #[inline]
    pub(crate) fn frequency(&self, hash: u64) -> u8 {
        if self.words.is_empty() {
            return 0;
        }
        let (block, places) = self.places(hash);
        places
            .iter()
            .map(|&(w, s)| ((block[w].get() >> s) & 15) as u8)
            .min()
            .unwrap_or(0)
    }

    /// Counts one sighting of the key and returns its estimated count
    /// afterwards (0 while the sketch is empty). Lossy when several readers
    /// race (a relaxed load and store): a sketch is an estimate anyway.
    #[inline]
    pub(crate) fn increment(&self, hash: u64) -> u8 {
        if self.words.is_empty() {
            return 0;
        }
        let mut added = false;
        let mut least = 15;
        let (block, places) = self.places(hash);
        for (w, s) in places {
            let word = &block[w];
            let v = word.get();
            let c = (v >> s) & 15;
            if c < 15 {
                word.set(v + (1 << s));
                added = true;
            }
            least = least.min(c);
        }
        let mut count = (least + 1).min(15) as u8;
        if added {
            let n = self.additions.get() + 1;
            self.additions.set(n);
            if n >= 10 * self.width() as u64 {
                self.halve();
                count /= 2;
            }
        }
        count
    }

    /// Ages every count by half, so popularity that has passed fades.
    fn halve(&self) {
        for word in &self.words {
            word.set((word.get() >> 1) & 0x7777_7777_7777_7777);
        }
        self.additions.set(self.additions.get() / 2);
    }
}

/// What the queues need to know of the map's bound and contents.
pub(crate) struct Bounds {
    /// The count bound (clamped to addressable slots).
    pub(crate) slots: usize,
    /// Entries stored.
    pub(crate) len: usize,
    /// Whether weights count.
    pub(crate) weighted: bool,
    pub(crate) max_weight: u64,
    pub(crate) total_weight: u64,
}

impl Bounds {
    /// Probation's share of the count bound: 1%, at least one entry.
    #[inline]
    fn probation_slots(&self) -> usize {
        (self.slots / 100).max(1)
    }

    /// Probation's share of the weight bound: 1%, at least 1.
    #[inline]
    fn probation_weight(&self) -> u64 {
        (self.max_weight / 100).max(1)
    }
}

/// The queues and counters of [`Policy::TinyLfu`], kept beside the slab.
#[derive(Clone, Debug, Default)]
pub(crate) struct TinyLfu {
    /// Per slot: `MAIN`, the hit counter and `SEEN`.
    meta: Vec<RelaxedU8>,
    /// The first (newest) main entry; `NIL` when main is empty.
    split: u32,
    probation_len: usize,
    probation_weight: u64,
    sketch: FrequencySketch,
}

/// What [`TinyLfu::victim`] decided.
pub(crate) struct Victim {
    pub(crate) slot: u32,
    /// The victim's key hash, when the duel computed it.
    pub(crate) hash: Option<u64>,
}

impl TinyLfu {
    pub(crate) fn new() -> Self {
        TinyLfu {
            split: NIL,
            ..TinyLfu::default()
        }
    }

    #[inline]
    fn in_main(&self, i: u32) -> bool {
        self.meta[i as usize].get() & MAIN != 0
    }

    #[inline]
    fn freq(&self, i: u32) -> u8 {
        self.meta[i as usize].get() & FREQ
    }

    #[inline]
    pub(crate) fn heap_bytes(&self) -> usize {
        self.meta.capacity() + self.sketch.heap_bytes()
    }

    /// Entries it keeps bits for (the slab's length).
    #[cfg(debug_assertions)]
    pub(crate) fn len(&self) -> usize {
        self.meta.len()
    }

    /// A use of slot `i`, whose key hashes to `hash`: count it, move
    /// nothing. Safe from several readers at once (relaxed cells). A hot
    /// entry's counter is saturated, and then this is a load and a test
    /// inline; counting is out of line (cachegrind, resident gets: the
    /// call with counting inside cost 25 instructions a hit).
    #[inline(always)]
    pub(crate) fn hit(&self, i: u32, hash: u64) {
        let m = &self.meta[i as usize];
        let v = m.get();
        if v & FREQ < FREQ {
            self.count_hit(m, v, hash);
        }
    }

    #[inline(never)]
    fn count_hit(&self, m: &RelaxedU8, v: u8, hash: u64) {
        m.set(v + 1);
        self.sketch.increment(hash);
    }

    /// A new entry was pushed at the list's head as slot `i` (the slab's
    /// last): it starts on probation.
    pub(crate) fn pushed(&mut self, i: u32, hash: u64, weight: u64) {
        debug_assert_eq!(i as usize, self.meta.len());
        let seen = self.sketch.increment(hash) > 1;
        self.meta.push(RelaxedU8::new(if seen { SEEN } else { 0 }));
        self.probation_len += 1;
        self.probation_weight += weight;
        debug_assert!(self.meta.len() <= self.sketch.width());
    }

    /// Whether the sketch must grow before the map holds `len` entries
    /// (see `regrow`).
    #[inline]
    pub(crate) fn sketch_too_small(&self, len: usize) -> bool {
        len > self.sketch.width()
    }

    /// Grows the sketch for `len` entries and counts what the map holds
    /// now: each resident key once, plus its recent hits. Growing cannot
    /// keep the old counts (a narrow sketch's collisions would carry over
    /// and blur the wider one), and forgetting them outright would let a
    /// scan that fills the map outrank the hot set it found there. The
    /// map grows its sketch `log2(len)` times, so this is amortized *O*(1)
    /// per insert. `hash_of` runs user code: a panic leaves the sketch
    /// partly counted, which only makes it less accurate.
    pub(crate) fn regrow(&mut self, len: usize, hash_of: impl Fn(u32) -> u64) {
        self.sketch.fit(len);
        for i in 0..self.meta.len() as u32 {
            let hash = hash_of(i);
            for _ in 0..=self.freq(i) {
                self.sketch.increment(hash);
            }
        }
    }

    /// Slot `i`, detached for reuse (see `detach`), is at the head now, on probation.
    pub(crate) fn reused(&mut self, i: u32, hash: u64, weight: u64) {
        let seen = self.sketch.increment(hash) > 1;
        self.meta[i as usize].set(if seen { SEEN } else { 0 });
        self.probation_len += 1;
        self.probation_weight += weight;
    }

    /// Slot `i` (weighing `weight`) is leaving the list: keeps `split` and
    /// the probation counts right. Call before unlinking it.
    pub(crate) fn detach(&mut self, slab: &(impl Links + ?Sized), i: u32, weight: u64) {
        if self.in_main(i) {
            if self.split == i {
                // The next entry is main's too, or there is none.
                self.split = slab.link(i).next();
            }
        } else {
            self.probation_len -= 1;
            self.probation_weight -= weight;
        }
    }

    /// Slot `i` (detached and unlinked) left the slab by a swap-remove: the
    /// last slot, if it was another, now lives at `i`.
    #[inline]
    pub(crate) fn swap_removed(&mut self, i: u32) {
        let last = (self.meta.len() - 1) as u32;
        if self.split == last && i != last {
            self.split = i;
        }
        self.meta.swap_remove(i as usize);
    }

    /// An entry's weight changed while it stays where it is.
    pub(crate) fn reweigh(&mut self, i: u32, old: u64, new: u64) {
        if !self.in_main(i) {
            self.probation_weight = self.probation_weight - old + new;
        }
    }

    /// Forgets every entry (the map was emptied); the sketch's memory goes
    /// too.
    pub(crate) fn clear(&mut self) {
        *self = TinyLfu::new();
    }

    /// Gives memory back when the map shrank to `room` slots.
    pub(crate) fn shrink_to(&mut self, room: usize) {
        self.meta.shrink_to(room);
        if self.sketch.width() > 2 * room.next_power_of_two().max(MIN_WORDS) {
            self.sketch.fit(room);
        }
    }

    pub(crate) fn reserve_exact(&mut self, additional: usize) {
        self.meta.reserve_exact(additional);
    }

    /// The slab was laid out in list order: slot `i` moved to `rank[i]`.
    pub(crate) fn permute(&mut self, rank: &[u32]) {
        self.meta = scatter(self.meta.iter().map(RelaxedU8::get), rank, RelaxedU8::new);
        if self.split != NIL {
            self.split = rank[self.split as usize];
        }
    }

    /// The slab, in list order, kept the slots `keep` says (after
    /// `permute`); `weight_of` gives a kept slot's weight by its new index.
    pub(crate) fn retain(
        &mut self,
        keep: impl Iterator<Item = bool>,
        weight_of: impl Fn(usize) -> u64,
    ) {
        let mut keep = keep;
        self.meta.retain(|_| keep.next().unwrap_or(true));
        // Main follows probation in list order: the first main slot is the
        // split.
        self.split = self
            .meta
            .iter()
            .position(|m| m.get() & MAIN != 0)
            .map_or(NIL, |p| p as u32);
        let probation = match self.split {
            NIL => self.meta.len(),
            s => s as usize,
        };
        self.probation_len = probation;
        self.probation_weight = (0..probation).map(weight_of).sum();
    }

    /// Chooses the entry to evict from a full map, promoting and rotating
    /// entries on the way (see the module docs), never slot `keep` (an
    /// entry being rewritten; `NIL` for none). `None` when the list is
    /// empty or holds only `keep`. `weight_of` and `hash_of` read
    /// a slot's weight and key hash (`hash_of` runs user code: it is called
    /// only while the queues are consistent).
    pub(crate) fn victim(
        &mut self,
        list: &List,
        slab: &(impl Links + ?Sized),
        bounds: &Bounds,
        keep: u32,
        weight_of: impl Fn(u32) -> u64,
        hash_of: impl Fn(u32) -> u64,
    ) -> Option<Victim> {
        loop {
            let oldest_probation = if self.split == NIL {
                list.tail()
            } else {
                slab.link(self.split).prev()
            };
            let probation_full = self.probation_len >= bounds.probation_slots()
                || (bounds.weighted && self.probation_weight >= bounds.probation_weight());
            if oldest_probation == NIL || !(probation_full || self.split == NIL) {
                if let Some(slot) = self.main_victim(list, slab, keep) {
                    return Some(Victim { slot, hash: None });
                }
                // Main holds only `keep`: probation is not over
                // its share, but it is what is left to give up.
                if oldest_probation == NIL {
                    return None;
                }
            }
            let c = oldest_probation;
            let main_len = bounds.len - self.probation_len;
            // An unweighted map keeps no total weight (probation counts 1
            // per entry there): only a weighted one compares weights.
            let main_has_room = main_len + bounds.probation_slots() < bounds.slots
                && (!bounds.weighted
                    || (bounds.total_weight - self.probation_weight)
                        .saturating_add(bounds.probation_weight())
                        < bounds.max_weight);
            if self.freq(c) > 0 || main_has_room || c == keep {
                self.promote(c, weight_of(c));
                continue;
            }
            if self.meta[c as usize].get() & SEEN == 0 {
                // New to the sketch when it came in and not used since: it
                // cannot outrank a resident (see below), and neither its key
                // nor the sketch needs reading to say so.
                return Some(Victim {
                    slot: c,
                    hash: None,
                });
            }
            let hc = hash_of(c);
            let fc = self.sketch.frequency(hc);
            // A key seen once cannot outrank a resident one (every resident
            // key was counted when it came in, and again when the sketch
            // last grew): reject it without turning the CLOCK or hashing a
            // victim. This is the common case under churn.
            if fc <= 1 {
                return Some(Victim {
                    slot: c,
                    hash: Some(hc),
                });
            }
            let Some(v) = self.main_victim(list, slab, keep) else {
                return Some(Victim {
                    slot: c,
                    hash: Some(hc),
                });
            };
            let hv = hash_of(v);
            return Some(if fc > self.sketch.frequency(hv) {
                self.promote(c, weight_of(c));
                Victim {
                    slot: v,
                    hash: Some(hv),
                }
            } else {
                Victim {
                    slot: c,
                    hash: Some(hc),
                }
            });
        }
    }

    /// Checks the queues against the list (debug builds, small maps: the
    /// model tests run it after every call).
    #[cfg(debug_assertions)]
    pub(crate) fn check(
        &self,
        list: &List,
        slab: &(impl Links + ?Sized),
        weight_of: impl Fn(u32) -> u64,
    ) {
        let (mut probation, mut weight, mut seen_main, mut first_main) = (0, 0, false, NIL);
        let mut cur = list.head();
        while cur != NIL {
            if self.in_main(cur) {
                if !seen_main {
                    first_main = cur;
                }
                seen_main = true;
            } else {
                assert!(!seen_main, "a probationary entry behind main's");
                probation += 1;
                weight += weight_of(cur);
            }
            cur = slab.link(cur).next();
        }
        assert_eq!(self.split, first_main, "split");
        assert_eq!(self.probation_len, probation, "probation length");
        assert_eq!(self.probation_weight, weight, "probation weight");
    }

    /// Probation's oldest entry `c` joins main as its newest: the split
    /// moves onto it, nothing is relinked.
    fn promote(&mut self, c: u32, weight: u64) {
        self.meta[c as usize].set(MAIN);
        self.split = c;
        self.probation_len -= 1;
        self.probation_weight -= weight;
    }

    /// Main's CLOCK: the oldest entry whose counter is zero (never `keep`),
    /// after moving each one passed over to main's newest end with its
    /// counter decremented.
    fn main_victim(&mut self, list: &List, slab: &(impl Links + ?Sized), keep: u32) -> Option<u32> {
        if self.split == NIL {
            return None;
        }
        loop {
            let t = list.tail();
            let m = &self.meta[t as usize];
            let f = m.get() & FREQ;
            if f == 0 && t != keep {
                return Some(t);
            }
            if t == self.split {
                // Main has this one entry: nothing to rotate past.
                if t == keep {
                    return None;
                }
                m.set(MAIN | (f - 1));
                continue;
            }
            m.set(MAIN | f.saturating_sub(1));
            list.unlink(slab, t);
            list.insert_before(slab, self.split, t);
            self.split = t;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FrequencySketch;

    /// splitmix64, for well-spread test hashes.
    fn hash(k: u64) -> u64 {
        let mut z = k.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    #[test]
    fn the_sketch_never_counts_a_key_below_its_true_count() {
        let mut sketch = FrequencySketch::default();
        sketch.fit(1024);
        // 1000 keys seen k % 12 times each: fewer increments than a
        // halving needs, so every estimate is at least the truth.
        for k in 0..1000u64 {
            for _ in 0..k % 12 {
                sketch.increment(hash(k));
            }
        }
        let mut exact = 0;
        for k in 0..1000u64 {
            let f = u64::from(sketch.frequency(hash(k)));
            assert!(f >= k % 12, "key {k}: estimate {f} below {}", k % 12);
            exact += usize::from(f == k % 12);
        }
        // And mostly exact at one word per key.
        assert!(exact > 900, "only {exact} of 1000 estimates exact");
    }

    #[test]
    fn counts_saturate_at_fifteen_and_halve_with_age() {
        let mut sketch = FrequencySketch::default();
        sketch.fit(64);
        for n in 1..=40u8 {
            // Each increment reports the estimate it leaves.
            assert_eq!(sketch.increment(hash(7)), n.min(15));
        }
        assert_eq!(sketch.frequency(hash(7)), 15);
        sketch.halve();
        assert_eq!(sketch.frequency(hash(7)), 7);
        // Enough increments elsewhere trigger the periodic halving: key 7's
        // counters (7, plus what colliding keys added) are halved again.
        for k in 0..10 * 64 {
            sketch.increment(hash(1_000 + k));
        }
        assert!(sketch.frequency(hash(7)) < 7);
    }

    #[test]
    fn a_probationer_new_to_the_sketch_is_rejected_without_hashing_its_key() {
        use super::{Bounds, TinyLfu};
        use crate::list::{Link, Links, List, NIL};
        struct Slab(Vec<Link>);
        impl Links for Slab {
            fn link(&self, i: u32) -> &Link {
                &self.0[i as usize]
            }
        }
        let bounds = Bounds {
            slots: 2,
            len: 2,
            weighted: false,
            max_weight: u64::MAX,
            total_weight: 2,
        };
        // Two entries in a map of two: slot 0 goes to main while it has
        // room, and slot 1, unused on probation, is judged.
        let judged = |seen_before: bool, hash_of: &dyn Fn(u32) -> u64| {
            let slab = Slab((0..2).map(|_| Link::detached()).collect());
            let list = List::default();
            let mut lfu = TinyLfu::new();
            lfu.sketch.fit(2);
            if seen_before {
                lfu.sketch.increment(hash(1));
            }
            for i in 0..2 {
                list.push_front(&slab, i);
                lfu.pushed(i, hash(u64::from(i)), 1);
            }
            let v = lfu.victim(&list, &slab, &bounds, NIL, |_| 1, hash_of);
            v.map(|v| (v.slot, v.hash))
        };
        let no_hash = |i: u32| -> u64 { panic!("slot {i} was hashed") };
        assert_eq!(judged(false, &no_hash), Some((1, None)));
        // Seen before: it duels main's victim by frequency, and wins.
        let by_key = |i: u32| hash(u64::from(i));
        assert_eq!(judged(true, &by_key), Some((0, Some(hash(0)))));
    }

    #[test]
    fn fitting_keeps_a_sketch_of_the_same_width_and_resets_another() {
        let mut sketch = FrequencySketch::default();
        assert_eq!(
            sketch.frequency(hash(1)),
            0,
            "an empty sketch counts nothing"
        );
        sketch.increment(hash(1)); // no words yet: ignored, no panic
        sketch.fit(100);
        sketch.increment(hash(1));
        sketch.fit(120); // same power of two
        assert_eq!(sketch.frequency(hash(1)), 1);
        sketch.fit(1000);
        assert_eq!(sketch.frequency(hash(1)), 0);
        assert_eq!(sketch.heap_bytes(), 1024 * 8);
    }
}
