//! The sync map's bound is the whole map's, not per-shard shares: N distinct
//! keys fit at capacity N however they hash, a weight bound admits what
//! fits the whole bound, and `set_capacity` / `set_max_weight` resize at
//! run time with the bound holding at every quiescent point.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use leakless::sync::{BoundedMap, Op};
use leakless::EvictionCause;

/// Hashes a `u64` to itself: keys below 2^32 all land in shard 0 (the
/// shard is picked by the hash's high half), so a test can skew them.
#[derive(Clone, Default)]
struct Identity;

struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl BuildHasher for Identity {
    type Hasher = IdentityHasher;
    fn build_hasher(&self) -> IdentityHasher {
        IdentityHasher(0)
    }
}

const SHARD_COUNTS: [usize; 7] = [1, 2, 4, 8, 16, 32, 64];

#[test]
fn n_distinct_keys_fit_at_capacity_n_for_every_shard_count() {
    for shards in SHARD_COUNTS {
        for n in [1usize, 7, 100, 1_000, 10_000] {
            let map = BoundedMap::<u64, u64>::builder()
                .capacity(n)
                .shards(shards)
                .build();
            for k in 0..n as u64 {
                map.insert(k, k);
            }
            assert_eq!(map.len(), n, "{n} keys, {shards} shards");
            assert_eq!(map.stats().evictions.size, 0);
            for k in 0..n as u64 {
                assert_eq!(map.get(&k), Some(k), "key {k} of {n}, {shards} shards");
            }
            // One more evicts exactly one.
            map.insert(u64::MAX, 0);
            assert_eq!(map.len(), n);
            assert_eq!(map.stats().evictions.size, 1);
        }
    }
}

#[test]
fn keys_that_all_hash_to_one_shard_still_fill_the_whole_bound() {
    for shards in SHARD_COUNTS {
        let n = 1_000;
        let map = BoundedMap::<u64, u64>::builder()
            .hasher(Identity)
            .capacity(n)
            .shards(shards)
            .build();
        // High halves 0: every key is shard 0's.
        for k in 0..n as u64 {
            map.insert(k, k);
        }
        assert_eq!(map.len(), n, "{shards} shards");
        assert!((0..n as u64).all(|k| map.contains_key(&k)));
        // Now a key of the last shard arrives: the full map evicts from
        // shard 0 (the fullest), not the newcomer.
        let other = ((shards as u64 - 1) << 32) | 5_000_000;
        map.insert(other, 1);
        assert_eq!(map.len(), n);
        assert_eq!(map.get(&other), Some(1));
        assert!(!map.contains_key(&0), "shard 0's least recent went");
    }
}

#[test]
fn capacity_one_with_two_shards_admits_a_key_of_either() {
    let map = BoundedMap::<u64, u64>::builder()
        .hasher(Identity)
        .capacity(1)
        .shards(2)
        .build();
    let (a, b) = (1u64, (1u64 << 32) | 1);
    map.insert(a, 1);
    map.insert(b, 2);
    assert_eq!(map.len(), 1);
    assert_eq!(
        map.get(&b),
        Some(2),
        "the newer key stays, in the other shard"
    );
    map.insert(a, 3);
    assert_eq!((map.len(), map.get(&a)), (1, Some(3)));
}

#[test]
fn a_weight_bound_alone_admits_what_fits_the_whole_bound() {
    let map = BoundedMap::<u64, Vec<u8>>::builder()
        .max_weight(31)
        .weigher(|_, v: &Vec<u8>| v.len() as u64)
        .shards(8)
        .build();
    map.insert(1, vec![0; 10]);
    map.insert(2, vec![0; 10]);
    map.insert(3, vec![0; 10]);
    assert_eq!(map.len(), 3, "30 of 31 fits whatever the shards");
    map.insert(4, vec![0; 10]);
    assert_eq!(map.len(), 3);
    let weight: usize = (1..=4).filter_map(|k| map.get_with(&k, Vec::len)).sum();
    assert!(weight <= 31);
    // Heavier than the whole bound: refused, to the listener as Size.
    map.insert(5, vec![0; 32]);
    assert!(!map.contains_key(&5));
    // Exactly the whole bound: admitted, flushing the rest.
    map.insert(6, vec![0; 31]);
    assert_eq!(map.len(), 1);
    assert!(map.contains_key(&6));
}

#[test]
fn set_capacity_shrinks_and_grows_with_evictions_to_the_listener() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let map = {
        let seen = Arc::clone(&seen);
        BoundedMap::<u64, u64>::builder()
            .capacity(1_000)
            .shards(8)
            .on_evict(move |k, _, cause| seen.lock().unwrap().push((k, cause)))
            .build()
    };
    for k in 0..1_000 {
        map.insert(k, k);
    }
    map.set_capacity(100);
    assert_eq!((map.len(), map.capacity()), (100, 100));
    let seen_now = seen.lock().unwrap().clone();
    assert_eq!(seen_now.len(), 900);
    assert!(seen_now.iter().all(|&(_, c)| c == EvictionCause::Size));
    map.set_capacity(2_000);
    for k in 10_000..12_000 {
        map.insert(k, k);
    }
    assert_eq!(map.len(), 2_000);
    map.set_capacity(0);
    assert_eq!(map.len(), 0);
    map.insert(1, 1);
    assert_eq!(map.len(), 0, "capacity 0 admits nothing");
}

#[test]
fn set_max_weight_resizes_the_weight_bound() {
    let map = BoundedMap::<u64, String>::builder()
        .max_weight(1_000)
        .weigher(|_, v: &String| v.len() as u64)
        .shards(4)
        .build();
    for k in 0..10 {
        map.insert(k, "x".repeat(100));
    }
    assert_eq!(map.len(), 10);
    map.set_max_weight(250);
    assert_eq!(map.len(), 2);
    map.set_max_weight(10_000);
    for k in 0..50 {
        map.insert(k, "y".repeat(100));
    }
    assert_eq!(map.len(), 50);
    // A map built with only a count bound takes a weight bound too.
    let counted = BoundedMap::<u64, u64>::new(100);
    for k in 0..100 {
        counted.insert(k, k);
    }
    counted.set_max_weight(10);
    assert_eq!(counted.len(), 10, "without a weigher, each entry weighs 1");
}

/// Writers churn while another thread resizes: whenever everyone has
/// stopped, the bound holds, and the map fills back up to it.
#[test]
fn resizing_under_concurrent_inserts_keeps_the_bound_at_every_quiescent_point() {
    let map = Arc::new(
        BoundedMap::<u64, u64>::builder()
            .capacity(5_000)
            .shards(16)
            .build(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    for round in 0..20usize {
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..3)
            .map(|_| {
                let (map, next, stop) = (Arc::clone(&map), Arc::clone(&next), Arc::clone(&stop));
                thread::spawn(move || {
                    while !stop.load(SeqCst) {
                        let k = next.fetch_add(1, SeqCst) as u64;
                        map.insert(k, k);
                    }
                })
            })
            .collect();
        let capacity = [5_000, 300, 12_000, 1, 2_500][round % 5];
        map.set_capacity(capacity);
        thread::sleep(std::time::Duration::from_millis(2));
        stop.store(true, SeqCst);
        for w in writers {
            w.join().unwrap();
        }
        // Quiescent: the bound holds, and the count is what the shards hold.
        assert!(map.len() <= capacity, "{} > {capacity}", map.len());
        let counted: usize = map.iter().count();
        assert_eq!(counted, map.len());
        // A racing pair of writers may both evict for one excess: at most
        // one entry short per writer.
        for _ in 0..capacity + 10 {
            let k = next.fetch_add(1, SeqCst) as u64;
            map.insert(k, k);
        }
        assert_eq!(map.len(), capacity, "refilled to the bound");
    }
}

/// Under concurrent churn on a full map the total never stays above the
/// bound, and ends at it.
#[test]
fn concurrent_churn_ends_at_the_bound() {
    for shards in [1, 4, 64] {
        let map = Arc::new(
            BoundedMap::<u64, u64>::builder()
                .capacity(2_000)
                .shards(shards)
                .build(),
        );
        let writers: Vec<_> = (0..4u64)
            .map(|t| {
                let map = Arc::clone(&map);
                thread::spawn(move || {
                    for i in 0..50_000u64 {
                        map.insert(t << 40 | i, i);
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        assert!(map.len() <= 2_000);
        assert!(map.len() >= 2_000 - 4, "{} with {shards} shards", map.len());
    }
}

/// Key `i` of shard `shard` in a [`four_shards_of_two`] map.
fn key(shard: u64, i: u64) -> u64 {
    (shard << 32) | i
}

/// What a map's listener received, in order.
type Evicted = Arc<Mutex<Vec<(u64, u64, EvictionCause)>>>;

/// A map of capacity 8 over 4 shards (shares of 2) whose identity hasher
/// puts [`key`]`(s, i)` in shard `s`, on `clock`, with its evictions.
fn four_shards_of_two(clock: &leakless::ManualClock) -> (BoundedMap<u64, u64, Identity>, Evicted) {
    let evicted = Evicted::default();
    let log = Arc::clone(&evicted);
    let m = BoundedMap::<u64, u64>::builder()
        .capacity(8)
        .shards(4)
        .hasher(Identity)
        .clock(clock.clone())
        .on_evict(move |k, v, cause| log.lock().unwrap().push((k, v, cause)))
        .build();
    (m, evicted)
}

#[test]
fn in_a_full_map_a_new_key_replaces_the_least_recent_entry_of_its_own_shard() {
    let (m, evicted) = four_shards_of_two(&leakless::ManualClock::new());
    for s in 0..4 {
        for i in 0..2 {
            m.insert(key(s, i), i);
        }
    }
    assert_eq!(m.len(), 8);
    // Shard 1's least recent is now key(1, 1).
    assert_eq!(m.get(&key(1, 0)), Some(0));
    for (n, i) in (10..20).enumerate() {
        let (k, v) = (key(1, i), i);
        // Through every writing path: `insert`, a loading miss, `compute`,
        // `insert_with_ttl`.
        match n % 4 {
            0 => assert_eq!(m.insert(k, v), None),
            1 => assert_eq!(m.get_or_insert_with(k, || v), v),
            2 => assert_eq!(m.compute(k, |old| Op::Put(old.map_or(v, |_| 0))), Some(v)),
            _ => assert_eq!(m.insert_with_ttl(k, v, Duration::from_secs(3600)), None),
        }
        assert_eq!(m.len(), 8, "the bound holds after every write");
        let last = *evicted.lock().unwrap().last().unwrap();
        assert_eq!(last.2, EvictionCause::Size);
        assert_eq!(last.0 >> 32, 1, "evicted from the written shard");
    }
    let evicted = evicted.lock().unwrap().clone();
    assert_eq!(evicted.len(), 10, "one eviction per new key");
    assert_eq!(evicted[0], (key(1, 1), 1, EvictionCause::Size));
    assert_eq!(evicted[1], (key(1, 0), 0, EvictionCause::Size));
    assert_eq!(evicted[2], (key(1, 10), 10, EvictionCause::Size));
    for s in [0, 2, 3] {
        for i in 0..2 {
            assert!(m.contains_key(&key(s, i)), "other shards keep theirs");
        }
    }
    // Replacing a present key in a full map evicts nothing.
    assert_eq!(m.insert(key(1, 19), 0), Some(19));
    assert_eq!(m.len(), 8);
}

#[test]
fn a_write_that_purges_an_expired_entry_of_a_full_shard_evicts_no_live_one() {
    let clock = leakless::ManualClock::new();
    let (m, evicted) = four_shards_of_two(&clock);
    for s in 0..4 {
        for i in 0..2 {
            if s == 1 && i == 0 {
                m.insert_with_ttl(key(1, 0), 0, Duration::from_secs(10));
            } else {
                m.insert(key(s, i), i);
            }
        }
    }
    clock.advance(Duration::from_secs(11));
    // Shard 1 is at its share of a full map, so a new key there would take
    // a victim's slot; but the write first purges the expired key(1, 0),
    // and then there is room.
    assert_eq!(m.insert(key(1, 5), 5), None);
    assert_eq!(
        evicted.lock().unwrap().clone(),
        [(key(1, 0), 0, EvictionCause::Expired)],
        "the expired entry goes, and no live one"
    );
    assert_eq!(m.len(), 8);
    assert!(m.contains_key(&key(1, 1)));
    // The same for a key whose own copy has expired, through every path.
    for (n, i) in (100..104).enumerate() {
        m.insert_with_ttl(key(1, i), 0, Duration::from_secs(10));
        evicted.lock().unwrap().clear();
        clock.advance(Duration::from_secs(11));
        match n {
            0 => assert_eq!(m.insert(key(1, i), 1), None),
            1 => assert_eq!(m.get_or_insert_with(key(1, i), || 1), 1),
            2 => assert_eq!(
                m.compute(key(1, i), |old| Op::Put(old.map_or(1, |_| 0))),
                Some(1)
            ),
            _ => assert_eq!(
                m.insert_with_ttl(key(1, i), 1, Duration::from_secs(60)),
                None
            ),
        }
        let gone = evicted.lock().unwrap().clone();
        assert!(
            gone.iter().all(|e| e.2 == EvictionCause::Expired),
            "path {n}: only the expired copy goes: {gone:?}"
        );
        assert_eq!(m.len(), 8, "path {n}");
    }
}
