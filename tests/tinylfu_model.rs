//! Model test for `Policy::TinyLfu`: random operation sequences against
//! the shared reference (`common::model`), which learns the victims.
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

use common::model::{self, Config, Op, Unsync};
use leakless::{BoundedMap, Policy};
use proptest::prelude::*;

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
fn weigh(v: u32) -> u64 {
    if v.is_multiple_of(16) {
        u64::from(v % 300)
    } else {
        u64::from(v % 7)
    }
}

fn config(capacity: usize, max_weight: Option<u64>) -> Config {
    Config::lru(capacity).weighted(max_weight, weigh).tinylfu()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn count_bounded_tinylfu_map_matches_the_model(
        ops in prop::collection::vec(op(), 1..200),
        capacity in 0usize..12,
    ) {
        model::run::<Unsync>(&ops, &config(capacity, None));
    }

    #[test]
    fn weight_bounded_tinylfu_map_matches_the_model(
        ops in prop::collection::vec(op(), 1..200),
        capacity in prop_oneof![Just(usize::MAX), 0usize..12],
        max_weight in 0u64..24,
    ) {
        model::run::<Unsync>(&ops, &config(capacity, Some(max_weight)));
    }

    #[test]
    fn a_large_weight_bound_tinylfu_map_matches_the_model(
        ops in prop::collection::vec(op(), 1..200),
        max_weight in 20u64..400,
    ) {
        // Probation's share is then several entries, so room can be made
        // while it is under its share.
        model::run::<Unsync>(&ops, &config(usize::MAX, Some(max_weight)));
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
                m.insert(k, common::DropCounted::unit());
            }
            if i % 97 == 0 {
                m.remove(&(i % 500));
            }
        }
        assert_eq!(m.len(), 50);
        assert!(common::live_counted() >= 50);
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
