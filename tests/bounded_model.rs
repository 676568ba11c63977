//! Model test: random operation sequences on `BoundedMap` against the
//! shared reference LRU (`common::model`), checking contents, order, the
//! bound and every listener call after each operation.

mod common;

use common::model::{self, Config, Op, Unsync};
use leakless::BoundedMap;
use proptest::prelude::*;

fn op() -> impl Strategy<Value = Op> {
    let key = 0u8..24;
    // Small values: `+ 7` never wraps, so it keeps an entry's weight (v % 7).
    let val = 0u32..1_000_000;
    prop_oneof![
        6 => (key.clone(), val.clone()).prop_map(|(k, v)| Op::Insert(k, v)),
        4 => key.clone().prop_map(Op::Get),
        1 => key.clone().prop_map(Op::GetMut),
        1 => key.clone().prop_map(Op::GetKeyValue),
        2 => key.clone().prop_map(Op::Peek),
        1 => key.clone().prop_map(Op::ContainsKey),
        2 => key.clone().prop_map(Op::Remove),
        1 => Just(Op::PopLru),
        1 => (0usize..12).prop_map(Op::SetCapacity),
        2 => (key.clone(), val.clone()).prop_map(|(k, v)| Op::EntryOrInsert(k, v)),
        1 => key.clone().prop_map(Op::EntryAndModify),
        1 => key.clone().prop_map(Op::EntryRemove),
        1 => (key.clone(), val.clone()).prop_map(|(k, v)| Op::EntryReplace(k, v)),
        2 => (key.clone(), val.clone()).prop_map(|(k, v)| Op::GetOrInsertWith(k, v)),
        1 => (2u8..5).prop_map(Op::Retain),
        1 => Just(Op::Clear),
        1 => (0usize..4).prop_map(Op::Drain),
        1 => Just(Op::IterMutAdd),
        1 => prop::collection::vec((key, val), 0..4).prop_map(Op::Extend),
    ]
}

/// The weigher of the weighted runs; 0 counts as 1, as documented.
fn weigh(v: u32) -> u64 {
    u64::from(v % 7)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn count_bounded_map_matches_the_model(
        ops in prop::collection::vec(op(), 1..120),
        capacity in 0usize..10,
    ) {
        model::run::<Unsync>(&ops, &Config::lru(capacity));
    }

    #[test]
    fn weight_bounded_map_matches_the_model(
        ops in prop::collection::vec(op(), 1..120),
        capacity in prop_oneof![Just(usize::MAX), 0usize..10],
        max_weight in 0u64..20,
    ) {
        model::run::<Unsync>(&ops, &Config::lru(capacity).weighted(Some(max_weight), weigh));
    }
}

#[test]
fn iterators_are_exact_size_and_double_ended() {
    let mut m = BoundedMap::new(10);
    for i in 0..5 {
        m.insert(i, i * 10);
    }
    let mut it = m.iter();
    assert_eq!(it.len(), 5);
    assert_eq!(it.next(), Some((&4, &40)));
    assert_eq!(it.next_back(), Some((&0, &0)));
    assert_eq!(it.len(), 3);
    assert_eq!(it.collect::<Vec<_>>(), [(&3, &30), (&2, &20), (&1, &10)]);
    assert_eq!(m.keys().rev().copied().collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
    assert_eq!(m.values().len(), 5);
    let mut im = m.iter_mut();
    assert_eq!(im.next_back().map(|(k, _)| *k), Some(0));
    assert_eq!(im.len(), 4);
    let mut owned = m.clone().into_iter();
    assert_eq!(owned.next_back(), Some((0, 0)));
    assert_eq!(owned.len(), 4);
    assert_eq!(
        m.drain().rev().map(|(k, _)| k).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4]
    );
}

#[test]
fn clone_is_deep_and_equal() {
    let mut m = BoundedMap::new(3);
    m.insert("a".to_string(), vec![1]);
    m.insert("b".to_string(), vec![2]);
    let mut c = m.clone();
    assert_eq!(c, m);
    c.get_mut("a").unwrap().push(9);
    assert_eq!(m["a"], [1]);
    assert_ne!(c, m);
}

#[test]
fn maps_are_send() {
    fn is_send<T: Send>(_: &T) {}
    let m = BoundedMap::<String, Vec<u8>>::builder()
        .capacity(1)
        .on_evict(|_, _, _| {})
        .weigher(|_, v| v.len() as u64)
        .build();
    is_send(&m);
    std::thread::spawn(move || drop(m)).join().unwrap();
}
