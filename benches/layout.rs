//! Engine layouts, measured before one is built: the shipped slab engine
//! against two bare LRU prototypes that keep their entries in the
//! `hashbrown::HashTable` itself and link them by bucket index, through the
//! safe bucket API, with schnellru as the reference.
//!
//! ```text
//! cargo bench --bench layout                 # BENCH_REPS=3 by default here
//! ```
//!
//! - **links in the entry**: a bucket holds key, value and its two links;
//!   a relink reaches a neighbour through `get_bucket_mut`, which checks
//!   the neighbour's control byte.
//! - **links column**: a bucket holds key and value; the links are a
//!   `Vec<[u32; 2]>` indexed by bucket, so a relink is two plain stores.
//!
//! Both prototypes reserve twice the bound in buckets (bucket indices must
//! not move, and at that load hashbrown's tombstones rarely run out; the
//! last lines of the output count how soon they do at the bound itself),
//! as the slab engine and schnellru come to hold once full. Every map is
//! filled to its bound, untimed, before the Zipf and churn turns. They
//! count nothing, expire nothing and have no listener: they measure what
//! the layout costs, not what a map built on it would. Each map hashes
//! with its own default (schnellru's is ahash, the others' foldhash), as
//! in `benches/bounded.rs`.
//!
//! `u64` keys and values, capacity 100,000, the workloads of
//! `benches/bounded.rs`, each fed to all four maps in turns of 20,000
//! operations (who goes first rotating): speed ratios against schnellru for
//! Zipf(0.99) get-or-insert and resident gets, time ratios for churn.

use std::hash::BuildHasher;
use std::time::Instant;

use hashbrown::{DefaultHashBuilder, HashTable};
use leakless::BoundedMap;
use leakless_testkit::bench::{mix, zipf_trace, Settings};

const CAPACITY: usize = 100_000;
const TURN: usize = 20_000;
const NIL: u32 = u32::MAX;

/// What a prototype stores in its table and where it keeps the links.
trait Store {
    fn with_buckets_for(room: usize) -> Self;
    /// The bucket holding `key`.
    fn find(&self, hash: u64, key: u64) -> Option<u32>;
    fn key_value(&self, bucket: u32) -> (u64, u64);
    /// `[prev, next]` of the entry in `bucket`.
    fn links(&mut self, bucket: u32) -> &mut [u32; 2];
    fn remove(&mut self, bucket: u32);
    /// Stores a new entry; its bucket. The table has room (see `Lru`).
    fn insert(&mut self, hash: u64, key: u64, value: u64, hasher: &DefaultHashBuilder) -> u32;
    fn len(&self) -> usize;
    /// Whether one more insert fits without hashbrown moving buckets.
    fn has_room(&self) -> bool;
    fn bytes(&self) -> usize;
}

/// Key, value and links in one bucket.
struct LinksInEntry(HashTable<(u64, u64, [u32; 2])>);

impl Store for LinksInEntry {
    fn with_buckets_for(room: usize) -> Self {
        LinksInEntry(HashTable::with_capacity(room))
    }
    #[inline]
    fn find(&self, hash: u64, key: u64) -> Option<u32> {
        let b = self.0.find_bucket_index(hash, |e| e.0 == key)?;
        Some(b as u32)
    }
    #[inline]
    fn key_value(&self, bucket: u32) -> (u64, u64) {
        self.0
            .get_bucket(bucket as usize)
            .map_or((0, 0), |e| (e.0, e.1))
    }
    #[inline]
    fn links(&mut self, bucket: u32) -> &mut [u32; 2] {
        &mut self.0.get_bucket_mut(bucket as usize).expect("linked").2
    }
    #[inline]
    fn remove(&mut self, bucket: u32) {
        if let Ok(entry) = self.0.get_bucket_entry(bucket as usize) {
            entry.remove();
        }
    }
    #[inline]
    fn insert(&mut self, hash: u64, key: u64, value: u64, hasher: &DefaultHashBuilder) -> u32 {
        let entry = (key, value, [NIL, NIL]);
        let slot = self.0.insert_unique(hash, entry, |e| hasher.hash_one(e.0));
        slot.bucket_index() as u32
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn has_room(&self) -> bool {
        self.0.capacity() > self.0.len()
    }
    fn bytes(&self) -> usize {
        self.0.allocation_size()
    }
}

/// Key and value in the bucket, links in a column indexed by bucket.
struct LinksColumn {
    table: HashTable<(u64, u64)>,
    links: Vec<[u32; 2]>,
}

impl Store for LinksColumn {
    fn with_buckets_for(room: usize) -> Self {
        let table = HashTable::with_capacity(room);
        let links = vec![[NIL, NIL]; table.num_buckets()];
        LinksColumn { table, links }
    }
    #[inline]
    fn find(&self, hash: u64, key: u64) -> Option<u32> {
        let b = self.table.find_bucket_index(hash, |e| e.0 == key)?;
        Some(b as u32)
    }
    #[inline]
    fn key_value(&self, bucket: u32) -> (u64, u64) {
        self.table
            .get_bucket(bucket as usize)
            .copied()
            .unwrap_or((0, 0))
    }
    #[inline]
    fn links(&mut self, bucket: u32) -> &mut [u32; 2] {
        &mut self.links[bucket as usize]
    }
    #[inline]
    fn remove(&mut self, bucket: u32) {
        if let Ok(entry) = self.table.get_bucket_entry(bucket as usize) {
            entry.remove();
        }
    }
    #[inline]
    fn insert(&mut self, hash: u64, key: u64, value: u64, hasher: &DefaultHashBuilder) -> u32 {
        let slot = self
            .table
            .insert_unique(hash, (key, value), |e| hasher.hash_one(e.0));
        slot.bucket_index() as u32
    }
    fn len(&self) -> usize {
        self.table.len()
    }
    fn has_room(&self) -> bool {
        self.table.capacity() > self.table.len()
    }
    fn bytes(&self) -> usize {
        self.table.allocation_size() + self.links.capacity() * std::mem::size_of::<[u32; 2]>()
    }
}

/// An exact LRU of `CAPACITY` entries over a `Store`, linked by bucket.
struct Lru<S> {
    store: S,
    head: u32,
    tail: u32,
    hasher: DefaultHashBuilder,
    /// Times the table ran out of room and was laid out anew.
    rebuilds: usize,
}

impl<S: Store> Lru<S> {
    fn new() -> Self {
        Lru {
            store: S::with_buckets_for(2 * CAPACITY + 2),
            head: NIL,
            tail: NIL,
            hasher: DefaultHashBuilder::default(),
            rebuilds: 0,
        }
    }

    #[inline]
    fn unlink(&mut self, b: u32) {
        let [prev, next] = *self.store.links(b);
        match prev {
            NIL => self.head = next,
            p => self.store.links(p)[1] = next,
        }
        match next {
            NIL => self.tail = prev,
            n => self.store.links(n)[0] = prev,
        }
    }

    #[inline]
    fn push_front(&mut self, b: u32) {
        let head = self.head;
        *self.store.links(b) = [NIL, head];
        match head {
            NIL => self.tail = b,
            h => self.store.links(h)[0] = b,
        }
        self.head = b;
    }

    /// The bucket of `key`, made the most recent.
    #[inline]
    fn touch(&mut self, hash: u64, key: u64) -> Option<u32> {
        let b = self.store.find(hash, key)?;
        if self.head != b {
            self.unlink(b);
            self.push_front(b);
        }
        Some(b)
    }

    #[inline]
    fn insert_new(&mut self, hash: u64, key: u64, value: u64) {
        if self.store.len() >= CAPACITY {
            let t = self.tail;
            self.unlink(t);
            self.store.remove(t);
        }
        if !self.store.has_room() {
            self.rebuild();
        }
        let b = self.store.insert(hash, key, value, &self.hasher);
        self.push_front(b);
    }

    /// Lays the entries out anew in a table of the same size, least recent
    /// first (bucket indices move, so the links are rebuilt with them).
    #[inline(never)]
    fn rebuild(&mut self) {
        let mut order = Vec::with_capacity(self.store.len());
        let mut cur = self.tail;
        while cur != NIL {
            order.push(self.store.key_value(cur));
            cur = self.store.links(cur)[0];
        }
        let mut fresh = Lru::<S>::new();
        fresh.rebuilds = self.rebuilds + 1;
        for (k, v) in order {
            let hash = fresh.hasher.hash_one(k);
            let b = fresh.store.insert(hash, k, v, &fresh.hasher);
            fresh.push_front(b);
        }
        *self = fresh;
    }
}

/// One map under test.
trait Contender {
    fn build() -> Self;
    fn get_or_insert(&mut self, key: u64) -> bool;
    fn get(&mut self, key: u64) -> Option<u64>;
    fn insert(&mut self, key: u64);
    /// Heap bytes: the map's own allocations.
    fn bytes(&self) -> Option<usize>;
}

impl<S: Store> Contender for Lru<S> {
    fn build() -> Self {
        Lru::new()
    }
    #[inline]
    fn get_or_insert(&mut self, key: u64) -> bool {
        let hash = self.hasher.hash_one(key);
        if self.touch(hash, key).is_some() {
            return true;
        }
        self.insert_new(hash, key, key);
        false
    }
    #[inline]
    fn get(&mut self, key: u64) -> Option<u64> {
        let hash = self.hasher.hash_one(key);
        let b = self.touch(hash, key)?;
        Some(self.store.key_value(b).1)
    }
    #[inline]
    fn insert(&mut self, key: u64) {
        let hash = self.hasher.hash_one(key);
        if self.touch(hash, key).is_none() {
            self.insert_new(hash, key, key);
        }
    }
    fn bytes(&self) -> Option<usize> {
        Some(self.store.bytes())
    }
}

impl Contender for BoundedMap<u64, u64> {
    fn build() -> Self {
        BoundedMap::new(CAPACITY)
    }
    #[inline]
    fn get_or_insert(&mut self, key: u64) -> bool {
        let mut hit = true;
        self.get_or_insert_with(key, || {
            hit = false;
            key
        });
        hit
    }
    #[inline]
    fn get(&mut self, key: u64) -> Option<u64> {
        BoundedMap::get(self, &key).copied()
    }
    #[inline]
    fn insert(&mut self, key: u64) {
        BoundedMap::insert(self, key, key);
    }
    fn bytes(&self) -> Option<usize> {
        Some(leakless::Footprint::footprint(self))
    }
}

impl Contender for schnellru::LruMap<u64, u64> {
    fn build() -> Self {
        schnellru::LruMap::new(schnellru::ByLength::new(CAPACITY as u32))
    }
    #[inline]
    fn get_or_insert(&mut self, key: u64) -> bool {
        let mut hit = true;
        schnellru::LruMap::get_or_insert(self, key, || {
            hit = false;
            key
        });
        hit
    }
    #[inline]
    fn get(&mut self, key: u64) -> Option<u64> {
        schnellru::LruMap::get(self, &key).copied()
    }
    #[inline]
    fn insert(&mut self, key: u64) {
        schnellru::LruMap::insert(self, key, key);
    }
    fn bytes(&self) -> Option<usize> {
        Some(self.memory_usage())
    }
}

/// The four maps, alive together.
struct Field {
    slab: BoundedMap<u64, u64>,
    in_entry: Lru<LinksInEntry>,
    column: Lru<LinksColumn>,
    schnellru: schnellru::LruMap<u64, u64>,
}

const NAMES: [&str; 3] = ["leakless (slab)", "links in the entry", "links column"];

impl Field {
    fn new() -> Self {
        Field {
            slab: Contender::build(),
            in_entry: Contender::build(),
            column: Contender::build(),
            schnellru: Contender::build(),
        }
    }

    /// Feeds `keys` to every map in turns, as workload `W` (see `run`);
    /// each map's seconds: slab, links in the entry, links column,
    /// schnellru.
    fn race<const W: u8>(&mut self, keys: &[u64]) -> [f64; 4] {
        let mut time = [0f64; 4];
        let mut sums = [0u64; 4];
        for (n, turn) in keys.chunks(TURN).enumerate() {
            for j in 0..4 {
                let w = (j + n) % 4;
                let start = Instant::now();
                let sum = match w {
                    0 => run::<_, W>(&mut self.slab, turn),
                    1 => run::<_, W>(&mut self.in_entry, turn),
                    2 => run::<_, W>(&mut self.column, turn),
                    _ => run::<_, W>(&mut self.schnellru, turn),
                };
                time[w] += start.elapsed().as_secs_f64();
                sums[w] = sums[w].wrapping_add(sum);
            }
        }
        assert!(
            sums.iter().all(|&s| s == sums[0]),
            "the maps disagree: {sums:?}"
        );
        time
    }
}

const ZIPF: u8 = 0;
const GET: u8 = 1;
const INSERT: u8 = 2;

/// Workload `W` over `keys` on `map`: get-or-insert (the hits counted),
/// gets (the values summed) or inserts.
fn run<C: Contender, const W: u8>(map: &mut C, keys: &[u64]) -> u64 {
    let mut sum = 0u64;
    for &k in keys {
        let x = match W {
            ZIPF => u64::from(map.get_or_insert(k)),
            GET => map.get(k).unwrap_or(0),
            _ => {
                map.insert(k);
                0
            }
        };
        sum = sum.wrapping_add(x);
    }
    sum
}

/// How many evict-and-insert operations a table of `u64` holding `len`
/// entries in the buckets `with_capacity(len)` gives takes before its
/// room is used up by tombstones (when hashbrown would rehash or grow).
fn churn_until_full(len: u64) -> u64 {
    let hasher = DefaultHashBuilder::default();
    let hash = |k: &u64| hasher.hash_one(*k);
    let mut table: HashTable<u64> = HashTable::with_capacity(len as usize);
    for k in 0..len {
        table.insert_unique(hash(&k), k, hash);
    }
    let mut ops = 0;
    while table.capacity() > table.len() {
        let (old, new) = (ops, len + ops);
        if let Ok(entry) = table.find_entry(hash(&old), |&x| x == old) {
            entry.remove();
        }
        table.insert_unique(hash(&new), new, hash);
        ops += 1;
    }
    ops
}

fn main() {
    let settings = Settings::from_env();
    let reps = if std::env::var_os("BENCH_REPS").is_some() {
        settings.reps
    } else {
        3
    };
    let scale = if settings.quick { 10 } else { 1 };
    let zipf = zipf_trace(1_000_000, 0.99, 10_000_000 / scale, 7);
    let resident: Vec<u64> = (0..10_000_000 / scale as u64)
        .map(|i| mix(mix(i) % CAPACITY as u64))
        .collect();
    let churn: Vec<u64> = (0..5_000_000 / scale as u64).map(mix).collect();
    // Keys in neither trace, to fill every map to its bound before the
    // timed turns: the slab and schnellru grow their tables as they fill,
    // the prototypes allocate theirs up front, and none of that is timed.
    let warm: Vec<u64> = (0..CAPACITY as u64).map(|i| mix(u64::MAX - i)).collect();

    let mut ratios: Vec<[[f64; 3]; 3]> = Vec::new();
    let mut bytes = [None; 4];
    let mut rebuilds = 0;
    for rep in 0..reps {
        eprintln!("repetition {}/{reps}", rep + 1);
        let mut row = [[0.0; 3]; 3];
        let mut field = Field::new();
        field.race::<INSERT>(&warm);
        let t = field.race::<ZIPF>(&zipf);
        row[0] = [t[3] / t[0], t[3] / t[1], t[3] / t[2]];
        let mut field = Field::new();
        let fill: Vec<u64> = (0..CAPACITY as u64).map(mix).collect();
        field.race::<INSERT>(&fill);
        let t = field.race::<GET>(&resident);
        row[1] = [t[3] / t[0], t[3] / t[1], t[3] / t[2]];
        let mut field = Field::new();
        field.race::<INSERT>(&warm);
        let t = field.race::<INSERT>(&churn);
        row[2] = [t[0] / t[3], t[1] / t[3], t[2] / t[3]];
        bytes = [
            field.slab.bytes(),
            field.in_entry.bytes(),
            field.column.bytes(),
            field.schnellru.bytes(),
        ];
        rebuilds = rebuilds.max(field.in_entry.rebuilds.max(field.column.rebuilds));
        ratios.push(row);
    }

    println!(
        "Layouts, u64 -> u64, capacity {CAPACITY}, turns of {TURN}, {reps} repetition(s); \
         zipf and resident: speed / schnellru's; churn: time / schnellru's\n"
    );
    println!("| layout | zipf | resident gets | churn time |");
    println!("|---|---|---|---|");
    for (m, name) in NAMES.iter().enumerate() {
        let cell = |w: usize| {
            let xs: Vec<String> = ratios.iter().map(|r| format!("{:.2}", r[w][m])).collect();
            let lo = ratios.iter().map(|r| r[w][m]).fold(f64::MAX, f64::min);
            let hi = ratios.iter().map(|r| r[w][m]).fold(f64::MIN, f64::max);
            format!("{lo:.2}x-{hi:.2}x ({})", xs.join(", "))
        };
        println!("| {name} | {} | {} | {} |", cell(0), cell(1), cell(2));
    }
    let per_entry: Vec<String> = [
        "leakless (slab)",
        "links in the entry",
        "links column",
        "schnellru",
    ]
    .iter()
    .zip(bytes)
    .map(|(name, b)| format!("{name} {:.1}", b.unwrap_or(0) as f64 / CAPACITY as f64))
    .collect();
    println!(
        "\nheap bytes per entry after the churn: {}",
        per_entry.join(", ")
    );
    println!("tables laid out anew during the churn, at most: {rebuilds}");
    for len in [60_000, CAPACITY as u64, 110_000] {
        println!(
            "a table sized for {len} entries: {} evict-and-insert operations before tombstones use up its room",
            churn_until_full(len)
        );
    }
}
