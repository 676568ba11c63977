//! Fuzz drivers: each turns arbitrary bytes into a sequence of operations
//! on one leakless type and checks it against a plain reference model
//! after every step. The cargo-fuzz targets in `fuzz/` and the stable test
//! `tests/fuzz_replay.rs` both include this file, so the drivers are built
//! and run by every `cargo test`, and a fuzzer's crash is replayed there.
//!
//! No `arbitrary` crate: a tiny byte reader is all the decoding needs, and
//! every input, however short or odd, decodes to some valid sequence.
#![allow(dead_code)]

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use leakless::{Arena, BoundedMap, EvictionCause, ManualClock, Policy, WeakValueMap};

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
}

/// What [`Input::step`] read.
struct Step {
    op: u8,
    k: u8,
    raw: u32,
    v: u32,
}

thread_local! {
    static LIVE_VALUES: Cell<i64> = const { Cell::new(0) };
}

/// A value that counts itself live on this thread, so a driver can check
/// that every value it made was dropped exactly once (a double drop would
/// take the count below zero, a leak leave it above).
#[derive(Debug, PartialEq, Eq)]
pub struct Val(pub u32);

impl Val {
    fn new(v: u32) -> Self {
        LIVE_VALUES.with(|l| l.set(l.get() + 1));
        Val(v)
    }
}

impl Clone for Val {
    fn clone(&self) -> Self {
        Val::new(self.0)
    }
}

impl Drop for Val {
    fn drop(&mut self) {
        LIVE_VALUES.with(|l| l.set(l.get() - 1));
    }
}

/// `FUZZ_TRACE=1` prints every step (to read a failing input).
fn tracing() -> bool {
    std::env::var_os("FUZZ_TRACE").is_some()
}

fn live_values() -> i64 {
    LIVE_VALUES.with(Cell::get)
}

const KEYS: u8 = 32;

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

fn weigh(_k: &u8, v: &Val) -> u64 {
    weight_of(v.0)
}

/// The model of a bounded map whose victims it cannot predict (TinyLFU's
/// depend on a seeded sketch, expiry on the clock): every key's latest
/// value and deadline, minus what the listener reports gone.
#[derive(Default)]
struct Expected {
    entries: HashMap<u8, (u32, u64)>,
}

impl Expected {
    fn live(&self, k: u8, now: u64) -> Option<u32> {
        self.entries
            .get(&k)
            .filter(|&&(_, deadline)| deadline > now)
            .map(|&(v, _)| v)
    }

    /// Applies the listener's reports: each names an entry the model holds
    /// (or a value that was never kept: replaced, refused, parked).
    fn apply(&mut self, events: Vec<(u8, u32, EvictionCause)>, now: u64) {
        for (k, v, cause) in events {
            match cause {
                EvictionCause::Replaced => {}
                EvictionCause::Expired => {
                    if let Some(&(held, deadline)) = self.entries.get(&k) {
                        if held == v {
                            assert!(deadline <= now, "{k} reported expired before its deadline");
                            self.entries.remove(&k);
                        }
                    }
                }
                _ => {
                    if self.entries.get(&k).is_some_and(|&(held, _)| held == v) {
                        self.entries.remove(&k);
                    }
                }
            }
        }
    }
}

/// `BoundedMap` under either policy, count or weight bound, with a TTL,
/// per-entry TTLs and a clock that also goes back.
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
    let clock = ManualClock::new();
    let log: Arc<Mutex<Vec<(u8, u32, EvictionCause)>>> = Arc::default();
    let sink = Arc::clone(&log);
    let before = live_values();
    {
        let mut builder = BoundedMap::<u8, Val>::builder()
            .capacity(capacity)
            .policy(policy)
            .clock(clock.clone())
            .on_evict(move |k, v: Val, c| sink.lock().unwrap().push((k, v.0, c)));
        if let Some(ms) = ttl_ms {
            builder = builder.ttl(Duration::from_millis(ms));
        }
        let mut m = if weighted {
            builder.max_weight(max_weight).weigher(weigh).build()
        } else {
            builder.build()
        };
        let max_weight = if weighted { max_weight } else { u64::MAX };
        let mut model = Expected::default();
        let mut serial = 0u32;
        let mut capacity = capacity;
        // Whether expiry could be behind an eviction (then "evicts only
        // for room" is not checked: purges and expired victims count too).
        let mut per_entry_ttl = false;
        let now_ms = |c: &ManualClock| c.now().as_millis() as u64;
        let admits = |capacity: usize, v: u32| {
            capacity > 0 && (!weighted || weight_of(v).max(1) <= max_weight)
        };
        while !input.done() {
            let Step { op, k, raw, v } = input.step(&mut serial);
            let now = now_ms(&clock);
            let deadline = ttl_ms.map_or(u64::MAX, |t| now + t);
            let len_before = m.len();
            let mut added = false;
            if tracing() {
                eprintln!("op {} k {k} v {v} now {now} cap {capacity} ({policy:?}, weighted {weighted} max {max_weight}, ttl {ttl_ms:?}) map {:?}", op % 14, m.iter().map(|(k, v)| (*k, v.0)).collect::<Vec<_>>());
            }
            match op % 14 {
                0..=3 => {
                    let old = model.live(k, now);
                    let got = m.insert(k, Val::new(v)).map(|x| x.0);
                    assert_eq!(got, old, "insert {k}");
                    if admits(capacity, v) && deadline > now {
                        model.entries.insert(k, (v, deadline));
                        added = old.is_none();
                    } else {
                        model.entries.remove(&k);
                    }
                }
                4 | 5 => assert_eq!(m.get(&k).map(|x| x.0), model.live(k, now), "get {k}"),
                6 => {
                    let want = model.live(k, now);
                    model.entries.remove(&k);
                    assert_eq!(m.remove(&k).map(|x| x.0), want, "remove {k}");
                }
                7 => {
                    let old = model.live(k, now);
                    let got = m.get_or_insert_with(k, || Val::new(v)).0;
                    assert_eq!(got, old.unwrap_or(v));
                    if old.is_none() && admits(capacity, v) && deadline > now {
                        model.entries.insert(k, (v, deadline));
                        added = true;
                    }
                }
                8 => {
                    per_entry_ttl = true;
                    let ttl = u64::from(raw % 40);
                    let old = model.live(k, now);
                    assert_eq!(
                        m.insert_with_ttl(k, Val::new(v), Duration::from_millis(ttl))
                            .map(|x| x.0),
                        old
                    );
                    if admits(capacity, v) && ttl > 0 {
                        model.entries.insert(k, (v, now + ttl));
                    } else {
                        model.entries.remove(&k);
                    }
                }
                9 => clock.advance(Duration::from_millis(u64::from(raw % 64))),
                10 => {
                    // Back in time, never before the start.
                    let back = u64::from(raw % 16).min(now);
                    clock.rewind(Duration::from_millis(back));
                }
                11 => {
                    let d = k % 4 + 2;
                    m.retain(|key, _| key % d != 0);
                    model.entries.retain(|key, _| key % d != 0);
                }
                12 => {
                    capacity = usize::from(k % 17);
                    m.set_capacity(capacity);
                }
                _ => {
                    if let Some((k, x)) = m.pop_lru() {
                        assert_eq!(model.live(k, now), Some(x.0), "pop_lru {k}");
                        model.entries.remove(&k);
                    }
                }
            }
            let now = now_ms(&clock);
            let events = std::mem::take(&mut *log.lock().unwrap());
            if added && !weighted && ttl_ms.is_none() && !per_entry_ttl {
                // Eviction only for room: a new key in a full count-bounded
                // map evicts exactly one entry, in a map with room none.
                let size = events.iter().filter(|e| e.2 == EvictionCause::Size).count();
                assert_eq!(
                    size,
                    usize::from(len_before >= capacity),
                    "op {op}: {size} evictions at {len_before}/{capacity}"
                );
            }
            model.apply(events, now);
            // Entries the map dropped as expired without a listener call
            // cannot exist (every expiry is reported); what is live agrees.
            for key in 0..KEYS {
                assert_eq!(
                    m.peek(&key).map(|x| x.0),
                    model.live(key, now),
                    "peek {key} after op {op}"
                );
            }
            assert!(m.len() <= capacity);
            if weighted {
                assert!(m.weight() <= max_weight);
            }
            assert_eq!(
                m.iter().count(),
                (0..KEYS).filter(|&k| model.live(k, now).is_some()).count()
            );
        }
    }
    log.lock().unwrap().clear();
    assert_eq!(live_values(), before, "a value leaked or was dropped twice");
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
    let clock = ManualClock::new();
    let log: Arc<Mutex<Vec<(u8, u32, EvictionCause)>>> = Arc::default();
    let sink = Arc::clone(&log);
    let before = live_values();
    {
        let mut builder = leakless::sync::BoundedMap::<u8, Val>::builder()
            .capacity(capacity)
            .shards(1 << (config >> 6))
            .policy(policy)
            .clock(clock.clone())
            .on_evict(move |k, v: Val, c| sink.lock().unwrap().push((k, v.0, c)));
        if let Some(ms) = ttl_ms {
            builder = builder.ttl(Duration::from_millis(ms));
        }
        let m = builder.build();
        let mut model = Expected::default();
        let mut serial = 0u32;
        while !input.done() {
            let Step { op, k, raw, v } = input.step(&mut serial);
            let now = clock.now().as_millis() as u64;
            let deadline = ttl_ms.map_or(u64::MAX, |t| now + t);
            match op % 8 {
                0..=2 => {
                    let old = model.live(k, now);
                    assert_eq!(m.insert(k, Val::new(v)).map(|x| x.0), old, "insert {k}");
                    if capacity > 0 {
                        model.entries.insert(k, (v, deadline));
                    } else {
                        model.entries.remove(&k);
                    }
                }
                3 => assert_eq!(m.get(&k).map(|x| x.0), model.live(k, now)),
                4 => assert_eq!(m.get_with(&k, |x| x.0), model.live(k, now)),
                5 => {
                    let want = model.live(k, now);
                    model.entries.remove(&k);
                    assert_eq!(m.remove(&k).map(|x| x.0), want);
                }
                6 => {
                    let old = model.live(k, now);
                    assert_eq!(m.get_or_insert_with(k, || Val::new(v)).0, old.unwrap_or(v));
                    if old.is_none() && capacity > 0 {
                        model.entries.insert(k, (v, deadline));
                    }
                }
                _ => clock.advance(Duration::from_millis(u64::from(raw % 64))),
            }
            let now = clock.now().as_millis() as u64;
            model.apply(std::mem::take(&mut *log.lock().unwrap()), now);
            for key in 0..KEYS {
                assert_eq!(
                    m.contains_key(&key),
                    model.live(key, now).is_some(),
                    "key {key}"
                );
            }
            assert!(m.len() <= capacity);
        }
    }
    log.lock().unwrap().clear();
    assert_eq!(live_values(), before, "a value leaked or was dropped twice");
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
    let before = live_values();
    {
        let mut arena: Arena<Id, Val> = Arena::new();
        let mut issued: Vec<Id> = Vec::new();
        let mut model: HashMap<Id, u32> = HashMap::new();
        while !input.done() {
            let op = input.u8();
            let v = u32::from(input.u16());
            let pick =
                |issued: &Vec<Id>| (!issued.is_empty()).then(|| issued[v as usize % issued.len()]);
            match op % 6 {
                0..=2 => {
                    let h = arena.insert(Val::new(v));
                    assert!(!model.contains_key(&h), "a live handle was issued twice");
                    model.insert(h, v);
                    issued.push(h);
                }
                3 => {
                    if let Some(h) = pick(&issued) {
                        assert_eq!(arena.remove(h).map(|x| x.0), model.remove(&h));
                    }
                }
                4 => {
                    let d = op % 3 + 2;
                    arena.retain(|_, x| x.0 % u32::from(d) != 0);
                    model.retain(|_, x| *x % u32::from(d) != 0);
                }
                _ => {
                    if let Some(h) = pick(&issued) {
                        if let Some(x) = arena.get_mut(h) {
                            x.0 = x.0.wrapping_add(1);
                            let m = model.get_mut(&h).expect("found a handle the model lost");
                            *m = m.wrapping_add(1);
                        }
                    }
                }
            }
            for h in &issued {
                assert_eq!(arena.get(*h).map(|x| x.0), model.get(h).copied(), "{h:?}");
            }
            assert_eq!(arena.len(), model.len());
            if issued.len() > 4096 {
                issued.drain(..2048);
            }
        }
    }
    assert_eq!(live_values(), before, "a value leaked or was dropped twice");
}
