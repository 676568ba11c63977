//! `sync::BoundedMap::compute`: atomic read-modify-write under contention,
//! each `Op`, and what it hands to the listener; `retain`'s listener order.

use std::sync::{Arc, Mutex};
use std::thread;

use leakless::sync::{BoundedMap, Op};
use leakless::EvictionCause;

#[test]
fn two_threads_incrementing_one_counter_lose_no_update() {
    let counters: Arc<BoundedMap<&str, u64>> = Arc::new(BoundedMap::new(100));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let counters = Arc::clone(&counters);
            thread::spawn(move || {
                for _ in 0..100_000 {
                    counters.compute("hits", |old| Op::Put(old.map_or(1, |n| n + 1)));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(counters.get("hits"), Some(200_000));
}

#[test]
fn many_keys_under_contention_each_end_exact() {
    let counters: Arc<BoundedMap<u64, u64>> =
        Arc::new(BoundedMap::builder().capacity(1_000).shards(4).build());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let counters = Arc::clone(&counters);
            thread::spawn(move || {
                for i in 0..40_000u64 {
                    let key = (i * 7 + t) % 16;
                    counters.compute(key, |old| Op::Put(old.copied().unwrap_or(0) + 1));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let total: u64 = (0..16).map(|k| counters.get(&k).unwrap()).sum();
    assert_eq!(total, 160_000);
}

#[test]
fn each_op_does_what_it_says_and_returns_the_value_afterwards() {
    let m: BoundedMap<u8, String> = BoundedMap::new(10);
    assert_eq!(
        m.compute(1, |old| {
            assert!(old.is_none());
            Op::Keep
        }),
        None
    );
    assert!(m.is_empty(), "Keep on an absent key inserts nothing");
    assert_eq!(m.compute(1, |_| Op::Put("a".into())).as_deref(), Some("a"));
    assert_eq!(
        m.compute(1, |old| Op::Put(format!("{}b", old.unwrap())))
            .as_deref(),
        Some("ab")
    );
    assert_eq!(m.compute(1, |_| Op::Keep).as_deref(), Some("ab"));
    assert_eq!(m.compute(1, |_| Op::Remove), None);
    assert!(!m.contains_key(&1));
    assert_eq!(
        m.compute(1, |_| Op::Remove),
        None,
        "Remove on an absent key"
    );
}

#[test]
fn evictions_caused_by_compute_reach_the_listener_after_the_lock() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let m: Arc<BoundedMap<u8, u8>> = Arc::new({
        let seen = Arc::clone(&seen);
        BoundedMap::builder()
            .capacity(1)
            .shards(1)
            .on_evict(move |k, v, cause| seen.lock().unwrap().push((k, v, cause)))
            .build()
    });
    m.insert(1, 10);
    // The listener may use the map: it runs with no lock held.
    m.compute(2, |_| Op::Put(20));
    assert_eq!(*seen.lock().unwrap(), [(1, 10, EvictionCause::Size)]);
    assert_eq!(m.get(&2), Some(20));
}

#[test]
fn a_panicking_closure_leaves_the_map_as_it_was() {
    let m: BoundedMap<u8, u8> = BoundedMap::new(10);
    m.insert(1, 1);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        m.compute(1, |_| panic!("user code"))
    }));
    assert!(r.is_err());
    assert_eq!(m.get(&1), Some(1));
    assert_eq!(m.compute(1, |v| Op::Put(v.unwrap() + 1)), Some(2));
}

/// Found by porting moka's `invalidate_entries_if` tests: the listener
/// hears what `retain` removes least recent first, as from the unsync map.
#[test]
fn retain_hands_removed_entries_to_the_listener_least_recent_first() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let m: BoundedMap<u32, u32> = {
        let seen = Arc::clone(&seen);
        BoundedMap::builder()
            .capacity(100)
            .shards(1)
            .on_evict(move |k, _, _| seen.lock().unwrap().push(k))
            .build()
    };
    for k in 0..10 {
        m.insert(k, k);
    }
    m.retain(|k, _| k % 3 == 0);
    assert_eq!(*seen.lock().unwrap(), [1, 2, 4, 5, 7, 8]);

    let mut unsync: leakless::BoundedMap<u32, u32> = {
        let seen = Arc::clone(&seen);
        leakless::BoundedMap::builder()
            .capacity(100)
            .on_evict(move |k, _, _| seen.lock().unwrap().push(k))
            .build()
    };
    seen.lock().unwrap().clear();
    for k in 0..10 {
        unsync.insert(k, k);
    }
    unsync.retain(|k, _| k % 3 == 0);
    assert_eq!(
        *seen.lock().unwrap(),
        [1, 2, 4, 5, 7, 8],
        "the two maps agree"
    );
}
