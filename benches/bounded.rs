//! `BoundedMap` side by side with the bounded maps a user would otherwise
//! pick, in one run, on the same pre-generated traces.
//!
//! ```sh
//! cargo bench --bench bounded            # the README's table (about a minute)
//! BENCH_REPS=9 cargo bench --bench bounded
//! BENCH_QUICK=1 BENCH_REPS=1 cargo bench --bench bounded   # smoke run, numbers meaningless
//! BENCH_ONLY=expiry cargo bench --bench bounded            # just the TTL table
//! BENCH_ONLY=paired cargo bench --bench bounded            # interleaved ratios
//! ```
//!
//! u64 keys and values, capacity 100,000, each crate with its default
//! hasher. Every figure is the median of `BENCH_REPS` runs (default 5); the
//! contenders take turns inside each repetition so that a noisy moment
//! hurts them all alike. Ratios are against the row named in the header.
//!
//! Workloads:
//! - **zipf**: 10M get-or-insert over 1M keys drawn from Zipf(0.99)
//!   (each crate's own get-or-insert call; hashlink has none, so get then
//!   insert). Mops/s and hit ratio.
//! - **churn**: 5M distinct inserts; ns per insert, and heap bytes per
//!   entry at full capacity afterwards (counting allocator).
//! - **resident gets**: 10M uniform gets of keys all present. Mops/s.
//!
//! The unbounded `hashbrown::HashMap` is the floor: it does no bookkeeping
//! and evicts nothing (so in churn it ends up holding all 5M entries).
//!
//! A second table puts a TTL on the zipf workload (get, then insert on a
//! miss), against `moka::sync::Cache` and `mini_moka::unsync::Cache` with the
//! same capacity and TTL: one hour (nothing expires: the pure cost of
//! keeping time) and 20 ms (entries churn through expiry; hit ratios then
//! depend on each crate's speed, since time is real).
//!
//! `BENCH_ONLY=paired` measures the ratios the engine's targets are stated
//! in with the two maps interleaved: both alive, each workload fed to them
//! in turns of 20,000 operations, who goes first alternating. A change in
//! the machine's speed that lasts longer than a turn (about a millisecond)
//! then slows both alike, where the table above runs each contender's
//! workload whole, a second or so apart. It prints every repetition's
//! ratios and their range.

use std::hint::black_box;
use std::num::NonZeroUsize;
use std::ops::Range;
use std::time::{Duration, Instant};

use leakless::BoundedMap;
use leakless_testkit::bench::{median, mix, zipf_trace, Settings};
use leakless_testkit::{live_bytes, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const CAPACITY: usize = 100_000;

/// The operations every contender offers, in its own natural spelling.
trait Contender {
    const NAME: &'static str;
    fn with_capacity(capacity: usize) -> Self;
    /// Looks `key` up, inserting `key` as its value on a miss; true on a hit.
    fn get_or_insert(&mut self, key: u64) -> bool;
    fn insert(&mut self, key: u64, value: u64);
    fn get(&mut self, key: u64) -> Option<u64>;
}

impl Contender for BoundedMap<u64, u64> {
    const NAME: &'static str = "leakless";
    fn with_capacity(capacity: usize) -> Self {
        BoundedMap::new(capacity)
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
    fn insert(&mut self, key: u64, value: u64) {
        BoundedMap::insert(self, key, value);
    }
    #[inline]
    fn get(&mut self, key: u64) -> Option<u64> {
        BoundedMap::get(self, &key).copied()
    }
}

/// A `BoundedMap` built with one more builder setting, as a contender of
/// its own.
macro_rules! configured {
    ($(#[$doc:meta])* $name:ident, $label:literal, |$b:ident| $configure:expr) => {
        $(#[$doc])*
        struct $name(BoundedMap<u64, u64>);

        impl Contender for $name {
            const NAME: &'static str = $label;
            fn with_capacity(capacity: usize) -> Self {
                let $b = BoundedMap::builder().capacity(capacity);
                $name($configure.build())
            }
            #[inline]
            fn get_or_insert(&mut self, key: u64) -> bool {
                self.0.get_or_insert(key)
            }
            #[inline]
            fn insert(&mut self, key: u64, value: u64) {
                self.0.insert(key, value);
            }
            #[inline]
            fn get(&mut self, key: u64) -> Option<u64> {
                self.0.get(&key).copied()
            }
        }
    };
}

configured!(
    /// `BoundedMap` with a one-hour TTL: nothing expires during a run, so
    /// what it costs over the plain map is keeping time.
    HourTtl,
    "leakless 1 h TTL",
    |b| b.ttl(Duration::from_secs(3600))
);

configured!(
    /// `BoundedMap` under `Policy::TinyLfu`.
    TinyLfu,
    "leakless TinyLfu",
    |b| b.policy(leakless::Policy::TinyLfu)
);

impl Contender for schnellru::LruMap<u64, u64> {
    const NAME: &'static str = "schnellru";
    fn with_capacity(capacity: usize) -> Self {
        schnellru::LruMap::new(schnellru::ByLength::new(capacity as u32))
    }
    #[inline]
    fn get_or_insert(&mut self, key: u64) -> bool {
        let mut hit = true;
        self.get_or_insert(key, || {
            hit = false;
            key
        });
        hit
    }
    #[inline]
    fn insert(&mut self, key: u64, value: u64) {
        schnellru::LruMap::insert(self, key, value);
    }
    #[inline]
    fn get(&mut self, key: u64) -> Option<u64> {
        schnellru::LruMap::get(self, &key).copied()
    }
}

impl Contender for lru::LruCache<u64, u64> {
    const NAME: &'static str = "lru";
    fn with_capacity(capacity: usize) -> Self {
        lru::LruCache::new(NonZeroUsize::new(capacity).expect("capacity > 0"))
    }
    #[inline]
    fn get_or_insert(&mut self, key: u64) -> bool {
        let mut hit = true;
        lru::LruCache::get_or_insert(self, key, || {
            hit = false;
            key
        });
        hit
    }
    #[inline]
    fn insert(&mut self, key: u64, value: u64) {
        self.put(key, value);
    }
    #[inline]
    fn get(&mut self, key: u64) -> Option<u64> {
        lru::LruCache::get(self, &key).copied()
    }
}

impl Contender for hashlink::LruCache<u64, u64> {
    const NAME: &'static str = "hashlink";
    fn with_capacity(capacity: usize) -> Self {
        hashlink::LruCache::new(capacity)
    }
    #[inline]
    fn get_or_insert(&mut self, key: u64) -> bool {
        if hashlink::LruCache::get(self, &key).is_some() {
            return true;
        }
        hashlink::LruCache::insert(self, key, key);
        false
    }
    #[inline]
    fn insert(&mut self, key: u64, value: u64) {
        hashlink::LruCache::insert(self, key, value);
    }
    #[inline]
    fn get(&mut self, key: u64) -> Option<u64> {
        hashlink::LruCache::get(self, &key).copied()
    }
}

impl Contender for quick_cache::unsync::Cache<u64, u64> {
    const NAME: &'static str = "quick_cache";
    fn with_capacity(capacity: usize) -> Self {
        quick_cache::unsync::Cache::new(capacity)
    }
    #[inline]
    fn get_or_insert(&mut self, key: u64) -> bool {
        let mut hit = true;
        let _ = self.get_or_insert_with(&key, || {
            hit = false;
            Ok::<u64, ()>(key)
        });
        hit
    }
    #[inline]
    fn insert(&mut self, key: u64, value: u64) {
        quick_cache::unsync::Cache::insert(self, key, value);
    }
    #[inline]
    fn get(&mut self, key: u64) -> Option<u64> {
        quick_cache::unsync::Cache::get(self, &key).copied()
    }
}

impl Contender for hashbrown::HashMap<u64, u64> {
    const NAME: &'static str = "hashbrown (unbounded)";
    fn with_capacity(_capacity: usize) -> Self {
        hashbrown::HashMap::new()
    }
    #[inline]
    fn get_or_insert(&mut self, key: u64) -> bool {
        match self.entry(key) {
            hashbrown::hash_map::Entry::Occupied(_) => true,
            hashbrown::hash_map::Entry::Vacant(slot) => {
                slot.insert(key);
                false
            }
        }
    }
    #[inline]
    fn insert(&mut self, key: u64, value: u64) {
        hashbrown::HashMap::insert(self, key, value);
    }
    #[inline]
    fn get(&mut self, key: u64) -> Option<u64> {
        hashbrown::HashMap::get(self, &key).copied()
    }
}

struct Sizes {
    zipf_universe: usize,
    zipf_ops: usize,
    churn_inserts: u64,
    resident_gets: usize,
}

struct Traces {
    zipf: Vec<u64>,
    resident: Vec<u64>,
}

struct Run {
    zipf: Duration,
    hit_ratio: f64,
    churn: Duration,
    bytes_per_entry: f64,
    resident: Duration,
}

#[inline(never)]
fn run<C: Contender>(sizes: &Sizes, traces: &Traces) -> Run {
    // zipf get-or-insert
    let mut map = C::with_capacity(CAPACITY);
    let start = Instant::now();
    let mut hits = 0usize;
    for &key in &traces.zipf {
        hits += usize::from(map.get_or_insert(black_box(key)));
    }
    let zipf = start.elapsed();
    black_box(&mut map);
    drop(map);

    // churn: distinct inserts, then the bytes the full map holds
    let before = live_bytes();
    let mut map = C::with_capacity(CAPACITY);
    let start = Instant::now();
    for i in 0..sizes.churn_inserts {
        map.insert(black_box(mix(i ^ 0xc0ffee)), i);
    }
    let churn = start.elapsed();
    let held = live_bytes().saturating_sub(before);
    let entries = (sizes.churn_inserts as usize).min(if C::NAME.starts_with("hashbrown") {
        usize::MAX
    } else {
        CAPACITY
    });
    drop(map);

    // resident gets
    let mut map = C::with_capacity(CAPACITY);
    for i in 0..CAPACITY as u64 {
        map.insert(mix(i), i);
    }
    let start = Instant::now();
    let mut sum = 0u64;
    for &key in &traces.resident {
        sum = sum.wrapping_add(map.get(black_box(key)).unwrap_or(0));
    }
    let resident = start.elapsed();
    black_box(sum);

    Run {
        zipf,
        hit_ratio: hits as f64 / traces.zipf.len() as f64,
        churn,
        bytes_per_entry: held as f64 / entries as f64,
        resident,
    }
}

struct Row {
    name: &'static str,
    zipf_mops: f64,
    hit_ratio: f64,
    churn_ns: f64,
    bytes_per_entry: f64,
    resident_mops: f64,
}

fn main() {
    let Settings { quick, reps } = Settings::from_env();
    let scale = if quick { 10 } else { 1 };
    let sizes = Sizes {
        zipf_universe: 1_000_000,
        zipf_ops: 10_000_000 / scale,
        churn_inserts: 5_000_000 / scale as u64,
        resident_gets: 10_000_000 / scale,
    };
    let traces = Traces {
        zipf: zipf_trace(sizes.zipf_universe, 0.99, sizes.zipf_ops, 0x5eed),
        resident: (0..sizes.resident_gets as u64)
            .map(|i| mix(mix(i ^ 0xbeef) % CAPACITY as u64))
            .collect(),
    };

    match std::env::var("BENCH_ONLY").as_deref() {
        Ok("expiry") => return expiry_report(&traces.zipf, reps),
        Ok("paired") => return paired_report(&sizes, &traces, reps),
        _ => {}
    }
    type Runner = fn(&Sizes, &Traces) -> Run;
    let contenders: [(&str, Runner); 7] = [
        ("leakless", run::<BoundedMap<u64, u64>>),
        ("leakless TinyLfu", run::<TinyLfu>),
        ("schnellru", run::<schnellru::LruMap<u64, u64>>),
        ("lru", run::<lru::LruCache<u64, u64>>),
        ("hashlink", run::<hashlink::LruCache<u64, u64>>),
        ("quick_cache", run::<quick_cache::unsync::Cache<u64, u64>>),
        ("hashbrown (unbounded)", run::<hashbrown::HashMap<u64, u64>>),
    ];
    let mut runs: Vec<Vec<Run>> = contenders.iter().map(|_| Vec::new()).collect();
    for rep in 0..reps {
        eprintln!("repetition {}/{reps}", rep + 1);
        for (i, (_, runner)) in contenders.iter().enumerate() {
            runs[i].push(runner(&sizes, &traces));
        }
    }

    let rows: Vec<Row> = contenders
        .iter()
        .zip(&runs)
        .map(|((name, _), runs)| {
            let med = |f: &dyn Fn(&Run) -> f64| median(runs.iter().map(f).collect());
            Row {
                name,
                zipf_mops: med(&|r| sizes.zipf_ops as f64 / r.zipf.as_secs_f64() / 1e6),
                hit_ratio: med(&|r| r.hit_ratio),
                churn_ns: med(&|r| r.churn.as_nanos() as f64 / sizes.churn_inserts as f64),
                bytes_per_entry: med(&|r| r.bytes_per_entry),
                resident_mops: med(&|r| {
                    sizes.resident_gets as f64 / r.resident.as_secs_f64() / 1e6
                }),
            }
        })
        .collect();
    print_report(&rows, &sizes, reps, quick);
    expiry_report(&traces.zipf, reps);
}

/// Runs `op` (a get-or-insert returning whether it hit) over the trace.
#[inline(never)]
fn drive(trace: &[u64], mut op: impl FnMut(u64) -> bool) -> (f64, f64) {
    let start = Instant::now();
    let mut hits = 0usize;
    for &key in trace {
        hits += usize::from(op(black_box(key)));
    }
    let secs = start.elapsed().as_secs_f64();
    (
        trace.len() as f64 / secs / 1e6,
        hits as f64 / trace.len() as f64,
    )
}

fn leakless_ttl(trace: &[u64], ttl: Option<Duration>, clock: leakless::Clock) -> (f64, f64) {
    let mut builder = BoundedMap::<u64, u64>::builder()
        .capacity(CAPACITY)
        .clock(clock);
    if let Some(ttl) = ttl {
        builder = builder.ttl(ttl);
    }
    let mut map = builder.build();
    drive(trace, |k| {
        if map.get(&k).is_some() {
            return true;
        }
        map.insert(k, k);
        false
    })
}

fn moka_sync(trace: &[u64], ttl: Duration) -> (f64, f64) {
    let cache = moka::sync::Cache::<u64, u64>::builder()
        .max_capacity(CAPACITY as u64)
        .time_to_live(ttl)
        .build();
    drive(trace, |k| {
        if cache.get(&k).is_some() {
            return true;
        }
        cache.insert(k, k);
        false
    })
}

fn mini_moka_unsync(trace: &[u64], ttl: Duration) -> (f64, f64) {
    let mut cache = mini_moka::unsync::Cache::<u64, u64>::builder()
        .max_capacity(CAPACITY as u64)
        .time_to_live(ttl)
        .build();
    drive(trace, |k| {
        if cache.get(&k).is_some() {
            return true;
        }
        cache.insert(k, k);
        false
    })
}

fn expiry_report(trace: &[u64], reps: usize) {
    const LONG: Duration = Duration::from_secs(3600);
    const SHORT: Duration = Duration::from_millis(20);
    type Runner = Box<dyn Fn(&[u64]) -> (f64, f64)>;
    let contenders: Vec<(&str, &str, Runner)> = vec![
        (
            "leakless",
            "none",
            Box::new(|t: &[u64]| leakless_ttl(t, None, leakless::Clock::coarse())),
        ),
        (
            "leakless",
            "1 h",
            Box::new(|t: &[u64]| leakless_ttl(t, Some(LONG), leakless::Clock::coarse())),
        ),
        (
            "leakless, Clock::precise",
            "1 h",
            Box::new(|t: &[u64]| leakless_ttl(t, Some(LONG), leakless::Clock::precise())),
        ),
        (
            "mini_moka::unsync",
            "1 h",
            Box::new(|t: &[u64]| mini_moka_unsync(t, LONG)),
        ),
        (
            "moka::sync",
            "1 h",
            Box::new(|t: &[u64]| moka_sync(t, LONG)),
        ),
        (
            "leakless",
            "20 ms",
            Box::new(|t: &[u64]| leakless_ttl(t, Some(SHORT), leakless::Clock::coarse())),
        ),
        (
            "mini_moka::unsync",
            "20 ms",
            Box::new(|t: &[u64]| mini_moka_unsync(t, SHORT)),
        ),
        (
            "moka::sync",
            "20 ms",
            Box::new(|t: &[u64]| moka_sync(t, SHORT)),
        ),
    ];
    let mut runs: Vec<Vec<(f64, f64)>> = contenders.iter().map(|_| Vec::new()).collect();
    for rep in 0..reps {
        eprintln!("expiry repetition {}/{reps}", rep + 1);
        for (i, (_, _, runner)) in contenders.iter().enumerate() {
            runs[i].push(runner(trace));
        }
    }
    let medians: Vec<(f64, f64)> = runs
        .iter()
        .map(|r| {
            (
                median(r.iter().map(|x| x.0).collect()),
                median(r.iter().map(|x| x.1).collect()),
            )
        })
        .collect();
    let base = medians[0].0;
    println!(
        "\nzipf get-then-insert with a TTL, capacity {CAPACITY}, {} ops\n",
        trace.len()
    );
    println!("| crate | TTL | Mops/s | vs leakless without TTL | hit ratio |");
    println!("|---|---|---:|---:|---:|");
    for ((name, ttl, _), (mops, hit)) in contenders.iter().zip(&medians) {
        println!(
            "| {name} | {ttl} | {mops:.1} | {:.2}x | {:.1}% |",
            mops / base,
            100.0 * hit
        );
    }
    let time_ratio = base / medians[1].0;
    let fastest_moka = medians[3].0.max(medians[4].0);
    println!("\nTargets:");
    println!(
        "- {} leakless with a TTL takes <= 1.2x its time without: {time_ratio:.2}x",
        if time_ratio <= 1.2 { "PASS" } else { "MISS" }
    );
    println!(
        "- {} leakless with a TTL is faster than both moka caches: {:.2}x the faster one",
        if medians[1].0 > fastest_moka {
            "PASS"
        } else {
            "MISS"
        },
        medians[1].0 / fastest_moka
    );
}

fn print_report(rows: &[Row], sizes: &Sizes, reps: usize, quick: bool) {
    let by = |name: &str| rows.iter().find(|r| r.name == name).expect("contender ran");
    let (ours, schnell, floor) = (by("leakless"), by("schnellru"), by("hashbrown (unbounded)"));

    println!(
        "u64 -> u64, capacity {CAPACITY}, median of {reps} run(s){}\n",
        if quick {
            " (BENCH_QUICK: 1/10 sizes)"
        } else {
            ""
        }
    );
    println!(
        "| crate | zipf get-or-insert Mops/s | vs schnellru | hit ratio | churn ns/insert | vs schnellru | bytes/entry | resident get Mops/s | vs hashbrown |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {:.1} | {:.2}x | {:.1}% | {:.1} | {:.2}x | {:.1} | {:.1} | {:.2}x |",
            r.name,
            r.zipf_mops,
            r.zipf_mops / schnell.zipf_mops,
            100.0 * r.hit_ratio,
            r.churn_ns,
            r.churn_ns / schnell.churn_ns,
            r.bytes_per_entry,
            r.resident_mops,
            r.resident_mops / floor.resident_mops,
        );
    }
    println!(
        "\nzipf: {} ops, Zipf(0.99) over {} keys; churn: {} distinct inserts \
         (hashbrown keeps them all; its bytes/entry is at {} entries); resident: {} uniform gets.\n",
        sizes.zipf_ops,
        sizes.zipf_universe,
        sizes.churn_inserts,
        sizes.churn_inserts,
        sizes.resident_gets
    );

    let target = |ok: bool, what: String| {
        println!("- {} {what}", if ok { "PASS" } else { "MISS" });
    };
    println!("Targets:");
    let zipf = ours.zipf_mops / schnell.zipf_mops;
    target(
        zipf >= 1.1,
        format!("zipf throughput >= 1.1x schnellru: {zipf:.2}x"),
    );
    let churn = ours.churn_ns / schnell.churn_ns;
    target(
        churn <= 0.9,
        format!("churn time <= 0.9x schnellru: {churn:.2}x"),
    );
    target(
        ours.bytes_per_entry <= 40.0,
        format!(
            "<= 40 bytes per entry at capacity: {:.1}",
            ours.bytes_per_entry
        ),
    );
    let gets = ours.resident_mops / floor.resident_mops;
    target(
        gets >= 0.5,
        format!("resident gets >= 0.5x hashbrown: {gets:.2}x"),
    );
}

/// Operations one map runs before the other takes its turn.
const TURN: usize = 20_000;

/// The time `a` and `b` each spend on operations `0..n`, run in turns of
/// `TURN`, who goes first alternating.
fn in_turns(
    n: usize,
    mut a: impl FnMut(Range<usize>),
    mut b: impl FnMut(Range<usize>),
) -> (Duration, Duration) {
    let (mut time_a, mut time_b) = (Duration::ZERO, Duration::ZERO);
    for (turn, start) in (0..n).step_by(TURN).enumerate() {
        let ops = start..(start + TURN).min(n);
        let timed = |f: &mut dyn FnMut(Range<usize>)| {
            let t = Instant::now();
            f(ops.clone());
            t.elapsed()
        };
        if turn % 2 == 0 {
            time_a += timed(&mut a);
            time_b += timed(&mut b);
        } else {
            time_b += timed(&mut b);
            time_a += timed(&mut a);
        }
    }
    (time_a, time_b)
}

// Each map's turn is a loop of its own, never inlined into the harness: the
// map's calls are inlined into it alone, so how the enclosing function is
// compiled favours neither map. With both loops inlined into one function,
// schnellru's Zipf turn ran at 18 or 27 ns an operation depending on the
// rest of the binary, while leakless's stayed at 24-25.

/// Zipf get-or-insert of `keys`; the number of hits.
#[inline(never)]
fn zipf_turn<M: Contender>(map: &mut M, keys: &[u64]) -> usize {
    let mut hits = 0;
    for &k in keys {
        hits += usize::from(map.get_or_insert(black_box(k)));
    }
    hits
}

/// Churn: inserts distinct keys, numbered `ops`.
#[inline(never)]
fn churn_turn<M: Contender>(map: &mut M, ops: Range<usize>) {
    for i in ops {
        map.insert(black_box(mix(i as u64 ^ 0xc0ffee)), i as u64);
    }
}

/// Gets of resident `keys`; the sum of the values found.
#[inline(never)]
fn resident_turn<M: Contender>(map: &mut M, keys: &[u64]) -> u64 {
    let mut sum = 0u64;
    for &k in keys {
        sum = sum.wrapping_add(map.get(black_box(k)).unwrap_or(0));
    }
    sum
}

/// `A`'s speed over `B`'s on zipf and resident gets, and `A`'s churn time
/// over `B`'s, measured in turns (see the module docs).
#[inline(never)]
fn interleaved<A: Contender, B: Contender>(sizes: &Sizes, traces: &Traces) -> [f64; 3] {
    let (mut a, mut b) = (A::with_capacity(CAPACITY), B::with_capacity(CAPACITY));
    let (mut hits_a, mut hits_b) = (0usize, 0usize);
    let (za, zb) = in_turns(
        traces.zipf.len(),
        |ops| hits_a += zipf_turn(&mut a, &traces.zipf[ops]),
        |ops| hits_b += zipf_turn(&mut b, &traces.zipf[ops]),
    );
    black_box((hits_a, hits_b));
    drop((a, b));

    let (mut a, mut b) = (A::with_capacity(CAPACITY), B::with_capacity(CAPACITY));
    let (ca, cb) = in_turns(
        sizes.churn_inserts as usize,
        |ops| churn_turn(&mut a, ops),
        |ops| churn_turn(&mut b, ops),
    );
    drop((a, b));

    let (mut a, mut b) = (A::with_capacity(CAPACITY), B::with_capacity(CAPACITY));
    for i in 0..CAPACITY as u64 {
        a.insert(mix(i), i);
        b.insert(mix(i), i);
    }
    let (mut sum_a, mut sum_b) = (0u64, 0u64);
    let (ra, rb) = in_turns(
        traces.resident.len(),
        |ops| sum_a = sum_a.wrapping_add(resident_turn(&mut a, &traces.resident[ops])),
        |ops| sum_b = sum_b.wrapping_add(resident_turn(&mut b, &traces.resident[ops])),
    );
    black_box((sum_a, sum_b));
    let secs = Duration::as_secs_f64;
    [
        secs(&zb) / secs(&za),
        secs(&ca) / secs(&cb),
        secs(&rb) / secs(&ra),
    ]
}

/// The engine's target ratios, each repetition interleaved.
fn paired_report(sizes: &Sizes, traces: &Traces, reps: usize) {
    type Pairing = fn(&Sizes, &Traces) -> [f64; 3];
    let pairs: [(&str, Pairing); 4] = [
        (
            "leakless / schnellru",
            interleaved::<BoundedMap<u64, u64>, schnellru::LruMap<u64, u64>>,
        ),
        (
            "leakless TinyLfu / schnellru",
            interleaved::<TinyLfu, schnellru::LruMap<u64, u64>>,
        ),
        (
            "leakless TinyLfu / hashbrown",
            interleaved::<TinyLfu, hashbrown::HashMap<u64, u64>>,
        ),
        (
            "leakless 1 h TTL / leakless",
            interleaved::<HourTtl, BoundedMap<u64, u64>>,
        ),
    ];
    let mut ratios: Vec<Vec<[f64; 3]>> = pairs.iter().map(|_| Vec::new()).collect();
    for rep in 0..reps {
        eprintln!("repetition {}/{reps}", rep + 1);
        for (i, (_, pairing)) in pairs.iter().enumerate() {
            ratios[i].push(pairing(sizes, traces));
        }
    }
    println!(
        "Interleaved in turns of {TURN} operations, u64 -> u64, capacity {CAPACITY}, \
         {reps} repetition(s): zipf and resident are speed ratios, churn a time ratio\n"
    );
    println!("| pair | zipf | churn time | resident gets |");
    println!("|---|---|---|---|");
    for ((name, _), runs) in pairs.iter().zip(&ratios) {
        let column = |w: usize| {
            let xs: Vec<f64> = runs.iter().map(|r| r[w]).collect();
            let (lo, hi) = xs
                .iter()
                .fold((f64::MAX, f64::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)));
            let each: Vec<String> = xs.iter().map(|x| format!("{x:.2}")).collect();
            format!("{lo:.2}x-{hi:.2}x ({})", each.join(", "))
        };
        println!("| {name} | {} | {} | {} |", column(0), column(1), column(2));
    }
}
