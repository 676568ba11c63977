//! `Arena` against a `HashMap<u64, T>` reference with random removals and
//! reuses: every live handle finds its value, every stale handle misses and
//! says why; the handle types' promises; and the version wrap, driven for
//! real (release mode only: `cargo test --release --test arena -- --ignored`,
//! which `.ci/run` does).

mod common;

use std::collections::HashMap;

use common::{assert_all_dropped_once, DropCounted};
use leakless::{Arena, Handle, SideTable, Staleness};
use proptest::prelude::*;

#[leakless::handle]
/// Documented, with an attribute of its own kept.
#[allow(clippy::module_name_repetitions)]
pub struct NodeId;

#[derive(Clone, Debug)]
enum Op {
    Insert,
    Remove(usize),
    Get(usize),
    Retain(u64),
    Drain,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => Just(Op::Insert),
        4 => (0usize..64).prop_map(Op::Remove),
        4 => (0usize..64).prop_map(Op::Get),
        1 => (2u64..4).prop_map(Op::Retain),
        1 => Just(Op::Drain),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arena_matches_a_hashmap_and_stale_handles_always_miss(
        ops in prop::collection::vec(op(), 1..300),
    ) {
        {
            let mut arena: Arena<NodeId, DropCounted> = Arena::new();
            let mut side: SideTable<NodeId, u64> = SideTable::new();
            // Reference: id of the value -> handle, for live entries.
            let mut model: HashMap<u64, NodeId> = HashMap::new();
            // Every handle ever issued, live or not.
            let mut issued: Vec<(NodeId, u64)> = Vec::new();
            for op in ops {
                match op {
                    Op::Insert => {
                        let v = DropCounted::unit();
                        let id = v.id();
                        let h = arena.insert(v);
                        prop_assert!(!issued.iter().any(|(old, _)| *old == h), "handle reissued");
                        model.insert(id, h);
                        issued.push((h, id));
                        side.insert(h, id);
                    }
                    Op::Remove(i) => {
                        if let Some(&(h, id)) = issued.get(i % issued.len().max(1)) {
                            let expect = model.remove(&id).is_some();
                            prop_assert_eq!(arena.remove(h).map(|v| v.id()), expect.then_some(id));
                        }
                    }
                    Op::Get(i) => {
                        if let Some(&(h, id)) = issued.get(i % issued.len().max(1)) {
                            let live = model.contains_key(&id);
                            prop_assert_eq!(arena.get(h).map(|v| v.id()), live.then_some(id));
                            if !live {
                                let err = arena.try_get(h).unwrap_err();
                                prop_assert_ne!(err.staleness(), Staleness::NeverIssued);
                                if let Staleness::Reused { version } = err.staleness() {
                                    prop_assert!(version != h.raw().version());
                                }
                            }
                        }
                    }
                    Op::Retain(m) => {
                        arena.retain(|_, v| v.id() % m != 0);
                        model.retain(|id, _| id % m != 0);
                    }
                    Op::Drain => {
                        let mut drained: Vec<u64> = arena.drain().map(|(_, v)| v.id()).collect();
                        drained.sort_unstable();
                        let mut expect: Vec<u64> = model.drain().map(|(id, _)| id).collect();
                        expect.sort_unstable();
                        prop_assert_eq!(drained, expect);
                    }
                }
                prop_assert_eq!(arena.len(), model.len());
                for (&id, &h) in &model {
                    prop_assert_eq!(arena.get(h).map(|v| v.id()), Some(id));
                }
                side.retain_valid(&arena);
                prop_assert_eq!(side.len(), model.len());
                for (h, id) in &issued {
                    prop_assert_eq!(side.get(*h).is_some(), model.contains_key(id));
                }
            }
        }
        assert_all_dropped_once();
    }
}

#[test]
fn handles_are_small_copy_ordered_and_debug_printable() {
    assert_eq!(std::mem::size_of::<NodeId>(), 8);
    assert_eq!(std::mem::size_of::<Option<NodeId>>(), 8);
    let mut a: Arena<NodeId, u8> = Arena::new();
    let x = a.insert(1);
    let y = x; // Copy
    assert_eq!(x, y);
    let z = a.insert(2);
    assert!(x < z || z < x);
    let shown = format!("{x:?}");
    assert!(
        shown.starts_with("NodeId(") && shown.contains('v'),
        "{shown}"
    );
}

#[test]
fn indexing_with_a_stale_handle_panics_naming_it() {
    let mut a: Arena<NodeId, &str> = Arena::new();
    let h = a.insert("x");
    a.remove(h);
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let msg = std::panic::catch_unwind(|| a[h])
        .unwrap_err()
        .downcast::<String>()
        .map(|s| *s)
        .unwrap_or_default();
    std::panic::set_hook(hook);
    assert!(
        msg.contains("stale handle NodeId(") && msg.contains("removed"),
        "{msg}"
    );
}

#[test]
fn a_handle_from_another_arena_was_never_issued() {
    let mut big: Arena<NodeId, ()> = Arena::new();
    let far = (0..10).map(|_| big.insert(())).last().unwrap();
    let small: Arena<NodeId, ()> = Arena::new();
    assert_eq!(
        small.try_get(far).unwrap_err().staleness(),
        Staleness::NeverIssued
    );
}

/// Drives one slot through 2^31 insert/remove cycles, to where slotmap's
/// version wraps and a handle from the first cycle would validate again.
/// About 5-10 s in release mode; ignored in debug `cargo test`.
#[test]
#[ignore = "release-mode stress: cargo test --release --test arena -- --ignored"]
fn a_slot_about_to_wrap_is_retired_and_no_stale_handle_ever_validates() {
    let mut a: Arena<NodeId, u32> = Arena::new();
    let first = a.insert(0);
    let slot = first.raw().index();
    a.remove(first);
    let mut last = first;
    let mut cycles = 0u64;
    let mut retired = false;
    // 2^31 cycles take the version through all its odd values; a few more
    // would wrap it if the slot were not retired.
    while cycles < (1 << 31) + 8 {
        let h = a.insert(1);
        if h.raw().index() != slot {
            // The slot was retired: the arena moved on to a fresh one.
            retired = true;
            break;
        }
        // Had the version wrapped, the very first handle would now work.
        assert!(
            a.get(first).is_none(),
            "stale handle validated after {cycles} cycles"
        );
        last = h;
        cycles += 1;
        a.remove(h);
    }
    assert!(retired, "the slot was never retired");
    assert!(
        cycles >= (1 << 31) - 2,
        "retired after only {cycles} cycles"
    );
    assert!(a.get(first).is_none(), "the first handle validates again");
    assert!(
        a.get(last).is_none(),
        "the retired slot's last handle validates"
    );
    assert_eq!(a.try_get(last).unwrap_err().staleness(), Staleness::Retired);
    assert_eq!(a.len(), 1);
}
