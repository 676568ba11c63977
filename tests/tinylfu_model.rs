//! Model test for `Policy::TinyLfu`: random operation sequences against a
//! plain `HashMap` reference.
//!
//! Which entry TinyLFU evicts depends on a frequency sketch fed by the
//! map's randomly seeded hasher, so the model does not predict victims: it
//! learns them from the listener, and checks everything else after every
//! call: the map holds exactly the model's entries (nothing evicted that
//! the listener was not told of, nothing kept that it was), every lookup
//! sees the latest value, evictions happen only when the bound needs room
//! (an insert into a full count-bounded map evicts exactly one entry), the
//! bound holds, and every value inserted is dropped exactly once. The map
//! checks its own queues after every call in debug builds.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use leakless::{BoundedMap, EvictionCause, Policy};
use proptest::prelude::*;

type Event = (u8, u32, EvictionCause);

#[derive(Clone, Debug)]
enum Op {
    Insert(u8, u32),
    Get(u8),
    Peek(u8),
    Remove(u8),
    PopLru,
    SetCapacity(usize),
    EntryOrInsert(u8, u32),
    GetOrInsertWith(u8, u32),
    Retain(u8),
    Clear,
    Drain(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0u8..24;
    let val = 0u32..1_000_000;
    prop_oneof![
        8 => (key.clone(), val.clone()).prop_map(|(k, v)| Op::Insert(k, v)),
        8 => key.clone().prop_map(Op::Get),
        1 => key.clone().prop_map(Op::Peek),
        2 => key.clone().prop_map(Op::Remove),
        1 => Just(Op::PopLru),
        1 => (0usize..12).prop_map(Op::SetCapacity),
        2 => (key.clone(), val.clone()).prop_map(|(k, v)| Op::EntryOrInsert(k, v)),
        2 => (key, val).prop_map(|(k, v)| Op::GetOrInsertWith(k, v)),
        1 => (2u8..5).prop_map(Op::Retain),
        1 => Just(Op::Clear),
        1 => (0usize..4).prop_map(Op::Drain),
    ]
}

/// The weigher of the weighted runs.
/// Mostly light values (0..7, 0 counting as 1), one in sixteen heavy (up
/// to 299): with a large weight bound, a heavy insert or replace makes
/// room by evicting several entries, from probation as well as main.
fn weigh(_k: &u8, v: &u32) -> u64 {
    if v.is_multiple_of(16) {
        u64::from(v % 300)
    } else {
        u64::from(v % 7)
    }
}

fn weight(v: u32, weighted: bool) -> u64 {
    if weighted {
        weigh(&0, &v).max(1)
    } else {
        1
    }
}

fn run(ops: Vec<Op>, capacity: usize, max_weight: Option<u64>) {
    let log: Arc<Mutex<Vec<Event>>> = Arc::default();
    let sink = Arc::clone(&log);
    let builder = BoundedMap::<u8, u32>::builder()
        .capacity(capacity)
        .policy(Policy::TinyLfu)
        .on_evict(move |k, v, c| sink.lock().unwrap().push((k, v, c)));
    let mut m = match max_weight {
        Some(w) => builder.max_weight(w).weigher(weigh).build(),
        None => builder.build(),
    };
    assert_eq!(m.policy(), Policy::TinyLfu);
    let weighted = max_weight.is_some();
    let max_weight = max_weight.unwrap_or(u64::MAX);
    let mut capacity = capacity;
    let mut model: HashMap<u8, u32> = HashMap::new();

    for op in ops {
        let len_before = model.len();
        // Whether this op adds a key the map did not hold (so a full map
        // must evict), and whether the bound could admit it at all.
        let mut added: Option<(u8, u32)> = None;
        match op.clone() {
            Op::Insert(k, v) => {
                let old = model.get(&k).copied();
                let got = m.insert(k, v);
                let admissible = capacity > 0 && weight(v, weighted) <= max_weight;
                if admissible {
                    assert_eq!(got, old, "{op:?}");
                    model.insert(k, v);
                    if old.is_none() {
                        added = Some((k, v));
                    }
                } else {
                    // Refused: the key leaves (its old value is returned),
                    // the new value goes to the listener (documented).
                    assert_eq!(got, old, "{op:?}");
                    model.remove(&k);
                }
            }
            Op::Get(k) => assert_eq!(m.get(&k).copied(), model.get(&k).copied(), "{op:?}"),
            Op::Peek(k) => assert_eq!(m.peek(&k).copied(), model.get(&k).copied(), "{op:?}"),
            Op::Remove(k) => assert_eq!(m.remove(&k), model.remove(&k), "{op:?}"),
            Op::PopLru => {
                if let Some((k, v)) = m.pop_lru() {
                    assert_eq!(model.remove(&k), Some(v), "popped an entry the model lacks");
                } else {
                    assert!(model.is_empty());
                }
            }
            Op::SetCapacity(c) => {
                capacity = c;
                m.set_capacity(c);
            }
            Op::EntryOrInsert(k, v) | Op::GetOrInsertWith(k, v) => {
                let old = model.get(&k).copied();
                let got = if matches!(op, Op::EntryOrInsert(..)) {
                    *m.entry(k).or_insert(v)
                } else {
                    *m.get_or_insert_with(k, || v)
                };
                assert_eq!(got, old.unwrap_or(v), "{op:?}");
                let admissible = capacity > 0 && weight(v, weighted) <= max_weight;
                if old.is_none() && admissible {
                    model.insert(k, v);
                    added = Some((k, v));
                }
            }
            Op::Retain(d) => {
                m.retain(|k, _| k % d != 0);
                model.retain(|k, _| k % d != 0);
            }
            Op::Clear => {
                m.clear();
                model.clear();
            }
            Op::Drain(n) => {
                let got: Vec<_> = m.drain().take(n).collect();
                for (k, v) in got {
                    assert_eq!(model.remove(&k), Some(v));
                }
                model.clear();
            }
        }

        // Evictions: each one names an entry the model holds, with its
        // value (or a refused or replaced value, which the model never
        // kept); the model lets go of what the map let go of.
        let events = std::mem::take(&mut *log.lock().unwrap());
        let mut size_evictions = 0;
        for &(k, v, cause) in &events {
            match cause {
                EvictionCause::Size if model.get(&k) == Some(&v) => {
                    model.remove(&k);
                    size_evictions += 1;
                }
                EvictionCause::Size | EvictionCause::Replaced | EvictionCause::Explicit => {}
                EvictionCause::Expired | EvictionCause::Collected => {
                    panic!("no time bound, no weak values: {cause:?}")
                }
                _ => {}
            }
        }
        // Eviction only for room: an insert into a full count-bounded map
        // evicts exactly one entry, one into a map with room none.
        if let (Some((k, _)), false) = (added, weighted) {
            let room = capacity.saturating_sub(len_before);
            let expected = usize::from(room == 0);
            let evicted_itself = !model.contains_key(&k);
            assert_eq!(
                size_evictions, expected,
                "{op:?} at {len_before}/{capacity}, evicted itself: {evicted_itself}"
            );
        }

        let got: HashMap<u8, u32> = m.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(got, model, "after {op:?} (events {events:?})");
        assert_eq!(m.len(), model.len());
        assert!(m.len() <= capacity);
        if weighted {
            let total: u64 = model.values().map(|&v| weight(v, true)).sum();
            assert_eq!(m.weight(), total, "after {op:?}");
            assert!(m.weight() <= max_weight);
        }
        common::assert_consistent(&m);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn count_bounded_tinylfu_map_matches_the_model(
        ops in prop::collection::vec(op(), 1..200),
        capacity in 0usize..12,
    ) {
        run(ops, capacity, None);
    }

    #[test]
    fn weight_bounded_tinylfu_map_matches_the_model(
        ops in prop::collection::vec(op(), 1..200),
        capacity in prop_oneof![Just(usize::MAX), 0usize..12],
        max_weight in 0u64..24,
    ) {
        run(ops, capacity, Some(max_weight));
    }

    #[test]
    fn a_large_weight_bound_tinylfu_map_matches_the_model(
        ops in prop::collection::vec(op(), 1..200),
        max_weight in 20u64..400,
    ) {
        // Probation's share is then several entries, so room can be made
        // while it is under its share.
        run(ops, usize::MAX, Some(max_weight));
    }
}

/// Every value is dropped exactly once whatever TinyLFU evicts, promotes
/// and rotates: a long churn of drop-counting values over a small map.
#[test]
fn every_value_is_dropped_once_under_tinylfu_churn() {
    {
        let mut m = BoundedMap::builder()
            .capacity(50)
            .policy(Policy::TinyLfu)
            .build();
        for i in 0..20_000u64 {
            // A skewed key stream: a hot few and a long tail.
            let k = if i % 3 == 0 { i % 7 } else { i % 500 };
            if m.get(&k).is_none() {
                m.insert(k, common::Tracked::new());
            }
            if i % 97 == 0 {
                m.remove(&(i % 500));
            }
        }
        assert_eq!(m.len(), 50);
        assert!(common::live_tracked() >= 50);
    }
    common::assert_all_dropped_once();
}

/// What TinyLFU is for: a hot set survives a flood of one-off keys that
/// would flush an LRU map of the same size.
#[test]
fn a_scan_of_one_off_keys_does_not_flush_the_hot_set() {
    let mut lfu = BoundedMap::builder()
        .capacity(1_000)
        .policy(Policy::TinyLfu)
        .build();
    let mut lru = BoundedMap::new(1_000);
    for m in [&mut lfu, &mut lru] {
        for _ in 0..5 {
            for k in 0..500u64 {
                if m.get(&k).is_none() {
                    m.insert(k, k);
                }
            }
        }
        for k in 1_000_000..1_010_000u64 {
            if m.get(&k).is_none() {
                m.insert(k, k);
            }
        }
    }
    let hot_kept = |m: &BoundedMap<u64, u64>| (0..500u64).filter(|k| m.contains_key(k)).count();
    assert_eq!(hot_kept(&lru), 0, "LRU keeps only the scan");
    assert!(
        hot_kept(&lfu) >= 450,
        "TinyLFU kept {} of 500 hot keys",
        hot_kept(&lfu)
    );
}

/// A map with a TTI keeps LRU order whatever policy it was built with.
#[test]
fn a_tti_map_stays_lru() {
    let m = BoundedMap::<u8, u8>::builder()
        .tti(std::time::Duration::from_secs(1))
        .policy(Policy::TinyLfu)
        .build();
    assert_eq!(m.policy(), Policy::Lru);
}

/// Found in review: replacing a value with one that needs all the weight,
/// while main held only the entry being replaced and probation was under
/// its share, gave up making room and broke the weight bound (and then
/// underflowed on the next insert).
#[test]
fn a_replace_that_needs_all_the_weight_evicts_from_probation_too() {
    let mut m = BoundedMap::<u32, u64>::builder()
        .capacity(1_000)
        .max_weight(1_000)
        .weigher(|_, v| *v)
        .policy(Policy::TinyLfu)
        .build();
    m.insert(1, 1);
    m.insert(2, 1);
    m.insert(1, 1_000);
    assert_eq!(m.weight(), 1_000);
    assert_eq!(m.len(), 1);
    m.insert(3, 1);
    assert!(m.weight() <= 1_000, "weight {}", m.weight());
}
