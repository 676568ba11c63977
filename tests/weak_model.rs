//! Model tests for the weak maps: random inserts, lookups, removals and
//! drops of the strong references, against a `HashMap` of the values'
//! owners; plus drop accounting for `WeakKeyMap`'s values and the churn
//! bounds that `weak-table` fails.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::{assert_all_dropped_once, DropCounted};
use leakless::{WeakKeyMap, WeakValueMap};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    /// Insert key → a new value (owned by the model's pool slot `owner`).
    Insert(u8, u8),
    /// Insert key → the value already in pool slot `owner`, if any.
    InsertShared(u8, u8),
    /// Drop the pool's strong reference in slot `owner`.
    Drop(u8),
    Get(u8),
    Contains(u8),
    Remove(u8),
    Retain(u8),
    Purge(usize),
    PurgeAll,
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0u8..16;
    let owner = 0u8..8;
    prop_oneof![
        6 => (key.clone(), owner.clone()).prop_map(|(k, o)| Op::Insert(k, o)),
        2 => (key.clone(), owner.clone()).prop_map(|(k, o)| Op::InsertShared(k, o)),
        4 => owner.prop_map(Op::Drop),
        4 => key.clone().prop_map(Op::Get),
        1 => key.clone().prop_map(Op::Contains),
        2 => key.prop_map(Op::Remove),
        1 => (2u8..4).prop_map(Op::Retain),
        1 => (0usize..6).prop_map(Op::Purge),
        1 => Just(Op::PurgeAll),
        1 => Just(Op::Clear),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn weak_value_map_matches_model(ops in prop::collection::vec(op(), 1..200)) {
        let mut map: WeakValueMap<u8, u32> = WeakValueMap::new();
        // The strong references the "application" holds, by owner slot.
        let mut pool: Vec<Option<Arc<u32>>> = vec![None; 8];
        // The model: key -> the Arc's identity it was last given (weakly).
        let mut model: HashMap<u8, std::sync::Weak<u32>> = HashMap::new();
        let mut next = 0u32;
        for op in ops {
            match op {
                Op::Insert(k, o) => {
                    next += 1;
                    let v = Arc::new(next);
                    let old = map.insert(k, &v);
                    let expect = model.insert(k, Arc::downgrade(&v)).and_then(|w| w.upgrade());
                    prop_assert_eq!(old, expect);
                    pool[o as usize] = Some(v);
                }
                Op::InsertShared(k, o) => {
                    if let Some(v) = pool[o as usize].clone() {
                        let old = map.insert(k, &v);
                        let expect = model.insert(k, Arc::downgrade(&v)).and_then(|w| w.upgrade());
                        prop_assert_eq!(old, expect);
                    }
                }
                Op::Drop(o) => pool[o as usize] = None,
                Op::Get(k) => {
                    let expect = model.get(&k).and_then(|w| w.upgrade());
                    prop_assert_eq!(map.get(&k), expect);
                }
                Op::Contains(k) => {
                    let expect = model.get(&k).is_some_and(|w| w.strong_count() > 0);
                    prop_assert_eq!(map.contains_key(&k), expect);
                }
                Op::Remove(k) => {
                    let expect = model.remove(&k).and_then(|w| w.upgrade());
                    prop_assert_eq!(map.remove(&k), expect);
                }
                Op::Retain(m) => {
                    map.retain(|_, v| **v % u32::from(m) != 0);
                    model.retain(|_, w| w.upgrade().is_some_and(|v| *v % u32::from(m) != 0));
                }
                Op::Purge(n) => {
                    map.purge(n);
                }
                Op::PurgeAll => {
                    map.purge_all();
                    model.retain(|_, w| w.strong_count() > 0);
                    prop_assert_eq!(map.len(), model.len());
                }
                Op::Clear => {
                    map.clear();
                    model.clear();
                }
            }
            // The live view is exactly the model's live entries.
            let mut live: Vec<(u8, u32)> = map.iter().map(|(k, v)| (*k, *v)).collect();
            live.sort_unstable();
            let mut expect: Vec<(u8, u32)> = model
                .iter()
                .filter_map(|(k, w)| w.upgrade().map(|v| (*k, *v)))
                .collect();
            expect.sort_unstable();
            prop_assert_eq!(&live, &expect);
            prop_assert_eq!(map.live_len(), expect.len());
            prop_assert!(map.len() >= expect.len());
            // Nothing dead is stored that the model does not know of.
            prop_assert!(map.len() <= model.len());
        }
    }

    #[test]
    fn weak_key_map_matches_model_and_drops_every_value_once(
        ops in prop::collection::vec(op(), 1..200),
    ) {
        {
            let mut map: WeakKeyMap<u8, DropCounted> = WeakKeyMap::new();
            // Keys are objects; the pool owns them. The model: for each
            // live object, the id of the value attached to it.
            let mut pool: Vec<Option<Arc<u8>>> = vec![None; 8];
            let mut model: Vec<(std::sync::Weak<u8>, u64)> = Vec::new();
            let find = |model: &Vec<(std::sync::Weak<u8>, u64)>, k: &Arc<u8>| {
                model.iter().position(|(w, _)| std::ptr::eq(w.as_ptr(), Arc::as_ptr(k)))
            };
            for op in ops {
                match op {
                    Op::Insert(k, o) | Op::InsertShared(k, o) => {
                        let key = pool[o as usize].get_or_insert_with(|| Arc::new(k)).clone();
                        let v = DropCounted::unit();
                        let id = v.id();
                        let old = map.insert(&key, v).map(|t| t.id());
                        let expect = match find(&model, &key) {
                            Some(i) => Some(std::mem::replace(&mut model[i].1, id)),
                            None => {
                                model.push((Arc::downgrade(&key), id));
                                None
                            }
                        };
                        prop_assert_eq!(old, expect);
                    }
                    Op::Drop(o) => pool[o as usize] = None,
                    Op::Get(o) | Op::Contains(o) => {
                        if let Some(key) = &pool[o as usize % 8] {
                            let expect = find(&model, key).map(|i| model[i].1);
                            prop_assert_eq!(map.get(key).map(|t| t.id()), expect);
                            prop_assert_eq!(map.contains_key(key), expect.is_some());
                        }
                    }
                    Op::Remove(o) => {
                        if let Some(key) = pool[o as usize % 8].clone() {
                            let expect = find(&model, &key).map(|i| model.swap_remove(i).1);
                            prop_assert_eq!(map.remove(&key).map(|t| t.id()), expect);
                        }
                    }
                    Op::Retain(m) => {
                        map.retain(|_, v| v.id() % u64::from(m) != 0);
                        model.retain(|(w, id)| w.strong_count() > 0 && id % u64::from(m) != 0);
                    }
                    Op::Purge(n) => {
                        map.purge(n);
                    }
                    Op::PurgeAll => {
                        map.purge_all();
                        model.retain(|(w, _)| w.strong_count() > 0);
                        prop_assert_eq!(map.len(), model.len());
                    }
                    Op::Clear => {
                        map.clear();
                        model.clear();
                    }
                }
                let mut live: Vec<u64> = map.iter().map(|(_, v)| v.id()).collect();
                live.sort_unstable();
                let mut expect: Vec<u64> = model
                    .iter()
                    .filter(|(w, _)| w.strong_count() > 0)
                    .map(|(_, id)| *id)
                    .collect();
                expect.sort_unstable();
                prop_assert_eq!(&live, &expect);
                prop_assert_eq!(map.live_len(), expect.len());
            }
        }
        assert_all_dropped_once();
    }
}

#[test]
fn reinserting_a_key_is_never_undone_by_the_old_values_death() {
    let mut m = WeakValueMap::new();
    let old = Arc::new("old");
    m.insert(1, &old);
    let new = Arc::new("new");
    m.insert(1, &new);
    drop(old);
    for _ in 0..100 {
        m.purge(10);
        m.insert(2, &Arc::new("churn"));
    }
    assert_eq!(m.get(&1).as_deref(), Some(&"new"));
}

#[test]
fn a_dead_keys_value_is_dropped_by_purging() {
    let mut m = WeakKeyMap::new();
    let key = Arc::new(());
    let value = Arc::new(0u8);
    m.insert(&key, Arc::clone(&value));
    assert_eq!(Arc::strong_count(&value), 2);
    drop(key);
    assert_eq!(m.purge_all(), 1);
    assert_eq!(Arc::strong_count(&value), 1, "the map still held the value");
}

#[test]
fn churn_does_not_grow_the_table_past_what_live_entries_need() {
    // 1M live entries, then 2M insert-then-drop: weak-table reaches 2^22
    // buckets here; a table of 2^21 buckets holds 1,835,008 entries.
    const LIVE: usize = 1_000_000;
    let keep: Vec<Arc<u64>> = (0..LIVE as u64).map(Arc::new).collect();
    let mut m = WeakValueMap::new();
    for v in &keep {
        m.insert(**v, v);
    }
    let mut worst_dead = 0;
    for i in 0..2_000_000u64 {
        let v = Arc::new(i);
        m.insert(LIVE as u64 + i, &v);
        drop(v);
        if i % 1000 == 0 {
            worst_dead = worst_dead.max(m.len() - LIVE);
        }
    }
    assert!(
        m.capacity() <= 1_835_008,
        "table grew to {} entries",
        m.capacity()
    );
    assert!(
        worst_dead <= LIVE / 2 + 64,
        "{worst_dead} dead entries beside {LIVE} live"
    );
    assert_eq!(m.live_len(), LIVE);
}

#[test]
fn retain_and_purge_all_give_memory_back() {
    use std::sync::Arc;
    let keep: Vec<Arc<u64>> = (0..100_000).map(Arc::new).collect();
    let mut values = leakless::WeakValueMap::new();
    let mut keys = leakless::WeakKeyMap::new();
    for v in &keep {
        values.insert(**v, v);
        keys.insert(v, **v);
    }
    let full = (values.stats().bytes, keys.stats().bytes);
    values.retain(|k, _| *k < 10);
    keys.retain(|k, _| **k < 10);
    assert_eq!((values.len(), keys.len()), (10, 10));
    assert!(
        values.stats().bytes < full.0 / 100,
        "retain kept {} of {} B",
        values.stats().bytes,
        full.0
    );
    assert!(
        keys.stats().bytes < full.1 / 100,
        "retain kept {} of {} B",
        keys.stats().bytes,
        full.1
    );

    let mut dying = leakless::WeakValueMap::new();
    let owners: Vec<Arc<u64>> = (0..100_000).map(Arc::new).collect();
    for v in &owners {
        dying.insert(**v, v);
    }
    drop(owners); // every value dies at once, after the inserts
    let before = dying.stats().bytes;
    dying.purge_all();
    assert!(dying.is_empty());
    assert!(
        dying.stats().bytes < before / 100,
        "purge_all kept {} of {before} B",
        dying.stats().bytes
    );
}
