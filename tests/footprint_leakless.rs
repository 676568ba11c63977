//! Every leakless type's `footprint()` is exactly what a counting allocator
//! saw it allocate: empty, small, large, and hollowed out by mass removal
//! (the maps shrink themselves with hysteresis; whatever they still hold is
//! what the footprint must say).
//!
//! Each test reads its own thread's allocation count
//! (`thread_live_bytes`) around the value's construction, so tests running
//! in parallel and the harness's own threads cannot disturb a reading: one
//! run, compared to the byte. What the test itself needs (keys, the `Arc`s
//! a weak map points at, subscription guards) is allocated by a `setup`
//! step before the first reading, so only the value's own allocations fall
//! in the window. One value is read at several stages of its life (empty,
//! small, large, hollowed), each against the same base.
//!
//! Run with `--nocapture` to see each figure.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use leakless::{
    Arena, BoundedMap, Footprint, Listeners, ManualClock, Subscription, WeakKeyMap, WeakValueMap,
};
use leakless_testkit::{thread_live_bytes, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Entries in a "large" value.
const LARGE: u64 = 1_000_000;
/// Entries in a large sync map or listener registry, and in the maps whose
/// entries own heap (slower per entry in a debug build).
const LARGE_SLOW: u64 = 100_000;
/// Entries in a small value, and left in a hollowed-out one.
const SMALL: u64 = 10;

/// The readings of one run: at each stage, what the value's footprint
/// said and what the allocator saw since the base reading.
struct Probe {
    base: usize,
    /// Preallocated, so reading allocates nothing in the window.
    readings: Vec<(&'static str, usize, usize)>,
}

impl Probe {
    /// Reads the allocator, then `value`'s footprint.
    fn read(&mut self, stage: &'static str, value: &impl Footprint) {
        let allocated = thread_live_bytes().wrapping_sub(self.base);
        let footprint = value.footprint();
        assert!(self.readings.len() < self.readings.capacity());
        self.readings.push((stage, footprint, allocated));
    }

    /// `read`, with `uncounted` bytes the footprint documents it leaves out
    /// added back, so the rest is still checked to the byte.
    fn read_plus(&mut self, stage: &'static str, value: &impl Footprint, uncounted: usize) {
        let allocated = thread_live_bytes().wrapping_sub(self.base);
        let footprint = value.footprint() + uncounted;
        assert!(self.readings.len() < self.readings.capacity());
        self.readings.push((stage, footprint, allocated));
    }
}

/// Runs `setup` (outside the measurement), then `build`, which reads the
/// value it builds at each stage with `Probe::read`; every reading's
/// footprint must equal the bytes the allocator saw.
fn measure<S, T>(what: &str, setup: impl Fn() -> S, build: impl Fn(&mut S, &mut Probe) -> T) {
    let mut state = setup();
    let mut probe = Probe {
        base: 0,
        readings: Vec::with_capacity(16),
    };
    probe.base = thread_live_bytes();
    let value = build(&mut state, &mut probe);
    drop(value);
    drop(state);
    assert!(!probe.readings.is_empty(), "{what}: nothing was read");
    let mut ok = true;
    for &(stage, footprint, allocated) in &probe.readings {
        let off = (footprint as f64 / allocated as f64 - 1.0) * 100.0;
        eprintln!("{what} {stage}: footprint {footprint} B, allocator {allocated} B ({off:+.3}%)");
        ok &= footprint == allocated;
    }
    assert!(
        ok,
        "{what}: footprint and allocator disagree: (stage, footprint, allocator) = {:?}",
        probe.readings
    );
}

/// A key scrambler (splitmix64), for insertion in random order.
fn mix(z: u64) -> u64 {
    leakless_testkit::bench::mix(z)
}

/// The owned key and value of entry `k` (values of 0..64 bytes).
fn blob(k: u64) -> (String, Vec<u8>) {
    (format!("key-{k}"), vec![7u8; (k % 64) as usize])
}

/// `n` values kept alive by the test, made outside the measurement: a weak
/// map only points at them, so neither the allocator (in the window) nor
/// the footprint sees them.
fn arcs<T>(n: u64, make: impl Fn(u64) -> T) -> Vec<Arc<T>> {
    (0..n).map(|k| Arc::new(make(k))).collect()
}

// ---- BoundedMap ----------------------------------------------------------

#[test]
fn bounded_map_of_u64() {
    measure(
        "BoundedMap<u64, u64>",
        || (),
        |_, probe| {
            let mut m = BoundedMap::<u64, u64>::new(2 * LARGE as usize);
            probe.read("empty", &m);
            m.extend((0..SMALL).map(|k| (mix(k), k)));
            probe.read("of 10", &m);
            m.extend((SMALL..LARGE).map(|k| (mix(k), k)));
            probe.read("of 1M", &m);
            for k in SMALL..LARGE {
                m.remove(&mix(k));
            }
            assert_eq!(m.len(), SMALL as usize);
            probe.read("hollowed to 10", &m);
            m
        },
    );
}

#[test]
fn bounded_map_under_tinylfu_at_capacity_and_hollowed() {
    // Its per-entry counter byte and frequency sketch are the map's too.
    measure(
        "BoundedMap<u64, u64> TinyLfu",
        || (),
        |_, probe| {
            let mut m = BoundedMap::<u64, u64>::builder()
                .capacity(LARGE as usize / 2)
                .policy(leakless::Policy::TinyLfu)
                .build();
            probe.read("empty", &m);
            m.extend((0..SMALL).map(|k| (mix(k), k)));
            probe.read("of 10", &m);
            m.extend((SMALL..LARGE).map(|k| (mix(k), k)));
            assert_eq!(m.len(), LARGE as usize / 2);
            probe.read("full after 1M inserts", &m);
            let keys: Vec<u64> = m.keys().copied().skip(SMALL as usize).collect();
            for k in &keys {
                m.remove(k);
            }
            drop(keys); // before the reading: nets to zero in the window
            assert_eq!(m.len(), SMALL as usize);
            probe.read("hollowed to 10", &m);
            m
        },
    );
}

/// Fills `m` (a `BoundedMap<String, Vec<u8>>`, however configured) with
/// `SMALL`, then `LARGE_SLOW` entries, then removes all but `SMALL`,
/// reading it at each stage.
macro_rules! fill_and_hollow {
    ($m:ident, $probe:ident) => {
        $probe.read("empty", &$m);
        $m.extend((0..SMALL).map(blob));
        $probe.read("of 10", &$m);
        $m.extend((SMALL..LARGE_SLOW).map(blob));
        assert_eq!($m.len(), LARGE_SLOW as usize);
        $probe.read("of 100k", &$m);
        for k in SMALL..LARGE_SLOW {
            $m.remove(&blob(k).0);
        }
        assert_eq!($m.len(), SMALL as usize);
        $probe.read("hollowed to 10", &$m);
    };
}

#[test]
fn bounded_map_of_owned_keys_and_values() {
    measure(
        "BoundedMap<String, Vec<u8>>",
        || (),
        |_, probe| {
            let mut m = BoundedMap::<String, Vec<u8>>::new(2 * LARGE as usize);
            fill_and_hollow!(m, probe);
            m
        },
    );
}

#[test]
fn bounded_map_bounded_by_weight() {
    // The weigher's `Arc` is the map's alone: counted.
    measure(
        "BoundedMap<String, Vec<u8>> weighted",
        || (),
        |_, probe| {
            let mut m = BoundedMap::<String, Vec<u8>>::builder()
                .max_weight(64 << 20)
                .weigher(|_k, v: &Vec<u8>| v.len() as u64)
                .build();
            fill_and_hollow!(m, probe);
            m
        },
    );
}

#[test]
fn bounded_map_with_a_ttl() {
    // The clock is the test's (it advances it), so it is made outside the
    // measurement; the map holds a clone.
    let ttl = Duration::from_secs(30);
    let new = |clock: &ManualClock| {
        BoundedMap::<String, Vec<u8>>::builder()
            .ttl(ttl)
            .clock(clock.clone())
            .build()
    };
    measure(
        "BoundedMap<String, Vec<u8>> with a TTL",
        ManualClock::new,
        |clock, probe| {
            let mut m = new(clock);
            fill_and_hollow!(m, probe);
            m
        },
    );
    measure(
        "BoundedMap<String, Vec<u8>> with a TTL",
        ManualClock::new,
        |clock, probe| {
            let mut m = new(clock);
            for k in 0..LARGE_SLOW {
                let (key, value) = blob(k);
                m.insert(key, value);
                if k % 1000 == 0 {
                    clock.advance(Duration::from_millis(100));
                }
            }
            probe.read("of 100k written over 10 s", &m);
            clock.advance(ttl);
            m.extend((LARGE_SLOW..LARGE_SLOW + SMALL).map(blob));
            m.purge_expired();
            assert_eq!(m.len(), SMALL as usize);
            probe.read("hollowed to 10 by expiry", &m);
            m
        },
    );
}

// ---- sync::BoundedMap ----------------------------------------------------

#[test]
fn sync_bounded_map() {
    measure(
        "sync::BoundedMap<u64, String>",
        || (),
        |_, probe| {
            let m = leakless::sync::BoundedMap::<u64, String>::new(2 * LARGE_SLOW as usize);
            let fill = |keys: core::ops::Range<u64>| {
                for k in keys {
                    m.insert(mix(k), "v".repeat((k % 40) as usize));
                }
            };
            probe.read("empty", &m);
            fill(0..SMALL);
            probe.read("of 10", &m);
            fill(SMALL..LARGE_SLOW);
            probe.read("of 100k", &m);
            for k in SMALL..LARGE_SLOW {
                m.remove(&mix(k));
            }
            assert_eq!(m.len(), SMALL as usize);
            probe.read("hollowed to 10", &m);
            m
        },
    );
}

// ---- WeakValueMap ----------------------------------------------------------

#[test]
fn weak_value_map_of_live_values() {
    // The values are the test's: the map holds weak pointers to them.
    measure(
        "WeakValueMap<u64, u64> of live values",
        || arcs(LARGE, |k| k),
        |values, probe| {
            let mut m = WeakValueMap::<u64, u64>::new();
            probe.read("empty", &m);
            for v in &values[..SMALL as usize] {
                m.insert(mix(**v), v);
            }
            probe.read("of 10", &m);
            for v in &values[SMALL as usize..] {
                m.insert(mix(**v), v);
            }
            probe.read("of 1M", &m);
            for k in SMALL..LARGE {
                m.remove(&mix(k));
            }
            assert_eq!(m.len(), SMALL as usize);
            probe.read("hollowed to 10 by remove", &m);
            m
        },
    );
}

/// Values that die: made in the window and dropped after insertion, so the
/// allocator still sees the `Arc` block each unpurged dead entry's `Weak`
/// pins (the footprint counts it), and nothing of the purged ones.
fn weak_value_map_with_dead_values<V>(name: &str, live: u64, make: impl Fn(u64) -> V) {
    let churn = 4 * live;
    measure(
        &format!("WeakValueMap<u64, {name}>"),
        || arcs(live, &make),
        |values, probe| {
            let mut m = WeakValueMap::<u64, V>::new();
            let doomed: Vec<Arc<V>> = (0..SMALL).map(|k| Arc::new(make(k))).collect();
            for (k, v) in (0..).zip(&doomed) {
                m.insert(k, v);
            }
            drop(doomed);
            assert_eq!((m.len(), m.live_len()), (SMALL as usize, 0));
            probe.read("10 dead", &m);
            m.clear();
            for (k, v) in (0..).zip(values.iter()) {
                m.insert(k, v);
            }
            for k in live..live + churn {
                m.insert(k, &Arc::new(make(k)));
            }
            assert!(m.len() > m.live_len(), "no dead entry left to measure");
            probe.read("live, and 4x as many died", &m);
            m
        },
    );
}

#[test]
fn weak_value_map_counts_dead_values_pinned_blocks() {
    weak_value_map_with_dead_values("u64", 50_000, |k| k);
    weak_value_map_with_dead_values("String", 50_000, |k| k.to_string());
    // The pinned block is the Arc's counts and `V`, padded to 8 bytes.
    weak_value_map_with_dead_values("u8", 10_000, |k| k as u8);
    weak_value_map_with_dead_values("()", 10_000, |_| ());
    weak_value_map_with_dead_values("[u8; 3]", 10_000, |k| [k as u8; 3]);
}

// ---- WeakKeyMap ------------------------------------------------------------

#[test]
fn weak_key_map_of_live_keys() {
    // The keys are the test's: the map holds weak pointers to them.
    measure(
        "WeakKeyMap<u64, String> of live keys",
        || arcs(LARGE_SLOW, |k| k),
        |keys, probe| {
            let mut m = WeakKeyMap::<u64, String>::new();
            let fill = |m: &mut WeakKeyMap<u64, String>, keys: &[Arc<u64>]| {
                for key in keys {
                    m.insert(key, "v".repeat((**key % 40) as usize));
                }
            };
            probe.read("empty", &m);
            fill(&mut m, &keys[..SMALL as usize]);
            probe.read("of 10", &m);
            fill(&mut m, &keys[SMALL as usize..]);
            probe.read("of 100k", &m);
            for key in &keys[SMALL as usize..] {
                m.remove(key);
            }
            assert_eq!(m.len(), SMALL as usize);
            probe.read("hollowed to 10 by remove", &m);
            fill(&mut m, &keys[SMALL as usize..]);
            probe.read("refilled to 100k", &m);
            m.retain(|key, _| **key < SMALL);
            assert_eq!(m.len(), SMALL as usize);
            probe.read("hollowed to 10 by retain", &m);
            m
        },
    );
}

/// Keys that die: made in the window and dropped after insertion. A dead
/// key's `Arc` block stays pinned by the map's `Weak` until the entry is
/// purged; the allocator sees it, and the footprint must count it.
fn weak_key_map_with_dead_keys<K>(name: &str, make: impl Fn(u64) -> K) {
    let live = LARGE_SLOW;
    measure(
        &format!("WeakKeyMap<{name}, u64>"),
        || arcs(live, &make),
        |keys, probe| {
            let mut m = WeakKeyMap::<K, u64>::new();
            for (k, key) in (0..).zip(keys.iter()) {
                m.insert(key, k);
            }
            for k in live..5 * live {
                m.insert(&Arc::new(make(k)), k);
            }
            assert!(m.len() > m.live_len(), "no dead entry left to measure");
            // Documented: a dead key's pinned block is counted as the Arc's
            // counts only; the key's own bytes cannot be sized in safe code
            // once it is dropped (K may be unsized).
            let uncounted = (m.len() - m.live_len()) * std::mem::size_of::<K>();
            probe.read_plus("100k live, 400k died", &m, uncounted);
            m
        },
    );
}

#[test]
fn weak_key_map_counts_dead_zero_sized_keys_pinned_blocks() {
    // A zero-sized key's block is the Arc's two counts, what the footprint
    // counts for any dead key.
    weak_key_map_with_dead_keys("()", |_| ());
}

#[test]
fn weak_key_map_leaves_out_only_the_dead_keys_own_bytes() {
    weak_key_map_with_dead_keys("u64", |k| k);
}

// ---- Arena -----------------------------------------------------------------

#[leakless::handle]
struct Id;

#[test]
fn arena() {
    // The handles are the test's; an arena keeps its slots after removal
    // (a handle's slot must stay put), and the footprint says so.
    measure(
        "Arena<Id, String>",
        || Vec::with_capacity(LARGE as usize),
        |ids, probe| {
            let mut a = Arena::<Id, String>::new();
            probe.read("empty", &a);
            ids.extend((0..SMALL).map(|k| a.insert(k.to_string())));
            probe.read("of 10", &a);
            ids.extend((SMALL..LARGE).map(|k| a.insert("v".repeat((k % 40) as usize))));
            probe.read("of 1M", &a);
            for &id in &ids[SMALL as usize..] {
                a.remove(id);
            }
            assert_eq!(a.len(), SMALL as usize);
            probe.read("hollowed to 10", &a);
            a
        },
    );
}

// ---- Listeners -------------------------------------------------------------

/// Subscribes `n` callbacks, half capturing nothing and half capturing a
/// number, keeping their guards in `subs` (made outside the measurement).
fn subscribe(l: &Listeners<u64>, subs: &mut Vec<Subscription>, n: u64) {
    static SEEN: AtomicU64 = AtomicU64::new(0);
    for k in 0..n {
        let sub = if k % 2 == 0 {
            l.subscribe(|e: &u64| {
                SEEN.fetch_add(*e, Ordering::Relaxed);
            })
        } else {
            l.subscribe(move |e: &u64| {
                SEEN.fetch_add(*e + k, Ordering::Relaxed);
            })
        };
        subs.push(sub);
    }
}

#[test]
fn listeners() {
    // The guards are the test's; the registry's state, slots, subscribers
    // and boxed closures are the registry's.
    measure(
        "Listeners<u64>",
        || Vec::with_capacity(LARGE_SLOW as usize),
        |subs, probe| {
            let l = Listeners::new();
            probe.read("empty", &l);
            subscribe(&l, subs, SMALL);
            probe.read("with 10 subscribers", &l);
            l.emit(&1);
            probe.read("with 10 subscribers, after an emit", &l);
            subscribe(&l, subs, LARGE_SLOW - SMALL);
            probe.read("with 100k subscribers", &l);
            l.emit(&1);
            probe.read("with 100k subscribers, after an emit", &l);
            subs.truncate(SMALL as usize);
            assert_eq!(l.len(), SMALL as usize);
            probe.read("hollowed to 10 subscribers", &l);
            l
        },
    );
}
