//! Model test: random operation sequences on `BoundedMap` against a plain
//! `Vec` reference LRU, checking contents, order, the bound and every
//! listener call after each operation.

mod common;

use std::sync::{Arc, Mutex};

use leakless::bounded::Entry;
use leakless::{BoundedMap, EvictionCause};
use proptest::prelude::*;

type Event = (u8, u32, EvictionCause);

#[derive(Clone, Debug)]
enum Op {
    Insert(u8, u32),
    Get(u8),
    GetMut(u8),
    GetKeyValue(u8),
    Peek(u8),
    ContainsKey(u8),
    Remove(u8),
    PopLru,
    SetCapacity(usize),
    EntryOrInsert(u8, u32),
    EntryAndModify(u8),
    EntryRemove(u8),
    EntryReplace(u8, u32),
    GetOrInsertWith(u8, u32),
    Retain(u8),
    Clear,
    Drain(usize),
    IterMutAdd,
    Extend(Vec<(u8, u32)>),
}

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

/// The reference: entries most recent first, a bound by count and weight,
/// and the listener calls the map must make.
struct Model {
    entries: Vec<(u8, u32)>,
    capacity: usize,
    max_weight: u64,
    weighted: bool,
    parked: Option<(u8, u32)>,
    events: Vec<Event>,
}

/// The weigher of the weighted runs; 0 counts as 1, as documented.
fn weigh(_k: &u8, v: &u32) -> u64 {
    (*v % 7) as u64
}

impl Model {
    fn weight_of(&self, k: u8, v: u32) -> u64 {
        if self.weighted {
            weigh(&k, &v).max(1)
        } else {
            1
        }
    }

    fn total(&self) -> u64 {
        self.entries
            .iter()
            .map(|&(k, v)| self.weight_of(k, v))
            .sum()
    }

    fn admits(&self, w: u64) -> bool {
        self.capacity > 0 && w <= self.max_weight
    }

    fn pos(&self, k: u8) -> Option<usize> {
        self.entries.iter().position(|e| e.0 == k)
    }

    fn touch(&mut self, k: u8) -> Option<u32> {
        let i = self.pos(k)?;
        let e = self.entries.remove(i);
        self.entries.insert(0, e);
        Some(e.1)
    }

    fn evict_back(&mut self, cause: EvictionCause) {
        let (k, v) = self.entries.pop().expect("evict from an empty model");
        self.events.push((k, v, cause));
    }

    fn unpark(&mut self) {
        if let Some((k, v)) = self.parked.take() {
            self.events.push((k, v, EvictionCause::Size));
        }
    }

    /// Evicts from the back until `w` more fits beside `others_total`.
    fn make_room(&mut self, w: u64, others_total: impl Fn(&Model) -> u64) {
        while self.max_weight - others_total(self) < w {
            self.evict_back(EvictionCause::Size);
        }
    }

    /// `insert`; returns the old value the map must hand back.
    fn insert(&mut self, k: u8, v: u32) -> Option<u32> {
        self.unpark();
        let w = self.weight_of(k, v);
        match self.pos(k) {
            Some(i) if self.admits(w) => {
                let old = self.entries[i].1;
                self.touch(k);
                self.entries[0].1 = v;
                self.make_room(w, |m| m.total() - m.weight_of(k, v));
                Some(old)
            }
            Some(i) => {
                let (_, old) = self.entries.remove(i);
                self.events.push((k, v, EvictionCause::Size));
                Some(old)
            }
            None if self.admits(w) => {
                self.insert_new(k, v, w);
                None
            }
            None => {
                self.events.push((k, v, EvictionCause::Size));
                None
            }
        }
    }

    fn insert_new(&mut self, k: u8, v: u32, w: u64) {
        self.make_room(w, Model::total);
        if self.entries.len() >= self.capacity {
            self.evict_back(EvictionCause::Size);
        }
        self.entries.insert(0, (k, v));
    }

    /// The vacant branch of the Entry API: store or park.
    fn insert_vacant(&mut self, k: u8, v: u32) {
        let w = self.weight_of(k, v);
        if self.admits(w) {
            self.insert_new(k, v, w);
        } else {
            self.parked = Some((k, v));
        }
    }
}

fn run(ops: Vec<Op>, capacity: usize, max_weight: Option<u64>) {
    let log: Arc<Mutex<Vec<Event>>> = Arc::default();
    let sink = Arc::clone(&log);
    let builder = BoundedMap::<u8, u32>::builder()
        .capacity(capacity)
        .on_evict(move |k, v, c| sink.lock().unwrap().push((k, v, c)));
    let mut m = match max_weight {
        Some(w) => builder.max_weight(w).weigher(weigh).build(),
        None => builder.build(),
    };
    let mut model = Model {
        entries: Vec::new(),
        capacity,
        max_weight: max_weight.unwrap_or(u64::MAX),
        weighted: max_weight.is_some(),
        parked: None,
        events: Vec::new(),
    };

    for op in ops {
        match op.clone() {
            Op::Insert(k, v) => assert_eq!(m.insert(k, v), model.insert(k, v)),
            Op::Get(k) => assert_eq!(m.get(&k).copied(), model.touch(k)),
            Op::GetMut(k) => {
                model.unpark();
                let got = m.get_mut(&k).map(|v| {
                    // Keep the weight: the map does not re-weigh through &mut.
                    *v += 7;
                    *v
                });
                let want = model.touch(k).map(|v| {
                    model.entries[0].1 = v + 7;
                    v + 7
                });
                assert_eq!(got, want);
            }
            Op::GetKeyValue(k) => {
                let got = m.get_key_value(&k).map(|(k, v)| (*k, *v));
                assert_eq!(got, model.touch(k).map(|v| (k, v)));
            }
            Op::Peek(k) => {
                let want = model.pos(k).map(|i| model.entries[i].1);
                assert_eq!(m.peek(&k).copied(), want);
            }
            Op::ContainsKey(k) => assert_eq!(m.contains_key(&k), model.pos(k).is_some()),
            Op::Remove(k) => {
                model.unpark();
                let want = model.pos(k).map(|i| model.entries.remove(i).1);
                assert_eq!(m.remove(&k), want);
            }
            Op::PopLru => {
                model.unpark();
                assert_eq!(m.pop_lru(), model.entries.pop());
            }
            Op::SetCapacity(c) => {
                model.unpark();
                model.capacity = c;
                while model.entries.len() > c {
                    model.evict_back(EvictionCause::Size);
                }
                m.set_capacity(c);
            }
            Op::EntryOrInsert(k, v) => {
                model.unpark();
                let got = *m.entry(k).or_insert(v);
                let want = match model.touch(k) {
                    Some(old) => old,
                    None => {
                        model.insert_vacant(k, v);
                        v
                    }
                };
                assert_eq!(got, want);
            }
            Op::EntryAndModify(k) => {
                model.unpark();
                m.entry(k).and_modify(|v| *v += 7);
                if model.touch(k).is_some() {
                    model.entries[0].1 += 7;
                }
            }
            Op::EntryRemove(k) => {
                model.unpark();
                let got = match m.entry(k) {
                    Entry::Occupied(o) => Some(o.remove_entry()),
                    Entry::Vacant(_) => None,
                };
                let want = model.pos(k).map(|i| model.entries.remove(i));
                assert_eq!(got, want);
            }
            Op::EntryReplace(k, v) => {
                model.unpark();
                let got = match m.entry(k) {
                    Entry::Occupied(o) => Some(o.insert(v)),
                    Entry::Vacant(_) => None,
                };
                let want = if model.pos(k).is_some() {
                    // Same path as insert over a present key, minus the unpark.
                    model.insert(k, v)
                } else {
                    None
                };
                assert_eq!(got, want);
            }
            Op::GetOrInsertWith(k, v) => {
                model.unpark();
                let got = *m.get_or_insert_with(k, || v);
                let want = match model.touch(k) {
                    Some(old) => old,
                    None => {
                        model.insert_vacant(k, v);
                        v
                    }
                };
                assert_eq!(got, want);
            }
            Op::Retain(d) => {
                model.unpark();
                m.retain(|k, _| k % d != 0);
                let (keep, gone): (Vec<_>, Vec<_>) =
                    model.entries.iter().partition(|(k, _)| k % d != 0);
                model.events.extend(
                    gone.iter()
                        .rev()
                        .map(|&(k, v)| (k, v, EvictionCause::Explicit)),
                );
                model.entries = keep;
            }
            Op::Clear => {
                model.unpark();
                m.clear();
                let all = std::mem::take(&mut model.entries);
                model.events.extend(
                    all.into_iter()
                        .rev()
                        .map(|(k, v)| (k, v, EvictionCause::Explicit)),
                );
            }
            Op::Drain(n) => {
                model.unpark();
                let got: Vec<_> = m.drain().take(n).collect();
                let all = std::mem::take(&mut model.entries);
                assert_eq!(got, all[..n.min(all.len())]);
            }
            Op::IterMutAdd => {
                model.unpark();
                for (_, v) in m.iter_mut() {
                    *v = v.wrapping_add(1);
                }
                // Only weight-neutral changes (+1 changes v % 7): keep the
                // model's weights by adding 7 instead in weighted runs.
                for e in &mut model.entries {
                    e.1 = e.1.wrapping_add(1);
                }
                if model.weighted {
                    for (_, v) in m.iter_mut() {
                        *v = v.wrapping_add(6);
                    }
                    for e in &mut model.entries {
                        e.1 = e.1.wrapping_add(6);
                    }
                }
            }
            Op::Extend(pairs) => {
                m.extend(pairs.iter().copied());
                for (k, v) in pairs {
                    if let Some(old) = model.insert(k, v) {
                        model.events.push((k, old, EvictionCause::Replaced));
                    }
                }
            }
        }

        // Everything the map holds, in order, and every listener call.
        let got: Vec<_> = m.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(got, model.entries, "after {op:?}");
        assert_eq!(m.len(), model.entries.len());
        assert!(m.len() <= m.capacity());
        if model.weighted {
            assert_eq!(m.weight(), model.total(), "after {op:?}");
            assert!(m.weight() <= model.max_weight);
        }
        let events = std::mem::take(&mut *log.lock().unwrap());
        assert_eq!(events, std::mem::take(&mut model.events), "after {op:?}");
        common::assert_consistent(&m);
        // `Debug` prints in the same order as iteration.
        let debug = format!("{m:?}");
        let expected = format!(
            "{{{}}}",
            model
                .entries
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert_eq!(debug, expected);
    }
    model.unpark();
    drop(m);
    let events = std::mem::take(&mut *log.lock().unwrap());
    assert_eq!(events, model.events, "at drop");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn count_bounded_map_matches_the_model(
        ops in prop::collection::vec(op(), 1..120),
        capacity in 0usize..10,
    ) {
        run(ops, capacity, None);
    }

    #[test]
    fn weight_bounded_map_matches_the_model(
        ops in prop::collection::vec(op(), 1..120),
        capacity in prop_oneof![Just(usize::MAX), 0usize..10],
        max_weight in 0u64..20,
    ) {
        run(ops, capacity, Some(max_weight));
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
