//! Drop accounting and panic safety of `BoundedMap`: every value inserted is
//! dropped exactly once, whatever path it leaves by, and a panicking `Hash`,
//! `Eq`, weigher or listener leaves the map consistent and leaks nothing.

mod common;

use std::cell::Cell;
use std::hash::{Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};

use common::model::Op;
use common::{assert_all_dropped_once, assert_consistent, quiet_injected_panics, DropCounted};
use leakless::{BoundedMap, Policy};
use proptest::prelude::*;

thread_local! {
    /// Panic on every Nth call of each user hook (0: never).
    static EVERY: Cell<[u32; 4]> = const { Cell::new([0; 4]) };
    static CALLS: Cell<[u32; 4]> = const { Cell::new([0; 4]) };
}

const HASH: usize = 0;
const EQ: usize = 1;
const WEIGH: usize = 2;
const LISTEN: usize = 3;

/// Counts a call of hook `h` and panics if it is the chosen one.
fn maybe_panic(h: usize) {
    let every = EVERY.with(Cell::get)[h];
    if every == 0 {
        return;
    }
    let mut calls = CALLS.with(Cell::get);
    calls[h] += 1;
    CALLS.with(|c| c.set(calls));
    if calls[h].is_multiple_of(every) {
        panic!("injected panic in hook {h}");
    }
}

fn arm(every: [u32; 4]) {
    quiet_injected_panics();
    EVERY.with(|e| e.set(every));
}

/// A key whose `Hash` and `Eq` panic on demand.
#[derive(Debug, Clone, Copy)]
struct Key(u8);

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        maybe_panic(HASH);
        self.0.hash(state);
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        maybe_panic(EQ);
        self.0 == other.0
    }
}

impl Eq for Key {}

/// The calls, from the shared alphabet (their values unused: the values
/// here only count their drops).
fn op() -> impl Strategy<Value = Op> {
    let key = 0u8..16;
    prop_oneof![
        6 => key.clone().prop_map(|k| Op::Insert(k, 0)),
        3 => key.clone().prop_map(Op::Get),
        2 => key.clone().prop_map(|k| Op::GetOrInsertWith(k, 0)),
        2 => key.clone().prop_map(|k| Op::EntryOrInsert(k, 0)),
        2 => key.clone().prop_map(Op::Remove),
        1 => Just(Op::PopLru),
        1 => (0usize..8).prop_map(Op::SetCapacity),
        1 => (2u8..4).prop_map(Op::Retain),
        1 => Just(Op::Clear),
        1 => (0usize..3).prop_map(Op::Drain),
        1 => prop::collection::vec(key, 0..4)
            .prop_map(|ks| Op::Extend(ks.into_iter().map(|k| (k, 0)).collect())),
        1 => (0usize..3).prop_map(Op::IntoIterPartly),
    ]
}

type Map = BoundedMap<Key, DropCounted>;

fn apply(m: &mut Map, op: &Op) {
    match *op {
        Op::Insert(k, _) => drop(m.insert(Key(k), DropCounted::unit())),
        Op::Get(k) => drop(m.get(&Key(k))),
        Op::GetOrInsertWith(k, _) => drop(m.get_or_insert_with(Key(k), DropCounted::unit)),
        Op::EntryOrInsert(k, _) => drop(m.entry(Key(k)).or_insert_with(DropCounted::unit)),
        Op::Remove(k) => drop(m.remove(&Key(k))),
        Op::PopLru => drop(m.pop_lru()),
        Op::SetCapacity(c) => m.set_capacity(c),
        Op::Retain(d) => m.retain(|k, _| k.0 % d != 0),
        Op::Clear => m.clear(),
        Op::Drain(n) => m.drain().take(n).for_each(drop),
        Op::Extend(ref ks) => m.extend(ks.iter().map(|&(k, _)| (Key(k), DropCounted::unit()))),
        Op::IntoIterPartly(n) => {
            let taken = std::mem::replace(m, build(m.capacity(), m.max_weight(), m.policy()));
            taken.into_iter().take(n).for_each(drop);
        }
        ref op => unreachable!("{op:?} is not drawn here"),
    }
}

fn build(capacity: usize, max_weight: Option<u64>, policy: Policy) -> Map {
    let b = BoundedMap::<Key, DropCounted>::builder()
        .capacity(capacity)
        .policy(policy)
        .on_evict(|_k, v, _cause| {
            maybe_panic(LISTEN);
            drop(v);
        });
    match max_weight {
        Some(w) => b
            .max_weight(w)
            .weigher(|k, _| {
                maybe_panic(WEIGH);
                u64::from(k.0 % 4)
            })
            .build(),
        None => b.build(),
    }
}

fn policy(tinylfu: bool) -> Policy {
    if tinylfu {
        Policy::TinyLfu
    } else {
        Policy::Lru
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// No panics: every value leaves exactly once, by whatever path.
    #[test]
    fn every_value_is_dropped_exactly_once(
        ops in prop::collection::vec(op(), 1..100),
        capacity in 0usize..8,
        max_weight in prop::option::of(0u64..12),
        tinylfu in any::<bool>(),
    ) {
        arm([0; 4]);
        let mut m = build(capacity, max_weight, policy(tinylfu));
        for op in &ops {
            apply(&mut m, op);
        }
        drop(m);
        assert_all_dropped_once();
    }

    /// User hooks panic now and then: the map stays consistent after every
    /// unwound call, and still drops every value exactly once.
    #[test]
    fn panicking_hooks_leave_the_map_consistent(
        ops in prop::collection::vec(op(), 1..100),
        capacity in 0usize..8,
        max_weight in prop::option::of(0u64..12),
        every in [3u32..12, 3u32..12, 2u32..6, 2u32..5],
        tinylfu in any::<bool>(),
    ) {
        let mut m = build(capacity, max_weight, policy(tinylfu));
        let mut panics = 0;
        for op in &ops {
            arm(every);
            let result = catch_unwind(AssertUnwindSafe(|| apply(&mut m, op)));
            panics += result.is_err() as u32;
            arm([0; 4]);
            assert_consistent(&m);
        }
        drop(m);
        assert_all_dropped_once();
        let _ = panics;
    }
}

#[test]
fn injected_panics_do_happen() {
    // Guards the test above against silently never panicking.
    let mut m = build(4, Some(8), Policy::Lru);
    arm([2, 0, 0, 0]);
    let r = catch_unwind(AssertUnwindSafe(|| {
        for k in 0..10 {
            m.insert(Key(k), DropCounted::unit());
        }
    }));
    arm([0; 4]);
    assert!(r.is_err());
    assert_consistent(&m);
    drop(m);
    assert_all_dropped_once();
}

#[test]
fn a_listener_that_always_panics_loses_nothing_and_keeps_the_bound() {
    for policy in [Policy::Lru, Policy::TinyLfu] {
        listener_always_panics(policy);
    }
}

fn listener_always_panics(policy: Policy) {
    let mut m = build(2, None, policy);
    arm([0, 0, 0, 1]);
    for k in 0..10 {
        let _ = catch_unwind(AssertUnwindSafe(|| m.insert(Key(k), DropCounted::unit())));
        assert!(m.len() <= 2);
    }
    let _ = catch_unwind(AssertUnwindSafe(|| m.clear()));
    arm([0; 4]);
    assert!(m.is_empty());
    assert_consistent(&m);
    drop(m);
    assert_all_dropped_once();
}

#[test]
fn a_panicking_get_or_insert_closure_changes_nothing() {
    let mut m = build(2, None, Policy::Lru);
    m.insert(Key(1), DropCounted::unit());
    m.insert(Key(2), DropCounted::unit());
    let r = catch_unwind(AssertUnwindSafe(|| {
        m.get_or_insert_with(Key(3), || panic!("init failed"));
    }));
    assert!(r.is_err());
    // Nothing was evicted for the value that never came.
    assert_eq!(m.keys().map(|k| k.0).collect::<Vec<_>>(), [2, 1]);
    drop(m);
    assert_all_dropped_once();
}

#[test]
fn a_hash_panic_while_a_tinylfu_replace_makes_room_shelters_nothing() {
    // Replacing a value with a heavier one makes room while the entry is
    // kept from being its own victim; a `Hash` panicking then must not
    // shelter it for good, nor let the bounds slip.
    let mut panicked = 0;
    for every in 1..8 {
        let mut m = BoundedMap::<Key, u64>::builder()
            .capacity(6)
            .max_weight(6)
            .weigher(|_, v| *v)
            .policy(Policy::TinyLfu)
            .build();
        for k in 0..6 {
            m.insert(Key(k), 1);
        }
        for k in 0..6 {
            m.get(&Key(k)); // hits: every entry goes to main when room is made
        }
        CALLS.with(|c| c.set([0; 4]));
        arm([every, 0, 0, 0]);
        panicked += catch_unwind(AssertUnwindSafe(|| m.insert(Key(5), 4))).is_err() as u32;
        arm([0; 4]);
        for k in 0..40 {
            m.insert(Key(k), 1 + u64::from(k % 3));
            assert!(m.len() <= 6 && m.weight() <= 6);
            assert_consistent(&m);
        }
    }
    assert!(panicked > 0, "no injected panic hit the replace");
}
