//! Fuzz drivers: each turns arbitrary bytes into a sequence of operations
//! on one leakless type and checks it against a plain reference model
//! after every step. The cargo-fuzz targets in `fuzz/` and the stable test
//! `tests/fuzz_replay.rs` both include this file, so the drivers are built
//! and run by every `cargo test`, and a fuzzer's crash is replayed there.
//!
//! No `arbitrary` crate: a tiny byte reader is all the decoding needs, and
//! every input, however short or odd, decodes to some valid sequence.
#![allow(dead_code)]

// A path from this file, so the fuzz targets (which include this file by
// path) find the shared model layer too.
#[path = "../common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::model::{self, Config, Op};
use common::Ledger;
use leakless::{Arena, Policy, WeakValueMap};

/// Reads the input a byte at a time; past the end it reads zeros and
/// `done` turns true.
pub struct Input<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Input { data, pos: 0 }
    }

    pub fn done(&self) -> bool {
        self.pos >= self.data.len()
    }

    pub fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    /// One map step: an op code, a key, the input's 16 bits and a value
    /// made unique by a serial number above them (so a listener report
    /// names one insert and no other).
    fn step(&mut self, serial: &mut u32) -> Step {
        let op = self.u8();
        let k = self.u8() % KEYS;
        let raw = u32::from(self.u16());
        *serial += 1;
        Step {
            op,
            k,
            raw,
            v: *serial << 16 | raw,
        }
    }

    /// The rest of the input as map steps, each decoded by `decode`.
    fn ops(mut self, decode: impl Fn(Step) -> Op) -> Vec<Op> {
        let mut serial = 0u32;
        let mut ops = Vec::new();
        while !self.done() {
            ops.push(decode(self.step(&mut serial)));
        }
        ops
    }
}

/// What [`Input::step`] read.
struct Step {
    op: u8,
    k: u8,
    raw: u32,
    v: u32,
}

use model::KEYS;

/// The arena driver's handle type.
#[leakless::handle]
pub struct Id;

/// Mostly light values (0..9, where 0 counts as 1) and now and then a
/// heavy one (up to 996): heavy ones make a large weight bound evict
/// several entries at once, from either queue.
fn weight_of(v: u32) -> u64 {
    if v.is_multiple_of(16) {
        u64::from(v % 997)
    } else {
        u64::from(v % 9)
    }
}

/// `BoundedMap` under either policy, count or weight bound, with a TTL,
/// per-entry TTLs and a clock that also goes back, on the shared model
/// (victims learned).
pub fn bounded_map(data: &[u8]) {
    let mut input = Input::new(data);
    let config = input.u8();
    let mut capacity = usize::from(input.u8() % 17);
    let weighted = config & 1 != 0;
    let policy = if config & 2 != 0 {
        Policy::TinyLfu
    } else {
        Policy::Lru
    };
    let ttl_ms = if config & 4 != 0 {
        Some(u64::from(input.u8() % 50) + 1)
    } else {
        None
    };
    let mut max_weight = u64::from(input.u8() % 40);
    if weighted && config & 8 != 0 {
        // A large weight bound and no count bound: TinyLFU's probation
        // share (1% of the weight) is then more than one entry.
        capacity = usize::MAX;
        max_weight = 200 + max_weight * 50;
    }
    let mut config = Config::lru(capacity)
        .weighted(weighted.then_some(max_weight), weight_of)
        .timed(ttl_ms, None)
        .learned();
    config.policy = policy;
    let ops = input.ops(|Step { op, k, raw, v }| match op % 14 {
        0..=3 => Op::Insert(k, v),
        4 | 5 => Op::Get(k),
        6 => Op::Remove(k),
        7 => Op::GetOrInsertWith(k, v),
        8 => Op::InsertWithTtl(k, v, u64::from(raw % 40)),
        9 => Op::Advance(u64::from(raw % 64)),
        // Back in time (the runner stops at the start).
        10 => Op::Rewind(u64::from(raw % 16)),
        11 => Op::Retain(k % 4 + 2),
        12 => Op::SetCapacity(usize::from(k % 17)),
        _ => Op::PopLru,
    });
    model::run::<model::Unsync>(&ops, &config);
}

/// `sync::BoundedMap` from one thread: the same checks through its
/// clone-out API.
pub fn sync_map(data: &[u8]) {
    let mut input = Input::new(data);
    let config = input.u8();
    let capacity = usize::from(input.u8() % 33);
    let policy = if config & 1 != 0 {
        Policy::TinyLfu
    } else {
        Policy::Lru
    };
    let ttl_ms = (config & 2 != 0).then(|| u64::from(input.u8() % 50) + 1);
    let mut map_config = Config::lru(capacity).timed(ttl_ms, None).learned();
    map_config.policy = policy;
    map_config.shards = 1 << (config >> 6);
    let ops = input.ops(|Step { op, k, raw, v }| match op % 8 {
        0..=2 => Op::Insert(k, v),
        3 => Op::Get(k),
        4 => Op::GetWith(k),
        5 => Op::Remove(k),
        6 => Op::GetOrInsertWith(k, v),
        _ => Op::Advance(u64::from(raw % 64)),
    });
    model::run::<model::Sync>(&ops, &map_config);
}

/// `WeakValueMap` with the strong references dropped at random: an entry
/// is there exactly while its value is alive and it was not removed or
/// replaced.
pub fn weak_value_map(data: &[u8]) {
    let mut input = Input::new(data);
    let mut m: WeakValueMap<u8, u32> = WeakValueMap::new();
    // The strong references the "application" holds, by slot.
    let mut owners: Vec<Option<Arc<u32>>> = vec![None; 16];
    // The model: which owner slot's value each key points at, and that
    // value's identity.
    let mut model: HashMap<u8, std::sync::Weak<u32>> = HashMap::new();
    while !input.done() {
        let op = input.u8();
        let k = input.u8() % KEYS;
        let slot = usize::from(input.u8() % 16);
        match op % 7 {
            0..=2 => {
                let arc = owners[slot]
                    .get_or_insert_with(|| Arc::new(u32::from(op)))
                    .clone();
                let old = model.get(&k).and_then(std::sync::Weak::upgrade);
                let got = m.insert(k, &arc);
                assert_eq!(got.as_ref().map(Arc::as_ptr), old.as_ref().map(Arc::as_ptr));
                model.insert(k, Arc::downgrade(&arc));
            }
            3 => owners[slot] = None,
            4 => {
                let want = model.remove(&k).and_then(|w| w.upgrade());
                assert_eq!(
                    m.remove(&k).as_ref().map(Arc::as_ptr),
                    want.as_ref().map(Arc::as_ptr)
                );
            }
            5 => {
                let d = slot as u8 % 3 + 2;
                m.retain(|key, _| key % d != 0);
                model.retain(|key, _| key % d != 0);
            }
            _ => {
                m.purge_all();
            }
        }
        for key in 0..KEYS {
            let want = model.get(&key).and_then(std::sync::Weak::upgrade);
            let got = m.get(&key);
            assert_eq!(
                got.as_ref().map(Arc::as_ptr),
                want.as_ref().map(Arc::as_ptr),
                "key {key}"
            );
        }
        let live = model.values().filter(|w| w.strong_count() > 0).count();
        assert_eq!(m.iter().count(), live);
        assert!(m.len() >= live);
    }
}

/// `Arena` with handles kept after removal: a stale handle never finds
/// anything, a live one finds its own value, slots are reused.
pub fn arena(data: &[u8]) {
    let mut input = Input::new(data);
    let ledger = Ledger::new();
    {
        let mut arena: Arena<Id, common::DropCounted<u32>> = Arena::new();
        let mut issued: Vec<Id> = Vec::new();
        let mut model: HashMap<Id, u32> = HashMap::new();
        while !input.done() {
            let op = input.u8();
            let v = u32::from(input.u16());
            let pick =
                |issued: &Vec<Id>| (!issued.is_empty()).then(|| issued[v as usize % issued.len()]);
            match op % 6 {
                0..=2 => {
                    let h = arena.insert(ledger.make(v));
                    assert!(!model.contains_key(&h), "a live handle was issued twice");
                    model.insert(h, v);
                    issued.push(h);
                }
                3 => {
                    if let Some(h) = pick(&issued) {
                        assert_eq!(arena.remove(h).map(|x| x.value), model.remove(&h));
                    }
                }
                4 => {
                    let d = op % 3 + 2;
                    arena.retain(|_, x| x.value % u32::from(d) != 0);
                    model.retain(|_, x| *x % u32::from(d) != 0);
                }
                _ => {
                    if let Some(h) = pick(&issued) {
                        if let Some(x) = arena.get_mut(h) {
                            x.value = x.value.wrapping_add(1);
                            let m = model.get_mut(&h).expect("found a handle the model lost");
                            *m = m.wrapping_add(1);
                        }
                    }
                }
            }
            for h in &issued {
                assert_eq!(
                    arena.get(*h).map(|x| x.value),
                    model.get(h).copied(),
                    "{h:?}"
                );
            }
            assert_eq!(arena.len(), model.len());
            if issued.len() > 4096 {
                issued.drain(..2048);
            }
        }
    }
    ledger.assert_all_dropped_once();
}
