//! `sync::BoundedMap` under threads: the bound, drops and stats after a
//! storm of mixed operations; single-flight initialization under
//! contention, with a panicking initializer and a re-entrant one; a
//! listener that writes to the map it listens to.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, OnceLock};
use std::thread;
use std::time::Duration;

use common::{DropCounted, Ledger};
use leakless::sync::BoundedMap;
use leakless::{EvictionCause, ManualClock, Policy};

fn quiet<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    r
}

#[test]
fn a_storm_of_mixed_operations_keeps_the_bound_and_drops_every_value_once() {
    storm(Policy::Lru);
}

#[test]
fn a_storm_under_tinylfu_keeps_the_bound_and_drops_every_value_once() {
    // TinyLFU records hits under the read lock (relaxed stores into the
    // per-entry counters and the sketch) while writers evict.
    storm(Policy::TinyLfu);
}

fn storm(policy: Policy) {
    let ledger = Ledger::new();
    let evicted = Arc::new(AtomicU64::new(0));
    let seen = Arc::clone(&evicted);
    {
        let map = Arc::new(
            BoundedMap::<u64, DropCounted>::builder()
                .capacity(1_000)
                .shards(8)
                .policy(policy)
                .on_evict(move |_, _, _| {
                    seen.fetch_add(1, Ordering::Relaxed);
                })
                .build(),
        );
        let threads: Vec<_> = (0..4u64)
            .map(|t| {
                let (map, ledger) = (Arc::clone(&map), Arc::clone(&ledger));
                thread::spawn(move || {
                    let mut x = t + 1;
                    for _ in 0..50_000 {
                        x = x
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        let key = (x >> 33) % 3_000;
                        match (x >> 20) % 8 {
                            0 | 1 => {
                                map.insert(key, ledger.make(()));
                            }
                            2 => {
                                map.get(&key);
                            }
                            3 => {
                                map.get_with(&key, |v| v.id());
                            }
                            4 => {
                                map.remove(&key);
                            }
                            5 => {
                                map.get_or_insert_with(key, || ledger.make(()));
                            }
                            6 => {
                                map.contains_key(&key);
                            }
                            _ => {
                                if key % 500 == 0 {
                                    map.retain(|k, _| k % 3 != 0);
                                }
                            }
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert!(map.len() <= 1_000);
        let stats = map.stats();
        assert_eq!(stats.len, map.len());
        assert_eq!(stats.capacity, 1_000);
        assert!(stats.hits + stats.misses > 0);
        // Every eviction the stats count reached the listener.
        let counted = stats.evictions.size + stats.evictions.explicit;
        assert_eq!(counted, evicted.load(Ordering::Relaxed));
    }
    ledger.assert_all_dropped_once();
}

#[test]
fn concurrent_callers_for_one_absent_key_run_the_initializer_once() {
    let map = Arc::new(BoundedMap::<u64, u64>::new(100));
    let runs = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (map, runs, start) = (Arc::clone(&map), Arc::clone(&runs), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                map.get_or_insert_with(7, || {
                    runs.fetch_add(1, Ordering::SeqCst);
                    thread::sleep(Duration::from_millis(50)); // others arrive meanwhile
                    42
                })
            })
        })
        .collect();
    let got: Vec<u64> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert!(got.iter().all(|&v| v == 42));
}

#[test]
fn a_panicking_initializer_wakes_the_waiters_and_one_of_them_retries() {
    let map = Arc::new(BoundedMap::<u64, u64>::new(100));
    let runs = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new(4));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (map, runs, start) = (Arc::clone(&map), Arc::clone(&runs), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                quiet(|| {
                    map.get_or_insert_with(1, || {
                        let n = runs.fetch_add(1, Ordering::SeqCst);
                        thread::sleep(Duration::from_millis(30));
                        assert!(n != 0, "the first initializer fails");
                        99
                    })
                })
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let panicked = results.iter().filter(|r| r.is_err()).count();
    assert_eq!(panicked, 1, "only the failed leader panics");
    assert!(results.iter().flatten().all(|&v| v == 99));
    assert_eq!(
        runs.load(Ordering::SeqCst),
        2,
        "one retry, not one per waiter"
    );
    assert_eq!(map.get(&1), Some(99));
}

#[test]
fn a_reentrant_initializer_for_the_same_key_panics_instead_of_deadlocking() {
    let map = BoundedMap::<u64, u64>::new(100);
    let result = quiet(|| map.get_or_insert_with(5, || map.get_or_insert_with(5, || 1)));
    let payload = result.unwrap_err();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    assert!(
        message.contains("from inside its own initializer"),
        "{message}"
    );
    // The map is usable, and the key free for the next caller.
    assert_eq!(map.get_or_insert_with(5, || 2), 2);
    // A different key from inside an initializer is fine.
    assert_eq!(
        map.get_or_insert_with(6, || map.get_or_insert_with(7, || 3) + 1),
        4
    );
}

#[test]
fn a_listener_may_write_to_the_map_it_listens_to() {
    let slot: Arc<OnceLock<Arc<BoundedMap<u64, u64>>>> = Arc::default();
    let weak_slot = Arc::clone(&slot);
    let map = Arc::new(
        BoundedMap::builder()
            .capacity(16)
            .shards(1)
            .on_evict(move |k: u64, v: u64, cause| {
                if cause == EvictionCause::Size && k < 1_000 {
                    // Re-file the evicted entry under another key: this runs
                    // after the shard's lock is released, so no deadlock.
                    if let Some(map) = weak_slot.get() {
                        map.insert(k + 1_000, v);
                    }
                }
            })
            .build(),
    );
    let _ = slot.set(Arc::clone(&map));
    for i in 0..100 {
        map.insert(i, i);
    }
    assert!(map.len() <= 16);
    assert!(map.snapshot().iter().any(|(k, _)| *k >= 1_000));
}

#[test]
fn the_global_bound_is_used_in_full_and_never_exceeded() {
    let map = BoundedMap::<u64, u64>::builder()
        .capacity(1_000_000)
        .shards(16)
        .build();
    for i in 0..3_000_000u64 {
        map.insert(i.wrapping_mul(0x9e37_79b9_7f4a_7c15), i);
    }
    // Every shard fills to its share: the shares add up to the bound.
    assert_eq!(map.len(), 1_000_000);
}

#[test]
fn expiry_works_across_shards_on_one_clock() {
    let clock = ManualClock::new();
    let map = BoundedMap::<u64, u64>::builder()
        .ttl(Duration::from_secs(10))
        .clock(clock.clone())
        .build();
    for i in 0..1_000 {
        map.insert(i, i);
    }
    clock.advance(Duration::from_secs(10));
    assert_eq!(map.get(&1), None);
    assert_eq!(map.purge_expired(), 1_000);
    assert_eq!(map.len(), 0);
    assert_eq!(map.stats().evictions.expired, 1_000);
}

#[test]
fn the_map_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<BoundedMap<String, Vec<u8>>>();
}

#[test]
fn clear_hands_every_entry_to_the_listener() {
    let heard = Arc::new(AtomicUsize::new(0));
    let ear = Arc::clone(&heard);
    let map = BoundedMap::<u64, u64>::builder()
        .capacity(100)
        .on_evict(move |_, _, cause| {
            assert_eq!(cause, EvictionCause::Explicit);
            ear.fetch_add(1, Ordering::Relaxed);
        })
        .build();
    for i in 0..10 {
        map.insert(i, i);
    }
    map.clear();
    assert_eq!(heard.load(Ordering::Relaxed), 10);
    assert_eq!(map.stats().evictions.explicit, 10);
}

#[test]
fn readers_of_one_shard_do_not_wait_for_each_other() {
    use std::sync::mpsc;
    use std::time::Duration;
    // One shard, two readers: each, inside its `get_with` closure (while it
    // holds the shard for reading), tells the other it is in and waits to
    // hear the same back. With an exclusive lock the second could not get
    // in while the first waits, and both would time out.
    let m = leakless::sync::BoundedMap::<u64, u64>::builder()
        .capacity(10)
        .shards(1)
        .build();
    m.insert(1, 1);
    m.insert(2, 2);
    let (to_b, from_a) = mpsc::channel::<()>();
    let (to_a, from_b) = mpsc::channel::<()>();
    let patience = Duration::from_secs(10);
    std::thread::scope(|s| {
        let m = &m;
        let a = s.spawn(move || {
            m.get_with(&1, |_| {
                to_b.send(()).unwrap();
                from_b.recv_timeout(patience).is_ok()
            })
        });
        let b = s.spawn(move || {
            m.get_with(&2, |_| {
                to_a.send(()).unwrap();
                from_a.recv_timeout(patience).is_ok()
            })
        });
        assert_eq!(
            a.join().unwrap(),
            Some(true),
            "reader A never saw reader B inside"
        );
        assert_eq!(
            b.join().unwrap(),
            Some(true),
            "reader B never saw reader A inside"
        );
    });
}

#[test]
fn hits_under_the_read_lock_count_as_uses_at_the_next_write() {
    let m = leakless::sync::BoundedMap::<u64, u64>::builder()
        .capacity(3)
        .shards(1)
        .build();
    for k in 1..=3 {
        m.insert(k, k);
    }
    assert_eq!(m.get(&1), Some(1)); // recorded, not yet applied
    assert_eq!(m.get_with(&2, |v| *v), Some(2));
    m.insert(4, 4); // applies the reads (1, then 2), then evicts the least recent: 3
    assert!(m.contains_key(&1) && m.contains_key(&2) && m.contains_key(&4));
    assert!(!m.contains_key(&3));
    let s = m.stats();
    assert_eq!((s.hits, s.misses), (2, 0));
    assert_eq!(m.get(&9), None);
    assert_eq!(m.stats().misses, 1);
    // get_or_insert_with: a hit under the read lock, a miss counted once.
    assert_eq!(m.get_or_insert_with(4, || unreachable!()), 4);
    assert_eq!(m.get_or_insert_with(5, || 5), 5);
    let s = m.stats();
    assert_eq!((s.hits, s.misses), (3, 2));
}

#[test]
fn a_tti_is_restarted_by_reads_under_the_read_lock() {
    use std::time::Duration;
    let clock = leakless::ManualClock::new();
    let m = leakless::sync::BoundedMap::<u64, u64>::builder()
        .tti(Duration::from_secs(10))
        .clock(clock.clone())
        .shards(2)
        .build();
    m.insert(1, 1);
    for _ in 0..5 {
        clock.advance(Duration::from_secs(9));
        assert_eq!(m.get(&1), Some(1));
    }
    clock.advance(Duration::from_secs(10));
    assert_eq!(m.get(&1), None);
    assert_eq!(m.purge_expired(), 1);
}

#[test]
fn an_idle_entry_expires_on_time_whatever_was_read_before_it() {
    use std::time::Duration;
    // A read of `a` must not let `b`, idle for longer than the TTI, live on
    // (reads of a TTI map restart timers in step with the recency order).
    let clock = leakless::ManualClock::new();
    let m = leakless::sync::BoundedMap::<&str, u64>::builder()
        .tti(Duration::from_secs(10))
        .clock(clock.clone())
        .shards(1)
        .build();
    m.insert("a", 1);
    clock.advance(Duration::from_secs(1));
    m.insert("b", 2);
    clock.advance(Duration::from_secs(4));
    assert_eq!(m.get("a"), Some(1));
    clock.advance(Duration::from_millis(6_500)); // b idle 10.5 s, a 6.5 s
    assert_eq!(m.get("b"), None);
    assert_eq!(m.get("a"), Some(1));
    // Many reads between writes change nothing.
    for _ in 0..100 {
        assert_eq!(m.get("a"), Some(1));
    }
    m.insert("c", 3);
    clock.advance(Duration::from_secs(10));
    assert_eq!(m.purge_expired(), 2);
    assert!(m.is_empty());
}
