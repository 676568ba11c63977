//! The model layer of the bounded-map tests: one alphabet of operations
//! ([`Op`]), one reference of a bounded map with a count and a weight bound,
//! TTL, TTI and a clock ([`Model`]), and one runner ([`run`]) that applies
//! each operation to a map and to the model and checks, after every step,
//! what the call returned, what the map shows, its bounds and every
//! listener call; and at the end that every value was dropped exactly once.
//!
//! The proptest model tests pick operations from [`Op`] with their own
//! strategies; the fuzz drivers decode bytes into the same operations.
//! Which victims TinyLFU evicts depends on a sketch fed by a seeded hasher,
//! and which expired entries a bounded map purges first on the clock, so a
//! [`Config`] says whether the model predicts victims (`exact`: LRU order,
//! listener calls compared) or learns them from the listener (every other
//! check still made).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use leakless::bounded::Entry;
use leakless::{BoundedMap, EvictionCause, ManualClock, Policy};

use super::counted::{DropCounted, Ledger};

/// Nanoseconds in a millisecond: the model keeps time as the clock does.
pub const MS: u64 = 1_000_000;
const NEVER: u64 = u64::MAX;
/// Every key an operation names is below this; each is looked up after
/// every step.
pub const KEYS: u8 = 32;

/// A listener call: key, value, cause.
pub type Event = (u8, u32, EvictionCause);
/// What the maps under test hold.
pub type Value = DropCounted<u32>;

/// One call on a bounded map (or a move of the clock). Keys are below
/// [`KEYS`]; times are in milliseconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Insert(u8, u32),
    /// A per-entry TTL (`u64::MAX`: `Duration::MAX`).
    InsertWithTtl(u8, u32, u64),
    Get(u8),
    /// `get_with` where the map has it (the sync map), else `get`.
    GetWith(u8),
    /// `get_mut`, adding 7 (which keeps `v % 7`, a weight).
    GetMut(u8),
    GetKeyValue(u8),
    Peek(u8),
    ContainsKey(u8),
    Remove(u8),
    PopLru,
    SetCapacity(usize),
    EntryOrInsert(u8, u32),
    /// `entry(k).and_modify`, adding 7.
    EntryAndModify(u8),
    EntryRemove(u8),
    /// `entry(k)`, and on the occupied branch `insert`.
    EntryReplace(u8, u32),
    GetOrInsertWith(u8, u32),
    /// Keeps the keys not divisible by it.
    Retain(u8),
    /// Keeps the values not divisible by it.
    RetainValues(u8),
    Clear,
    /// `drain`, taking this many and dropping the rest.
    Drain(usize),
    /// `into_iter` of the whole map (replaced by an empty one), taking this
    /// many and dropping the rest.
    IntoIterPartly(usize),
    /// `iter_mut`, adding 1 (7 in a weighted map, which keeps `v % 7`).
    IterMutAdd,
    Extend(Vec<(u8, u32)>),
    PurgeExpired,
    Advance(u64),
    /// The clock turned back (never before its start).
    Rewind(u64),
}

impl Op {
    /// The same call with `v` as its value, for tests whose strategy draws
    /// no values: numbering them makes every listener report name one write.
    pub fn with_value(self, v: u32) -> Op {
        match self {
            Op::Insert(k, _) => Op::Insert(k, v),
            Op::InsertWithTtl(k, _, t) => Op::InsertWithTtl(k, v, t),
            Op::EntryOrInsert(k, _) => Op::EntryOrInsert(k, v),
            Op::EntryReplace(k, _) => Op::EntryReplace(k, v),
            Op::GetOrInsertWith(k, _) => Op::GetOrInsertWith(k, v),
            Op::Extend(pairs) => Op::Extend(
                pairs
                    .into_iter()
                    .enumerate()
                    .map(|(i, (k, _))| (k, v.wrapping_add(i as u32)))
                    .collect(),
            ),
            op => op,
        }
    }
}

/// Gives every op a distinct value (several apart, for `Extend`).
pub fn numbered(ops: Vec<Op>) -> Vec<Op> {
    ops.into_iter()
        .enumerate()
        .map(|(i, op)| op.with_value(i as u32 * 8))
        .collect()
}

/// What a call returned, as the model can compare it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    Nothing,
    Value(Option<u32>),
    Pair(Option<(u8, u32)>),
    Bool(bool),
    Pairs(Vec<(u8, u32)>),
    /// `len` after a call that must leave no expired entry behind.
    Len(usize),
}

/// How a map under test is built.
#[derive(Clone)]
pub struct Config {
    pub capacity: usize,
    /// A weight bound, with `weigher` as the weigher (0 counts as 1).
    pub max_weight: Option<u64>,
    pub weigher: fn(u32) -> u64,
    pub policy: Policy,
    pub ttl_ms: Option<u64>,
    pub tti_ms: Option<u64>,
    /// Whether the map gets a `ManualClock` (the runner moves it).
    pub clock: bool,
    /// Whether the model predicts the victims and the listener calls (an
    /// LRU map whose expired entries never compete with the bound), or
    /// learns them from the listener.
    pub exact: bool,
    /// Shards of a sync map.
    pub shards: usize,
}

impl Config {
    /// A count-bounded LRU map with no time, victims predicted.
    pub fn lru(capacity: usize) -> Config {
        Config {
            capacity,
            max_weight: None,
            weigher: |_| 1,
            policy: Policy::Lru,
            ttl_ms: None,
            tti_ms: None,
            clock: false,
            exact: true,
            shards: 1,
        }
    }

    /// With a weight bound and `weigher`.
    pub fn weighted(self, max_weight: Option<u64>, weigher: fn(u32) -> u64) -> Config {
        Config {
            max_weight,
            weigher,
            ..self
        }
    }

    /// Under TinyLFU: victims learned.
    pub fn tinylfu(self) -> Config {
        Config {
            policy: Policy::TinyLfu,
            exact: false,
            ..self
        }
    }

    /// With a clock, and a TTL and a TTI where given.
    pub fn timed(self, ttl_ms: Option<u64>, tti_ms: Option<u64>) -> Config {
        Config {
            ttl_ms,
            tti_ms,
            clock: true,
            ..self
        }
    }

    /// Victims learned from the listener.
    pub fn learned(self) -> Config {
        Config {
            exact: false,
            ..self
        }
    }
}

/// A map the runner can drive: the unsync [`BoundedMap`] or the sync one.
pub trait Subject {
    /// Builds it over `clock` (when the config asks for one), reporting
    /// every listener call to `log`, making values in `ledger`.
    fn build(config: &Config, clock: &ManualClock, log: Log, ledger: Arc<Ledger>) -> Self;
    /// Makes the call (never a clock move) and says what it returned.
    fn apply(&mut self, op: &Op) -> Seen;
    /// Every entry as iteration shows it, in its order.
    fn shown(&self) -> Vec<(u8, u32)>;
    /// The value under `k`, found without counting as a use (`shown` is
    /// this step's [`Subject::shown`], for maps that can only say whether
    /// a key is there).
    fn peek(&self, k: u8, shown: &[(u8, u32)]) -> Option<u32>;
    fn len(&self) -> usize;
    /// The total weight, for a weighted map.
    fn weight(&self) -> Option<u64>;
    /// `stats().len`.
    fn stats_len(&self) -> usize;
    /// Whether one bound covers the whole map (not one a shard), so a new
    /// key evicts exactly when the map is full.
    fn one_bound(&self) -> bool;
    /// Structural checks of its own.
    fn check(&self) {}
}

/// Where the listener's calls go.
pub type Log = Arc<Mutex<Vec<Event>>>;

#[derive(Clone, Copy, Debug)]
struct Item {
    key: u8,
    value: u32,
    deadline: u64,
    used: u64,
}

/// The reference: the entries the map holds, most recent first (expired
/// ones stay until the map reports them, invisible); the bounds; the
/// clock; a value lent out by the Entry API that the bound could not
/// admit; and the listener calls the map owes.
pub struct Model {
    items: Vec<Item>,
    capacity: usize,
    max_weight: u64,
    weigher: Option<fn(u32) -> u64>,
    ttl: u64,
    tti: u64,
    now: u64,
    exact: bool,
    /// Whether anything can expire (a TTL, a TTI, a per-entry TTL): then
    /// listener calls are owed in any order, by the end of the run.
    timed: bool,
    parked: Option<(u8, u32)>,
    /// Calls owed by this step, in order.
    due: Vec<Event>,
    /// Calls owed by the end, in any order.
    owed: Vec<Event>,
}

impl Model {
    pub fn new(config: &Config) -> Model {
        let ms = |t: Option<u64>| t.map_or(NEVER, |ms| ms.saturating_mul(MS));
        Model {
            items: Vec::new(),
            capacity: config.capacity,
            max_weight: config.max_weight.unwrap_or(u64::MAX),
            weigher: config.max_weight.map(|_| config.weigher),
            ttl: ms(config.ttl_ms),
            tti: ms(config.tti_ms),
            now: 0,
            exact: config.exact,
            timed: config.ttl_ms.is_some() || config.tti_ms.is_some(),
            parked: None,
            due: Vec::new(),
            owed: Vec::new(),
        }
    }

    fn weight(&self, v: u32) -> u64 {
        self.weigher.map_or(1, |w| w(v).max(1))
    }

    fn weighted(&self) -> bool {
        self.weigher.is_some()
    }

    fn total(&self) -> u64 {
        self.items.iter().map(|e| self.weight(e.value)).sum()
    }

    fn expired_at(&self, deadline: u64, used: u64) -> bool {
        let passed = |d: u64| d != NEVER && d <= self.now;
        passed(deadline) || passed(used.saturating_add(self.tti))
    }

    fn expired(&self, item: &Item) -> bool {
        self.expired_at(item.deadline, item.used)
    }

    fn admits(&self, w: u64) -> bool {
        self.capacity > 0 && w <= self.max_weight
    }

    fn live_pos(&self, k: u8) -> Option<usize> {
        self.items
            .iter()
            .position(|e| e.key == k && !self.expired(e))
    }

    /// The live value under `k`.
    pub fn live_value(&self, k: u8) -> Option<u32> {
        self.live_pos(k).map(|i| self.items[i].value)
    }

    /// The live entries, most recent first.
    pub fn live(&self) -> Vec<(u8, u32)> {
        self.items
            .iter()
            .filter(|e| !self.expired(e))
            .map(|e| (e.key, e.value))
            .collect()
    }

    fn report(&mut self, e: Event) {
        if self.timed {
            self.owed.push(e);
        } else {
            self.due.push(e);
        }
    }

    fn unpark(&mut self) {
        if let Some((k, v)) = self.parked.take() {
            self.report((k, v, EvictionCause::Size));
        }
    }

    /// An expired entry under `k` leaves when `k` is written; the map
    /// reports it as expired.
    fn forget_expired(&mut self, k: u8) {
        if let Some(i) = self.items.iter().position(|e| e.key == k) {
            if self.expired(&self.items[i]) {
                let e = self.items.remove(i);
                self.report((k, e.value, EvictionCause::Expired));
            }
        }
    }

    fn touch(&mut self, i: usize) -> u32 {
        let mut e = self.items.remove(i);
        e.used = self.now;
        self.items.insert(0, e);
        e.value
    }

    fn read(&mut self, k: u8) -> Option<u32> {
        let i = self.live_pos(k)?;
        Some(self.touch(i))
    }

    fn evict_back(&mut self) {
        let e = self.items.pop().expect("evict from an empty model");
        self.report((e.key, e.value, EvictionCause::Size));
    }

    /// Evicts from the back until `w` more fits beside the others (all but
    /// the front entry when `beside_front`).
    fn make_room(&mut self, w: u64, beside_front: bool) {
        loop {
            let others = self.total()
                - if beside_front {
                    self.weight(self.items[0].value)
                } else {
                    0
                };
            if self.max_weight - others >= w {
                break;
            }
            self.evict_back();
        }
    }

    fn deadline(&self, ttl_ms: Option<u64>) -> u64 {
        let ttl = match ttl_ms {
            Some(u64::MAX) => NEVER,
            Some(ms) => ms.saturating_mul(MS),
            None => self.ttl,
        };
        self.now.saturating_add(ttl)
    }

    /// `insert` (with the map's TTL, or `ttl_ms`): the live value it
    /// replaced, and whether it added a key.
    fn write(&mut self, k: u8, v: u32, ttl_ms: Option<u64>) -> (Option<u32>, bool) {
        self.unpark();
        self.forget_expired(k);
        let deadline = self.deadline(ttl_ms);
        let w = self.weight(v);
        let storable = self.admits(w) && !self.expired_at(deadline, self.now);
        let refused = if self.admits(w) {
            EvictionCause::Expired
        } else {
            EvictionCause::Size
        };
        match self.live_pos(k) {
            Some(i) if storable => {
                let old = self.items[i].value;
                self.touch(i);
                self.items[0].value = v;
                self.items[0].deadline = deadline;
                if self.exact {
                    self.make_room(w, true);
                }
                (Some(old), false)
            }
            Some(i) => {
                let old = self.items.remove(i).value;
                self.report((k, v, refused));
                (Some(old), false)
            }
            None if storable => {
                self.insert_new(k, v, w, deadline);
                (None, true)
            }
            None => {
                self.report((k, v, refused));
                (None, false)
            }
        }
    }

    fn insert_new(&mut self, k: u8, v: u32, w: u64, deadline: u64) {
        if self.exact {
            self.make_room(w, false);
            if self.items.len() >= self.capacity {
                self.evict_back();
            }
        }
        let used = self.now;
        self.items.insert(
            0,
            Item {
                key: k,
                value: v,
                deadline,
                used,
            },
        );
    }

    /// The vacant branch of the Entry API: store, or lend out (parked when
    /// the bound cannot admit it, reported expired when it is so at once).
    /// Whether it stored a key.
    fn vacant(&mut self, k: u8, v: u32) -> bool {
        self.forget_expired(k);
        let w = self.weight(v);
        let deadline = self.deadline(None);
        if !self.admits(w) {
            self.parked = Some((k, v));
            false
        } else if self.expired_at(deadline, self.now) {
            self.report((k, v, EvictionCause::Expired));
            false
        } else {
            self.insert_new(k, v, w, deadline);
            true
        }
    }

    /// Removes the entries `gone` picks; live ones are reported as removed,
    /// expired ones as expired; least recent first.
    fn remove_where(&mut self, gone: impl Fn(&Item) -> bool) {
        let (out, keep): (Vec<Item>, Vec<Item>) =
            std::mem::take(&mut self.items).into_iter().partition(gone);
        self.items = keep;
        for e in out.into_iter().rev() {
            let cause = if self.expired(&e) {
                EvictionCause::Expired
            } else {
                EvictionCause::Explicit
            };
            self.report((e.key, e.value, cause));
        }
    }

    /// Entries taken out in order (drain, into_iter): the first `n` the map
    /// gave must be the model's (in order, when it predicts order).
    fn take_all(&mut self, got: &Seen, n: usize) {
        let live = self.live();
        if self.exact {
            assert_eq!(*got, Seen::Pairs(live[..n.min(live.len())].to_vec()));
        } else if let Seen::Pairs(pairs) = got {
            assert_eq!(pairs.len(), n.min(live.len()));
            for p in pairs {
                assert!(live.contains(p), "took {p:?}, which the model lacks");
            }
        }
        self.items.clear();
    }

    /// Whether `op` is a call that hands over a parked value first.
    fn unparks(op: &Op) -> bool {
        !matches!(
            op,
            Op::Get(_)
                | Op::GetWith(_)
                | Op::GetKeyValue(_)
                | Op::Peek(_)
                | Op::ContainsKey(_)
                | Op::Extend(_)
                | Op::Advance(_)
                | Op::Rewind(_)
        )
    }

    /// Applies `op` to the model and checks what the map returned (`got`).
    /// Returns whether it added a key.
    pub fn apply(&mut self, op: &Op, got: &Seen) -> bool {
        if Model::unparks(op) {
            self.unpark();
        }
        let mut added = false;
        let want = match *op {
            Op::Insert(k, v) => {
                let (old, new) = self.write(k, v, None);
                added = new;
                Seen::Value(old)
            }
            Op::InsertWithTtl(k, v, ms) => {
                self.timed = true;
                self.owed.append(&mut self.due);
                let (old, new) = self.write(k, v, Some(ms));
                added = new;
                Seen::Value(old)
            }
            Op::Get(k) | Op::GetWith(k) => Seen::Value(self.read(k)),
            Op::GetMut(k) => Seen::Value(self.read(k).map(|v| {
                self.items[0].value = v + 7;
                v + 7
            })),
            Op::GetKeyValue(k) => Seen::Pair(self.read(k).map(|v| (k, v))),
            Op::Peek(k) => Seen::Value(self.live_value(k)),
            Op::ContainsKey(k) => Seen::Bool(self.live_pos(k).is_some()),
            Op::Remove(k) => Seen::Value(self.live_pos(k).map(|i| self.items.remove(i).value)),
            Op::EntryRemove(k) => Seen::Pair(self.live_pos(k).map(|i| {
                let e = self.items.remove(i);
                (e.key, e.value)
            })),
            Op::PopLru => {
                if self.exact {
                    let back = self.items.iter().rposition(|e| !self.expired(e));
                    Seen::Pair(back.map(|i| {
                        let e = self.items.remove(i);
                        (e.key, e.value)
                    }))
                } else {
                    match *got {
                        Seen::Pair(Some((k, v))) => {
                            assert_eq!(self.live_value(k), Some(v), "pop_lru {k}: not the model's");
                            self.items.retain(|e| e.key != k);
                        }
                        _ => assert!(self.live().is_empty(), "pop_lru found nothing"),
                    }
                    got.clone()
                }
            }
            Op::SetCapacity(c) => {
                self.capacity = c;
                if self.exact {
                    while self.items.len() > c {
                        self.evict_back();
                    }
                }
                Seen::Nothing
            }
            Op::EntryOrInsert(k, v) | Op::GetOrInsertWith(k, v) => {
                Seen::Value(Some(match self.read(k) {
                    Some(old) => old,
                    None => {
                        added = self.vacant(k, v);
                        v
                    }
                }))
            }
            Op::EntryAndModify(k) => {
                if self.read(k).is_some() {
                    self.items[0].value += 7;
                }
                Seen::Nothing
            }
            Op::EntryReplace(k, v) => Seen::Value(match self.live_pos(k) {
                Some(_) => self.write(k, v, None).0,
                None => None,
            }),
            Op::Retain(d) => {
                self.remove_where(|e| e.key % d == 0);
                Seen::Nothing
            }
            Op::RetainValues(d) => {
                self.remove_where(|e| e.value % u32::from(d) == 0);
                Seen::Nothing
            }
            Op::Clear => {
                self.remove_where(|_| true);
                Seen::Nothing
            }
            Op::Drain(n) | Op::IntoIterPartly(n) => {
                self.take_all(got, n);
                got.clone()
            }
            Op::IterMutAdd => {
                let add = if self.weighted() { 7 } else { 1 };
                let now = self.now;
                let tti = self.tti;
                for e in &mut self.items {
                    let passed = |d: u64| d != NEVER && d <= now;
                    if !(passed(e.deadline) || passed(e.used.saturating_add(tti))) {
                        e.value = e.value.wrapping_add(add);
                    }
                }
                Seen::Nothing
            }
            Op::Extend(ref pairs) => {
                for &(k, v) in pairs {
                    if let Some(old) = self.write(k, v, None).0 {
                        self.report((k, old, EvictionCause::Replaced));
                    }
                }
                Seen::Nothing
            }
            Op::PurgeExpired => Seen::Len(self.live().len()),
            Op::Advance(ms) => {
                self.now = self.now.saturating_add(ms.saturating_mul(MS));
                Seen::Nothing
            }
            Op::Rewind(ms) => {
                self.now -= ms.saturating_mul(MS).min(self.now);
                Seen::Nothing
            }
        };
        assert_eq!(*got, want, "{op:?}");
        added
    }

    /// Takes in the listener's calls of one step: the model lets go of
    /// what the map reports gone; a predicted call must be owed. Returns
    /// how many held entries were evicted for room.
    pub fn settle(&mut self, events: Vec<Event>) -> usize {
        if self.exact && !self.timed {
            assert_eq!(events, std::mem::take(&mut self.due));
            return 0;
        }
        self.owed.append(&mut self.due);
        let mut size_evictions = 0;
        for (k, v, cause) in events {
            let held = self.items.iter().position(|e| e.key == k && e.value == v);
            match (cause, held) {
                (EvictionCause::Expired, Some(i)) => {
                    assert!(self.timed, "no time bound, yet {k} expired");
                    assert!(
                        self.expired(&self.items[i]),
                        "{k} reported expired before its deadline"
                    );
                    self.items.remove(i);
                }
                (EvictionCause::Collected, _) => panic!("no weak values, yet {k} was collected"),
                (EvictionCause::Size, Some(i)) if !self.exact => {
                    self.items.remove(i);
                    size_evictions += 1;
                }
                _ if self.exact => {
                    let at = self
                        .owed
                        .iter()
                        .position(|o| *o == (k, v, cause))
                        .unwrap_or_else(|| {
                            panic!("listener got {:?}, which was not owed", (k, v, cause))
                        });
                    self.owed.swap_remove(at);
                }
                (EvictionCause::Expired, None) if !self.timed => {
                    panic!("no time bound, yet {k} expired")
                }
                // Replaced, refused or explicitly removed values, which the
                // model no longer holds.
                _ => {}
            }
        }
        if !self.exact {
            self.owed.clear();
        }
        size_evictions
    }

    fn held(&self) -> usize {
        self.items.len()
    }
}

/// The unsync [`BoundedMap`] under test.
pub struct Unsync {
    map: BoundedMap<u8, Value>,
    config: Config,
    clock: ManualClock,
    log: Log,
    ledger: Arc<Ledger>,
}

/// The clock (when asked for) and the TTL of a config on either map's
/// builder: two builder types with the same methods.
macro_rules! with_time {
    ($builder:expr, $config:expr, $clock:expr) => {{
        let mut b = $builder;
        if $config.clock {
            b = b.clock($clock.clone());
        }
        if let Some(ms) = $config.ttl_ms {
            b = b.ttl(Duration::from_millis(ms));
        }
        b
    }};
}

fn unsync_map(config: &Config, clock: &ManualClock, log: &Log) -> BoundedMap<u8, Value> {
    let sink = Arc::clone(log);
    let mut b = with_time!(
        BoundedMap::<u8, Value>::builder()
            .capacity(config.capacity)
            .policy(config.policy)
            .on_evict(move |k, v: Value, c| sink.lock().unwrap().push((k, v.value, c))),
        config,
        clock
    );
    if let Some(ms) = config.tti_ms {
        b = b.tti(Duration::from_millis(ms));
    }
    match config.max_weight {
        Some(w) => {
            let weigher = config.weigher;
            b.max_weight(w)
                .weigher(move |_, v: &Value| weigher(v.value))
                .build()
        }
        None => b.build(),
    }
}

fn ttl(ms: u64) -> Duration {
    if ms == u64::MAX {
        Duration::MAX
    } else {
        Duration::from_millis(ms)
    }
}

impl Subject for Unsync {
    fn build(config: &Config, clock: &ManualClock, log: Log, ledger: Arc<Ledger>) -> Self {
        let map = unsync_map(config, clock, &log);
        if config.tti_ms.is_none() {
            // (A map with a TTI keeps LRU order whatever it was built with.)
            assert_eq!(map.policy(), config.policy);
        }
        Unsync {
            map,
            config: config.clone(),
            clock: clock.clone(),
            log,
            ledger,
        }
    }

    fn apply(&mut self, op: &Op) -> Seen {
        let m = &mut self.map;
        let val = |x: Value| x.value;
        let new = |v: u32| self.ledger.make(v);
        match *op {
            Op::Insert(k, v) => Seen::Value(m.insert(k, new(v)).map(val)),
            Op::InsertWithTtl(k, v, ms) => {
                Seen::Value(m.insert_with_ttl(k, new(v), ttl(ms)).map(val))
            }
            Op::Get(k) | Op::GetWith(k) => Seen::Value(m.get(&k).map(|x| x.value)),
            Op::GetMut(k) => Seen::Value(m.get_mut(&k).map(|x| {
                x.value += 7;
                x.value
            })),
            Op::GetKeyValue(k) => Seen::Pair(m.get_key_value(&k).map(|(k, x)| (*k, x.value))),
            Op::Peek(k) => Seen::Value(m.peek(&k).map(|x| x.value)),
            Op::ContainsKey(k) => Seen::Bool(m.contains_key(&k)),
            Op::Remove(k) => Seen::Value(m.remove(&k).map(val)),
            Op::PopLru => Seen::Pair(m.pop_lru().map(|(k, x)| (k, x.value))),
            Op::SetCapacity(c) => {
                m.set_capacity(c);
                Seen::Nothing
            }
            Op::EntryOrInsert(k, v) => {
                Seen::Value(Some(m.entry(k).or_insert_with(|| new(v)).value))
            }
            Op::GetOrInsertWith(k, v) => {
                Seen::Value(Some(m.get_or_insert_with(k, || new(v)).value))
            }
            Op::EntryAndModify(k) => {
                m.entry(k).and_modify(|x| x.value += 7);
                Seen::Nothing
            }
            Op::EntryRemove(k) => Seen::Pair(match m.entry(k) {
                Entry::Occupied(o) => Some(o.remove_entry()).map(|(k, x)| (k, x.value)),
                Entry::Vacant(_) => None,
            }),
            Op::EntryReplace(k, v) => Seen::Value(match m.entry(k) {
                Entry::Occupied(o) => Some(o.insert(new(v)).value),
                Entry::Vacant(_) => None,
            }),
            Op::Retain(d) => {
                m.retain(|k, _| k % d != 0);
                Seen::Nothing
            }
            Op::RetainValues(d) => {
                m.retain(|_, x| x.value % u32::from(d) != 0);
                Seen::Nothing
            }
            Op::Clear => {
                m.clear();
                Seen::Nothing
            }
            Op::Drain(n) => Seen::Pairs(m.drain().take(n).map(|(k, x)| (k, x.value)).collect()),
            Op::IntoIterPartly(n) => {
                let mut config = self.config.clone();
                config.capacity = m.capacity();
                let fresh = unsync_map(&config, &self.clock, &self.log);
                let taken = std::mem::replace(m, fresh);
                Seen::Pairs(
                    taken
                        .into_iter()
                        .take(n)
                        .map(|(k, x)| (k, x.value))
                        .collect(),
                )
            }
            Op::IterMutAdd => {
                // Only weight-neutral changes in a weighted map (+1 changes
                // v % 7): the map does not re-weigh through `&mut`.
                let add = if m.max_weight().is_some() { 7 } else { 1 };
                for (_, x) in m.iter_mut() {
                    x.value = x.value.wrapping_add(add);
                }
                Seen::Nothing
            }
            Op::Extend(ref pairs) => {
                m.extend(pairs.iter().map(|&(k, v)| (k, new(v))));
                Seen::Nothing
            }
            Op::PurgeExpired => {
                let before = m.len();
                let purged = m.purge_expired();
                assert_eq!(before - purged, m.len(), "purge_expired miscounted");
                Seen::Len(m.len())
            }
            Op::Advance(_) | Op::Rewind(_) => unreachable!("the runner moves the clock"),
        }
    }

    fn shown(&self) -> Vec<(u8, u32)> {
        self.map.iter().map(|(k, x)| (*k, x.value)).collect()
    }

    fn peek(&self, k: u8, _: &[(u8, u32)]) -> Option<u32> {
        self.map.peek(&k).map(|x| x.value)
    }

    fn len(&self) -> usize {
        self.map.len()
    }

    fn weight(&self) -> Option<u64> {
        self.map.max_weight().map(|_| self.map.weight())
    }

    fn stats_len(&self) -> usize {
        self.map.stats().len
    }

    fn one_bound(&self) -> bool {
        true
    }

    fn check(&self) {
        super::assert_consistent(&self.map);
        // `Debug` prints in the same order as iteration.
        let entries: Vec<String> = self
            .shown()
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        assert_eq!(
            format!("{:?}", self.map),
            format!("{{{}}}", entries.join(", "))
        );
    }
}

/// The sync [`leakless::sync::BoundedMap`] under test, from one thread:
/// the calls of its clone-out API.
pub struct Sync {
    map: leakless::sync::BoundedMap<u8, Value>,
    ledger: Arc<Ledger>,
}

impl Subject for Sync {
    fn build(config: &Config, clock: &ManualClock, log: Log, ledger: Arc<Ledger>) -> Self {
        let b = with_time!(
            leakless::sync::BoundedMap::<u8, Value>::builder()
                .capacity(config.capacity)
                .shards(config.shards)
                .policy(config.policy)
                .on_evict(move |k, v: Value, c| log.lock().unwrap().push((k, v.value, c))),
            config,
            clock
        );
        assert!(
            config.max_weight.is_none() && config.tti_ms.is_none(),
            "not driven here"
        );
        Sync {
            map: b.build(),
            ledger,
        }
    }

    fn apply(&mut self, op: &Op) -> Seen {
        let m = &self.map;
        let new = |v: u32| self.ledger.make(v);
        match *op {
            Op::Insert(k, v) => Seen::Value(m.insert(k, new(v)).map(|x| x.value)),
            Op::InsertWithTtl(k, v, ms) => {
                Seen::Value(m.insert_with_ttl(k, new(v), ttl(ms)).map(|x| x.value))
            }
            Op::Get(k) => Seen::Value(m.get(&k).map(|x| x.value)),
            Op::GetWith(k) => Seen::Value(m.get_with(&k, |x| x.value)),
            Op::ContainsKey(k) => Seen::Bool(m.contains_key(&k)),
            Op::Remove(k) => Seen::Value(m.remove(&k).map(|x| x.value)),
            Op::GetOrInsertWith(k, v) => {
                Seen::Value(Some(m.get_or_insert_with(k, || new(v)).value))
            }
            Op::Retain(d) => {
                m.retain(|k, _| k % d != 0);
                Seen::Nothing
            }
            Op::Clear => {
                m.clear();
                Seen::Nothing
            }
            Op::PurgeExpired => {
                m.purge_expired();
                Seen::Len(m.len())
            }
            ref op => panic!("{op:?} is not a call of the sync map"),
        }
    }

    fn shown(&self) -> Vec<(u8, u32)> {
        self.map
            .snapshot()
            .into_iter()
            .map(|(k, x)| (k, x.value))
            .collect()
    }

    fn peek(&self, k: u8, shown: &[(u8, u32)]) -> Option<u32> {
        if !self.map.contains_key(&k) {
            return None;
        }
        let found = shown.iter().find(|e| e.0 == k).map(|e| e.1);
        assert!(found.is_some(), "{k} is there but not in the snapshot");
        found
    }

    fn len(&self) -> usize {
        self.map.len()
    }

    fn weight(&self) -> Option<u64> {
        None
    }

    fn stats_len(&self) -> usize {
        self.map.stats().len
    }

    fn one_bound(&self) -> bool {
        false
    }
}

/// `FUZZ_TRACE=1` prints every step (to read a failing case).
fn tracing() -> bool {
    std::env::var_os("FUZZ_TRACE").is_some()
}

/// Runs `ops` on a map built from `config` and on the model, checking
/// after every step; then purges, drops the map and checks that every
/// listener call owed was made and every value dropped exactly once.
pub fn run<M: Subject>(ops: &[Op], config: &Config) {
    let clock = ManualClock::new();
    let log: Log = Arc::default();
    let ledger = Ledger::new();
    let mut map = M::build(config, &clock, Arc::clone(&log), Arc::clone(&ledger));
    let mut model = Model::new(config);
    for op in ops {
        step(&mut map, &mut model, &clock, &log, op);
    }
    if model.timed {
        // Everything expired is handed over by `purge_expired` at the latest.
        step(&mut map, &mut model, &clock, &log, &Op::PurgeExpired);
        let left: Vec<_> = model.items.iter().filter(|e| model.expired(e)).collect();
        assert!(left.is_empty(), "expired, never reported: {left:?}");
        assert_eq!(map.stats_len(), model.held());
    }
    model.unpark();
    drop(map);
    let events = std::mem::take(&mut *log.lock().unwrap());
    model.settle(events);
    if model.exact {
        assert!(model.owed.is_empty(), "never delivered: {:?}", model.owed);
    }
    ledger.assert_all_dropped_once();
}

fn step<M: Subject>(map: &mut M, model: &mut Model, clock: &ManualClock, log: &Log, op: &Op) {
    if tracing() {
        eprintln!("{op:?} at {} ms on {:?}", model.now / MS, map.shown());
    }
    let held_before = model.held();
    let added = match *op {
        Op::Advance(ms) => {
            clock.advance(Duration::from_millis(ms));
            model.apply(op, &Seen::Nothing)
        }
        Op::Rewind(ms) => {
            let back = ms.min(model.now / MS);
            clock.rewind(Duration::from_millis(back));
            model.apply(&Op::Rewind(back), &Seen::Nothing)
        }
        _ => {
            let got = map.apply(op);
            model.apply(op, &got)
        }
    };
    let events = std::mem::take(&mut *log.lock().unwrap());
    let size_evictions = model.settle(events);
    if added && !model.exact && !model.weighted() && !model.timed && map.one_bound() {
        // Eviction only for room: a new key in a full count-bounded map
        // evicts exactly one entry, in a map with room none.
        assert_eq!(
            size_evictions,
            usize::from(held_before >= model.capacity),
            "{op:?}: {size_evictions} evictions at {held_before}/{}",
            model.capacity
        );
    }
    // What the map shows is exactly the live model (in recency order where
    // the model predicts it), and so is every lookup.
    let shown = map.shown();
    let live = model.live();
    if model.exact {
        assert_eq!(shown, live, "after {op:?}");
    } else {
        let mut a = shown.clone();
        let mut b = live.clone();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b, "after {op:?}");
    }
    for k in 0..KEYS {
        assert_eq!(
            map.peek(k, &shown),
            model.live_value(k),
            "peek {k} after {op:?}"
        );
    }
    if model.timed {
        assert!(map.len() >= live.len());
    } else {
        assert_eq!(map.len(), model.held(), "after {op:?}");
    }
    assert!(map.len() <= model.capacity);
    if let Some(weight) = map.weight() {
        if !model.timed {
            assert_eq!(weight, model.total(), "after {op:?}");
        }
        assert!(weight <= model.max_weight);
    }
    map.check();
}
