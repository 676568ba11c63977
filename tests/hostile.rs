//! Hostile input: what a map does when its keys, weigher, listener or clock
//! misbehave, or when the outside world floods it. Each test states the
//! documented behaviour it checks; the README's Guarantees section points
//! here.

mod common;

use common::{DropCounted, Ledger};

use std::hash::{BuildHasher, Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use leakless::{BoundedMap, EvictionCause, ManualClock, Policy};
use leakless_testkit::{thread_live_bytes, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const POLICIES: [Policy; 2] = [Policy::Lru, Policy::TinyLfu];

#[test]
fn the_default_hasher_is_seeded_per_map() {
    // HashDoS: an attacker who can choose keys cannot precompute collisions,
    // because every map draws its own seed (foldhash's `RandomState`).
    let a: BoundedMap<u64, u64> = BoundedMap::new(1);
    let b: BoundedMap<u64, u64> = BoundedMap::new(1);
    let differ = (0..16u64).any(|k| a.hasher().hash_one(k) != b.hasher().hash_one(k));
    assert!(
        differ,
        "two maps hash every key alike: the hasher is not seeded"
    );
}

#[test]
fn a_flood_of_distinct_keys_cannot_grow_memory_past_the_bound() {
    // Keys from outside (request ids, user agents): a million distinct
    // strings into maps bounded at 10,000 end where 10,000 took them.
    let key = |i: u64| format!("client-{i:016x}-{}", i % 97);
    for policy in POLICIES {
        let base = thread_live_bytes();
        let mut m = BoundedMap::<String, u64>::builder()
            .capacity(10_000)
            .policy(policy)
            .build();
        (0..10_000).for_each(|i| {
            m.insert(key(i), i);
        });
        let full = thread_live_bytes().wrapping_sub(base);
        (10_000..1_000_000).for_each(|i| {
            m.insert(key(i), i);
        });
        let flooded = thread_live_bytes().wrapping_sub(base);
        assert_eq!(m.len(), 10_000);
        assert!(
            flooded <= full + full / 4,
            "{policy:?}: {flooded} B after the flood, {full} B at capacity"
        );

        let base = thread_live_bytes();
        let s = leakless::sync::BoundedMap::<String, u64>::builder()
            .capacity(10_000)
            .policy(policy)
            .build();
        (0..10_000).for_each(|i| {
            s.insert(key(i), i);
        });
        let full = thread_live_bytes().wrapping_sub(base);
        (10_000..1_000_000).for_each(|i| {
            s.insert(key(i), i);
        });
        let flooded = thread_live_bytes().wrapping_sub(base);
        assert!(s.len() <= 10_000);
        assert!(
            flooded <= full + full / 4,
            "sync {policy:?}: {flooded} B after the flood, {full} B at capacity"
        );
    }
}

#[test]
fn a_weigher_returning_zero_counts_one_and_one_returning_u64_max_is_refused() {
    // Documented: a weight of 0 counts as 1 (so a weigher cannot make
    // entries free), and a value heavier than max_weight is refused, to the
    // listener with cause Size, without flushing the rest.
    for policy in POLICIES {
        let refused = Arc::new(AtomicU64::new(0));
        let seen = Arc::clone(&refused);
        let mut m = BoundedMap::<u64, u64>::builder()
            .max_weight(100)
            .weigher(|_, v| if *v == 0 { 0 } else { u64::MAX })
            .policy(policy)
            .on_evict(move |_, _, cause| {
                assert_eq!(cause, EvictionCause::Size);
                seen.fetch_add(1, Ordering::Relaxed);
            })
            .build();
        for k in 0..1_000 {
            m.insert(k, 0);
        }
        assert_eq!(m.len(), 100, "{policy:?}: zero-weight entries count 1 each");
        assert_eq!(m.weight(), 100);
        assert_eq!(m.insert(5_000, 1), None);
        assert!(!m.contains_key(&5_000));
        assert_eq!(m.len(), 100, "{policy:?}: the heavy value flushed the map");
        assert_eq!(refused.load(Ordering::Relaxed), 900 + 1);

        let s = leakless::sync::BoundedMap::<u64, u64>::builder()
            .max_weight(100)
            .weigher(|_, v| if *v == 0 { 0 } else { u64::MAX })
            .policy(policy)
            .shards(4)
            .build();
        for k in 0..1_000 {
            s.insert(k, 0);
        }
        s.insert(5_000, 1);
        assert!(!s.contains_key(&5_000));
        assert!(
            s.len() <= 100 && s.len() >= 96,
            "sync {policy:?}: {}",
            s.len()
        );
    }
}

#[test]
fn a_listener_that_panics_on_every_call_loses_nothing_in_the_sync_map() {
    // Listeners run after the shard lock is released, so a panicking one
    // unwinds into the caller with the map consistent; the value it was
    // handed is dropped by the unwind, once.
    common::quiet_injected_panics();
    for policy in POLICIES {
        let live = Ledger::new();
        {
            let m = leakless::sync::BoundedMap::<u64, DropCounted>::builder()
                .capacity(8)
                .shards(2)
                .policy(policy)
                .on_evict(|_, _, _| panic!("injected listener panic"))
                .build();
            for k in 0..200 {
                let _ = catch_unwind(AssertUnwindSafe(|| m.insert(k % 50, live.make(()))));
                let _ = catch_unwind(AssertUnwindSafe(|| m.get(&(k % 7))));
                assert!(m.len() <= 8);
                for (key, _) in m.snapshot() {
                    assert!(m.contains_key(&key));
                }
            }
            let _ = catch_unwind(AssertUnwindSafe(|| m.clear()));
            assert_eq!(m.len(), 0);
        }
        assert_eq!(live.live(), 0, "{policy:?}: a value leaked");
        live.assert_all_dropped_once();
    }
}

/// A key whose `Hash` panics on every tenth call while `ARMED`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FlakyKey(u64);

static ARMED: AtomicBool = AtomicBool::new(false);
static HASHES: AtomicU64 = AtomicU64::new(0);

impl Hash for FlakyKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        if ARMED.load(Ordering::Relaxed) && HASHES.fetch_add(1, Ordering::Relaxed) % 10 == 9 {
            panic!("injected hash panic");
        }
        self.0.hash(state);
    }
}

#[test]
fn a_hash_that_panics_every_tenth_call_leaves_every_map_consistent() {
    // The unsync map runs user code before it changes anything (or between
    // consistent states); the sync map's shards survive the panic (their
    // lock is not poisoned into uselessness) and stay consistent.
    common::quiet_injected_panics();
    for policy in POLICIES {
        let live = Ledger::new();
        {
            let mut m = BoundedMap::<FlakyKey, DropCounted>::builder()
                .capacity(16)
                .policy(policy)
                .build();
            let s = leakless::sync::BoundedMap::<FlakyKey, DropCounted>::builder()
                .capacity(16)
                .shards(2)
                .policy(policy)
                .build();
            let mut panics = 0;
            for i in 0..2_000u64 {
                let k = FlakyKey(i * 7 % 40);
                ARMED.store(true, Ordering::Relaxed);
                let r = catch_unwind(AssertUnwindSafe(|| match i % 5 {
                    0 | 1 => {
                        m.insert(k, live.make(()));
                        s.insert(k, live.make(()));
                    }
                    2 => {
                        m.get(&k);
                        s.get_with(&k, |_| ());
                    }
                    3 => {
                        m.remove(&k);
                        s.remove(&k);
                    }
                    _ => {
                        m.get_or_insert_with(k, || live.make(()));
                        s.get_or_insert_with(k, || live.make(()));
                    }
                }));
                ARMED.store(false, Ordering::Relaxed);
                panics += u32::from(r.is_err());
                assert!(m.len() <= 16 && s.len() <= 16);
                for (key, _) in m.iter() {
                    assert!(m.peek(key).is_some());
                }
                for (key, _) in s.snapshot() {
                    assert!(s.contains_key(&key));
                }
            }
            assert!(panics > 100, "only {panics} injected panics");
        }
        assert_eq!(live.live(), 0, "{policy:?}: a value leaked");
        live.assert_all_dropped_once();
    }
}

#[test]
fn a_clock_that_jumps_back_keeps_the_sync_map_bounded_and_its_expiry_honest() {
    // `ManualClock` can be turned back (real clocks cannot): the map keeps
    // its bound, shows nothing past its deadline as of the latest time it
    // has seen, and a purge after the last deadline empties it.
    for policy in POLICIES {
        let live = Ledger::new();
        let clock = ManualClock::new();
        {
            let m = leakless::sync::BoundedMap::<u64, DropCounted>::builder()
                .capacity(64)
                .ttl(Duration::from_millis(100))
                .shards(4)
                .policy(policy)
                .clock(clock.clone())
                .build();
            for i in 0..5_000u64 {
                m.insert(i % 200, live.make(()));
                match i % 7 {
                    0 => clock.advance(Duration::from_millis(i % 50)),
                    3 => clock.rewind(Duration::from_millis(
                        (i % 30).min(clock.now().as_millis() as u64),
                    )),
                    _ => {}
                }
                assert!(m.len() <= 64);
            }
            clock.advance(Duration::from_secs(3600));
            for k in 0..200 {
                assert!(!m.contains_key(&k), "{policy:?}: {k} outlived its TTL");
            }
            m.purge_expired();
            assert_eq!(m.len(), 0);
        }
        assert_eq!(live.live(), 0, "{policy:?}: a value leaked");
        live.assert_all_dropped_once();
    }
}

/// A key whose `Hash` panics while `SEVEN_ARMED[FLAG]` is set, for key 7 only;
/// each test arms a flag of its own, since the tests of this file run at
/// once.
#[derive(Clone, Debug, PartialEq, Eq)]
struct SevenPanics<const FLAG: usize>(u32);

static SEVEN_ARMED: [AtomicBool; 2] = [AtomicBool::new(false), AtomicBool::new(false)];
const PURGE: usize = 0;
const SHRINK: usize = 1;

impl<const FLAG: usize> Hash for SevenPanics<FLAG> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        if SEVEN_ARMED[FLAG].load(Ordering::Relaxed) && self.0 == 7 {
            panic!("injected hash panic (flag {FLAG})");
        }
        self.0.hash(state);
    }
}

#[test]
fn a_hash_panic_in_a_sync_purge_loses_no_listener_call() {
    // Found in review: purge_expired used to collect every shard's
    // evictions into one batch before calling the listener, so a panic
    // while purging a later shard dropped the earlier shards' entries
    // unreported. They now stay held in their shards until delivered.
    common::quiet_injected_panics();
    let clock = ManualClock::new();
    let reported = Arc::new(AtomicU64::new(0));
    let seen = Arc::clone(&reported);
    let m = leakless::sync::BoundedMap::<SevenPanics<PURGE>, u32>::builder()
        .capacity(1_000)
        .shards(8)
        .ttl(Duration::from_secs(1))
        .clock(clock.clone())
        .on_evict(move |_, _, cause| {
            assert_eq!(cause, EvictionCause::Expired);
            seen.fetch_add(1, Ordering::Relaxed);
        })
        .build();
    for k in 0..200 {
        m.insert(SevenPanics(k), k);
    }
    clock.advance(Duration::from_secs(2));
    SEVEN_ARMED[PURGE].store(true, Ordering::Relaxed);
    let r = catch_unwind(AssertUnwindSafe(|| m.purge_expired()));
    SEVEN_ARMED[PURGE].store(false, Ordering::Relaxed);
    assert!(r.is_err(), "the injected panic did not happen");
    m.purge_expired();
    assert_eq!(m.len(), 0);
    assert_eq!(
        reported.load(Ordering::Relaxed),
        200,
        "an expired entry went unreported"
    );
}

#[test]
fn evictions_left_queued_by_a_panicking_call_reach_the_listener_with_the_next_one() {
    // Found in review: get_or_insert_with's miss took the outbox to be
    // empty because nothing was parked; a call that panicked after queuing
    // an eviction leaves it queued for the next call to deliver.
    common::quiet_injected_panics();
    let reported = Arc::new(AtomicU64::new(0));
    let seen = Arc::clone(&reported);
    let mut m = BoundedMap::<SevenPanics<SHRINK>, u32>::builder()
        .capacity(10)
        .on_evict(move |k, _, cause| {
            assert_eq!((k.0, cause), (0, EvictionCause::Size));
            seen.fetch_add(1, Ordering::Relaxed);
        })
        .build();
    for k in [0, 7, 1, 2, 3] {
        m.insert(SevenPanics::<SHRINK>(k), k);
    }
    // Shrinking evicts 0 (queued), then hashes 7, which panics.
    SEVEN_ARMED[SHRINK].store(true, Ordering::Relaxed);
    let r = catch_unwind(AssertUnwindSafe(|| m.set_capacity(3)));
    SEVEN_ARMED[SHRINK].store(false, Ordering::Relaxed);
    assert!(r.is_err(), "the injected panic did not happen");
    assert_eq!(reported.load(Ordering::Relaxed), 0, "queued, not delivered");
    let got = *m.get_or_insert_with(SevenPanics::<SHRINK>(100), || {
        assert_eq!(reported.load(Ordering::Relaxed), 1, "delivered before make");
        100
    });
    assert_eq!(got, 100);
    assert_eq!(reported.load(Ordering::Relaxed), 1, "exactly once");
    common::assert_consistent(&m);
}
