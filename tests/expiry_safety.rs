//! Expiry under a count bound: every value dropped exactly once, the bound
//! held, nothing expired or stale ever visible; and the edge values of time
//! (`Duration::ZERO`, `Duration::MAX`, a clock moved a century).

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::model::{self, Config, Op, Unsync};
use leakless::{BoundedMap, EvictionCause, ManualClock};
use proptest::prelude::*;

/// Values are numbered afterwards (`model::numbered`), so every listener
/// report names one write.
fn op() -> impl Strategy<Value = Op> {
    let key = 0u8..10;
    prop_oneof![
        6 => key.clone().prop_map(|k| Op::Insert(k, 0)),
        4 => (key.clone(), 0u64..3_000).prop_map(|(k, t)| Op::InsertWithTtl(k, 0, t)),
        4 => key.clone().prop_map(Op::Get),
        2 => key.clone().prop_map(|k| Op::EntryOrInsert(k, 0)),
        2 => key.prop_map(Op::Remove),
        1 => Just(Op::PopLru),
        1 => Just(Op::Retain(3)),
        1 => Just(Op::PurgeExpired),
        1 => (0usize..6).prop_map(Op::SetCapacity),
        1 => Just(Op::Clear),
        5 => (0u64..1_500).prop_map(Op::Advance),
        1 => (0u64..1_500).prop_map(Op::Rewind),
    ]
}

/// Under the bound, the model learns the victims from the listener (which
/// expired entries a full map purges first is its own business) and checks
/// after every step: what is visible is each key's last write and not
/// expired, nothing goes to the listener as `Expired` before its time, the
/// bound holds; at the end every value was dropped exactly once.
fn run(ops: Vec<Op>, capacity: usize, ttl_ms: Option<u64>) {
    let config = Config::lru(capacity).timed(ttl_ms, None).learned();
    model::run::<Unsync>(&model::numbered(ops), &config);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_value_dropped_once_under_bound_and_expiry(
        ops in prop::collection::vec(op(), 1..150),
        capacity in 0usize..6,
        ttl in prop::option::of(0u64..2_000),
    ) {
        run(ops, capacity, ttl);
    }
}

type Log<K, V> = Arc<Mutex<Vec<(K, V, EvictionCause)>>>;

fn listener_log<K: Send + 'static, V: Send + 'static>(
) -> (Log<K, V>, impl Fn(K, V, EvictionCause) + Send + Sync) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&log);
    (log, move |k, v, c| sink.lock().unwrap().push((k, v, c)))
}

#[test]
fn zero_ttl_expires_at_once_and_never_displaces_anything() {
    let clock = ManualClock::new();
    let (log, listener) = listener_log();
    let mut m = BoundedMap::builder()
        .capacity(2)
        .clock(clock.clone())
        .on_evict(listener)
        .build();
    m.insert("a", 1);
    m.insert("b", 2);
    assert_eq!(m.insert_with_ttl("c", 3, Duration::ZERO), None);
    assert_eq!(
        m.len(),
        2,
        "an already-expired value must not evict a live one"
    );
    assert_eq!(m.get("c"), None);
    // Over a present key: the old value comes back, the new one expires.
    assert_eq!(m.insert_with_ttl("a", 9, Duration::ZERO), Some(1));
    assert_eq!(m.get("a"), None);
    assert_eq!(
        *log.lock().unwrap(),
        [
            ("c", 3, EvictionCause::Expired),
            ("a", 9, EvictionCause::Expired)
        ]
    );

    let mut all_zero: BoundedMap<u8, u8> = BoundedMap::builder()
        .ttl(Duration::ZERO)
        .clock(clock.clone())
        .build();
    all_zero.insert(1, 1);
    assert!(all_zero.is_empty());
    assert_eq!(*all_zero.entry(2).or_insert(5), 5); // lent out, never stored
    assert!(!all_zero.contains_key(&2));
    assert_eq!(all_zero.stats().evictions.expired, 1);
    all_zero.purge_expired(); // the parked value is handed over here
    assert_eq!(all_zero.stats().evictions.expired, 2);
}

#[test]
fn duration_max_never_expires_even_a_century_later() {
    let clock = ManualClock::new();
    let mut m = BoundedMap::builder()
        .ttl(Duration::MAX)
        .tti(Duration::MAX)
        .clock(clock.clone())
        .build();
    m.insert(1, "forever");
    m.insert_with_ttl(2, "also forever", Duration::MAX);
    let century = Duration::from_secs(100 * 365 * 24 * 3600);
    clock.advance(century);
    assert_eq!(m.purge_expired(), 0);
    assert_eq!(m.get(&1), Some(&"forever"));
    assert_eq!(m.get(&2), Some(&"also forever"));
    // Even at the end of time (the clock saturates rather than overflow).
    clock.advance(Duration::MAX);
    assert_eq!(m.purge_expired(), 0);
    assert_eq!(m.len(), 2);
}

#[test]
fn a_century_jump_expires_everything_finite_without_panicking() {
    let clock = ManualClock::new();
    let (log, listener) = listener_log();
    let mut m = BoundedMap::builder()
        .capacity(10_000)
        .ttl(Duration::from_secs(3600))
        .clock(clock.clone())
        .on_evict(listener)
        .build();
    for i in 0..1_000u32 {
        m.insert(i, i);
        m.insert_with_ttl(i + 1_000, i, Duration::from_secs(u64::from(i + 1) * 86_400));
    }
    clock.advance(Duration::from_secs(100 * 365 * 24 * 3600));
    assert_eq!(m.iter().count(), 0);
    // Ordinary calls purge a bounded amount each...
    m.insert(5_000, 5_000);
    assert!(m.len() > 1_000);
    // ...and `purge_expired` the rest.
    assert_eq!(m.purge_expired(), 2_000 - 4);
    assert_eq!(m.len(), 1);
    let log = log.lock().unwrap();
    assert_eq!(log.len(), 2_000);
    assert!(log.iter().all(|e| e.2 == EvictionCause::Expired));
}

#[test]
fn a_clock_turned_back_hides_nothing_live_and_resumes_purging() {
    let clock = ManualClock::new();
    let mut m = BoundedMap::builder()
        .ttl(Duration::from_secs(10))
        .clock(clock.clone())
        .build();
    m.insert("a", 1);
    clock.advance(Duration::from_secs(5));
    m.insert("b", 2);
    clock.rewind(Duration::from_secs(5));
    m.insert("c", 3); // written "before" a and b
    assert_eq!(m.len(), 3);
    clock.advance(Duration::from_secs(10));
    // a and c have expired (10 s after they were written), b has not.
    assert_eq!(m.keys().copied().collect::<Vec<_>>(), ["b"]);
    assert_eq!(m.purge_expired(), 2);
    clock.advance(Duration::from_secs(5));
    assert_eq!(m.purge_expired(), 1);
    assert!(m.is_empty());
}

#[test]
fn expired_entries_are_evicted_as_expired_when_making_room() {
    let clock = ManualClock::new();
    let (log, listener) = listener_log();
    let mut m = BoundedMap::builder()
        .capacity(2)
        .tti(Duration::from_secs(1))
        .clock(clock.clone())
        .on_evict(listener)
        .build();
    m.insert(1, 1);
    clock.advance(Duration::from_secs(2));
    m.insert(2, 2); // purges 1 first (it is due)
    m.insert(3, 3);
    m.insert(4, 4); // full of live entries: 2 goes for room
    assert_eq!(
        *log.lock().unwrap(),
        [(1, 1, EvictionCause::Expired), (2, 2, EvictionCause::Size)]
    );
}
