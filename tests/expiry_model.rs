//! Model test for expiry: random operations interleaved with random clock
//! advances, on maps with a TTL, a TTI, both, or neither plus per-entry
//! TTLs, against a `Vec` of (key, value, deadline, last use).
//!
//! The capacity here is never reached, so what the map shows must be
//! exactly the model's live entries, in recency order, after every step;
//! expired entries must never be visible, and every one of them must reach
//! the listener (cause `Expired`) exactly once, whenever the map purges it.
//! Bound pressure together with expiry is checked in `expiry_safety.rs`.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use leakless::bounded::Entry;
use leakless::{BoundedMap, EvictionCause, ManualClock};
use proptest::prelude::*;

const NEVER: u64 = u64::MAX;
const MS: u64 = 1_000_000;

#[derive(Clone, Debug)]
enum Op {
    Insert(u8, u32),
    /// A per-entry TTL in milliseconds (`u64::MAX`: `Duration::MAX`).
    InsertWithTtl(u8, u32, u64),
    Get(u8),
    GetMut(u8),
    Peek(u8),
    ContainsKey(u8),
    Remove(u8),
    PopLru,
    EntryOrInsert(u8, u32),
    EntryReplace(u8, u32),
    GetOrInsertWith(u8, u32),
    Retain(u8),
    IterMutAdd,
    PurgeExpired,
    /// Milliseconds.
    Advance(u64),
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0u8..12;
    let val = 0u32..1_000_000;
    let ttl_ms = prop_oneof![
        1 => Just(0u64),
        6 => 1u64..3_000,
        2 => 3_000u64..200_000_000, // up to a few days: every wheel level
        1 => Just(u64::MAX),
    ];
    let advance_ms = prop_oneof![
        8 => 0u64..1_500,
        2 => 1_500u64..100_000,
        1 => 100_000u64..1_000_000_000, // hours to weeks
    ];
    prop_oneof![
        5 => (key.clone(), val.clone()).prop_map(|(k, v)| Op::Insert(k, v)),
        4 => (key.clone(), val.clone(), ttl_ms).prop_map(|(k, v, t)| Op::InsertWithTtl(k, v, t)),
        4 => key.clone().prop_map(Op::Get),
        1 => key.clone().prop_map(Op::GetMut),
        2 => key.clone().prop_map(Op::Peek),
        1 => key.clone().prop_map(Op::ContainsKey),
        2 => key.clone().prop_map(Op::Remove),
        1 => Just(Op::PopLru),
        2 => (key.clone(), val.clone()).prop_map(|(k, v)| Op::EntryOrInsert(k, v)),
        1 => (key.clone(), val.clone()).prop_map(|(k, v)| Op::EntryReplace(k, v)),
        2 => (key.clone(), val.clone()).prop_map(|(k, v)| Op::GetOrInsertWith(k, v)),
        1 => (2u8..4).prop_map(Op::Retain),
        1 => Just(Op::IterMutAdd),
        1 => Just(Op::PurgeExpired),
        6 => advance_ms.prop_map(Op::Advance),
    ]
}

#[derive(Clone, Debug)]
struct Item {
    key: u8,
    value: u32,
    deadline: u64,
    used: u64,
}

/// The reference: entries most recent first (expired ones dropped eagerly),
/// and the evictions the map owes the listener, in any order.
struct Model {
    entries: Vec<Item>,
    ttl: u64,
    tti: u64,
    now: u64,
    owed: Vec<(u8, u32, EvictionCause)>,
}

impl Model {
    fn expired(&self, deadline: u64, used: u64) -> bool {
        let passed = |d: u64| d != NEVER && d <= self.now;
        passed(deadline) || passed(used.saturating_add(self.tti))
    }

    /// What has expired leaves the view; the map owes it to the listener.
    fn purge(&mut self) {
        let mut kept = Vec::new();
        for item in std::mem::take(&mut self.entries) {
            if self.expired(item.deadline, item.used) {
                self.owed
                    .push((item.key, item.value, EvictionCause::Expired));
            } else {
                kept.push(item);
            }
        }
        self.entries = kept;
    }

    fn position(&self, k: u8) -> Option<usize> {
        self.entries.iter().position(|e| e.key == k)
    }

    fn read(&mut self, k: u8) -> Option<u32> {
        self.purge();
        let i = self.position(k)?;
        let mut item = self.entries.remove(i);
        item.used = self.now;
        let v = item.value;
        self.entries.insert(0, item);
        Some(v)
    }

    /// A write with the map's TTL (`ttl_ms = None`) or a per-entry one;
    /// returns the live value it replaced.
    fn write(&mut self, k: u8, v: u32, ttl_ms: Option<u64>) -> Option<u32> {
        self.purge();
        let old = self.position(k).map(|i| self.entries.remove(i).value);
        let ttl = match ttl_ms {
            Some(u64::MAX) => NEVER,
            Some(ms) => ms * MS,
            None => self.ttl,
        };
        let deadline = self.now.saturating_add(ttl);
        if self.expired(deadline, self.now) {
            self.owed.push((k, v, EvictionCause::Expired));
        } else {
            self.entries.insert(
                0,
                Item {
                    key: k,
                    value: v,
                    deadline,
                    used: self.now,
                },
            );
        }
        old
    }

    fn remove(&mut self, k: u8) -> Option<u32> {
        self.purge();
        self.position(k).map(|i| self.entries.remove(i).value)
    }

    fn live(&self) -> Vec<(u8, u32)> {
        self.entries.iter().map(|e| (e.key, e.value)).collect()
    }
}

type Events = Arc<Mutex<Vec<(u8, u32, EvictionCause)>>>;

/// Every listener call must be one the model says is owed.
fn settle(model: &mut Model, events: &Events) {
    for event in events.lock().unwrap().drain(..) {
        let at = model
            .owed
            .iter()
            .position(|o| *o == event)
            .unwrap_or_else(|| panic!("listener got {event:?}, which was not owed"));
        model.owed.swap_remove(at);
    }
}

fn run(ops: Vec<Op>, ttl_ms: Option<u64>, tti_ms: Option<u64>) {
    let clock = ManualClock::new();
    let events: Events = Arc::default();
    let sink = Arc::clone(&events);
    let mut builder = BoundedMap::<u8, u32>::builder()
        .capacity(1_000)
        .clock(clock.clone())
        .on_evict(move |k, v, cause| sink.lock().unwrap().push((k, v, cause)));
    if let Some(ms) = ttl_ms {
        builder = builder.ttl(Duration::from_millis(ms));
    }
    if let Some(ms) = tti_ms {
        builder = builder.tti(Duration::from_millis(ms));
    }
    let mut map = builder.build();
    let mut model = Model {
        entries: Vec::new(),
        ttl: ttl_ms.map_or(NEVER, |ms| ms * MS),
        tti: tti_ms.map_or(NEVER, |ms| ms * MS),
        now: 0,
        owed: Vec::new(),
    };

    for op in ops {
        match op {
            Op::Insert(k, v) => assert_eq!(map.insert(k, v), model.write(k, v, None)),
            Op::InsertWithTtl(k, v, ms) => {
                let d = if ms == u64::MAX {
                    Duration::MAX
                } else {
                    Duration::from_millis(ms)
                };
                assert_eq!(map.insert_with_ttl(k, v, d), model.write(k, v, Some(ms)));
            }
            Op::Get(k) => assert_eq!(map.get(&k).copied(), model.read(k)),
            Op::GetMut(k) => assert_eq!(map.get_mut(&k).map(|v| *v), model.read(k)),
            Op::Peek(k) => {
                model.purge();
                let expect = model.position(k).map(|i| model.entries[i].value);
                assert_eq!(map.peek(&k).copied(), expect);
            }
            Op::ContainsKey(k) => {
                model.purge();
                assert_eq!(map.contains_key(&k), model.position(k).is_some());
            }
            Op::Remove(k) => assert_eq!(map.remove(&k), model.remove(k)),
            Op::PopLru => {
                model.purge();
                let expect = model.entries.pop().map(|e| (e.key, e.value));
                assert_eq!(map.pop_lru(), expect);
            }
            Op::EntryOrInsert(k, v) => {
                let got = *map.entry(k).or_insert(v);
                let expect = match model.read(k) {
                    Some(old) => old,
                    None => {
                        model.write(k, v, None);
                        v
                    }
                };
                assert_eq!(got, expect);
            }
            Op::EntryReplace(k, v) => {
                let got = match map.entry(k) {
                    Entry::Occupied(o) => Some(o.insert(v)),
                    Entry::Vacant(_) => None,
                };
                let expect = match model.read(k) {
                    Some(_) => model.write(k, v, None),
                    None => None,
                };
                assert_eq!(got, expect);
            }
            Op::GetOrInsertWith(k, v) => {
                let got = *map.get_or_insert_with(k, || v);
                let expect = match model.read(k) {
                    Some(old) => old,
                    None => {
                        model.write(k, v, None);
                        v
                    }
                };
                assert_eq!(got, expect);
            }
            Op::Retain(m) => {
                map.retain(|_, v| *v % u32::from(m) != 0);
                model.purge();
                let (keep, gone): (Vec<Item>, Vec<Item>) = std::mem::take(&mut model.entries)
                    .into_iter()
                    .partition(|e| e.value % u32::from(m) != 0);
                model.entries = keep;
                model.owed.extend(
                    gone.into_iter()
                        .map(|e| (e.key, e.value, EvictionCause::Explicit)),
                );
            }
            Op::IterMutAdd => {
                for (_, v) in map.iter_mut() {
                    *v += 1;
                }
                model.purge();
                for e in &mut model.entries {
                    e.value += 1;
                }
            }
            Op::PurgeExpired => {
                let before = map.len();
                let purged = map.purge_expired();
                model.purge();
                assert_eq!(map.len(), model.entries.len(), "purge_expired left some");
                assert_eq!(before - purged, map.len());
            }
            Op::Advance(ms) => {
                clock.advance(Duration::from_millis(ms));
                model.now = model.now.saturating_add(ms * MS);
            }
        }
        // What the map shows is exactly the live model, in recency order.
        model.purge();
        let shown: Vec<(u8, u32)> = map.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(shown, model.live());
        let back: Vec<(u8, u32)> = map.iter().rev().map(|(k, v)| (*k, *v)).collect();
        assert!(back.iter().rev().eq(shown.iter()));
        assert!(map.len() >= shown.len());
        for k in 0..12 {
            let expect = model.position(k).map(|i| model.entries[i].value);
            assert_eq!(map.peek(&k).copied(), expect, "peek({k})");
        }
        settle(&mut model, &events);
    }
    // Everything expired is handed over by `purge_expired` at the latest.
    map.purge_expired();
    model.purge();
    assert_eq!(map.len(), model.entries.len());
    settle(&mut model, &events);
    assert!(model.owed.is_empty(), "never delivered: {:?}", model.owed);
    let stats = map.stats();
    assert_eq!(stats.len, model.entries.len());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn ttl_map_matches_model(ops in prop::collection::vec(op(), 1..120), ttl in 1u64..4_000) {
        run(ops, Some(ttl), None);
    }

    #[test]
    fn tti_map_matches_model(ops in prop::collection::vec(op(), 1..120), tti in 1u64..4_000) {
        run(ops, None, Some(tti));
    }

    #[test]
    fn ttl_and_tti_map_matches_model(
        ops in prop::collection::vec(op(), 1..120),
        ttl in 1u64..6_000,
        tti in 1u64..3_000,
    ) {
        run(ops, Some(ttl), Some(tti));
    }

    #[test]
    fn per_entry_ttl_alone_matches_model(ops in prop::collection::vec(op(), 1..120)) {
        run(ops, None, None);
    }

    #[test]
    fn zero_and_max_ttls_match_model(
        ops in prop::collection::vec(op(), 1..60),
        zero in any::<bool>(),
    ) {
        let d = if zero { 0 } else { u64::MAX / MS };
        run(ops, Some(d), None);
    }
}
