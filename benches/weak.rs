//! `WeakValueMap` side by side with `weak-table`'s `WeakValueHashMap`, in
//! one run, on the same keys.
//!
//! ```sh
//! cargo bench --bench weak
//! BENCH_QUICK=1 BENCH_REPS=1 cargo bench --bench weak   # smoke run
//! ```
//!
//! u64 keys, `Arc<u64>` values, each crate's default hasher, median of
//! `BENCH_REPS` (default 5) repetitions taking turns:
//! - **insert**: 1M inserts of live values into an empty map, ns per insert;
//! - **get**: 10M uniform gets of those keys, ns per get;
//! - **churn**: with the 1M live, 2M inserts whose value is dropped at once,
//!   ns per insert, then the map's heap bytes (counting allocator) and its
//!   table capacity.

use std::hint::black_box;
use std::sync::{Arc, Weak};
use std::time::Instant;

use leakless::WeakValueMap;
use leakless_testkit::bench::{median, mix, Settings};
use leakless_testkit::{live_bytes, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

trait Contender {
    const NAME: &'static str;
    fn new() -> Self;
    fn insert(&mut self, key: u64, value: &Arc<u64>);
    fn get(&self, key: u64) -> Option<Arc<u64>>;
    fn capacity(&self) -> usize;
}

impl Contender for WeakValueMap<u64, u64> {
    const NAME: &'static str = "leakless WeakValueMap";
    fn new() -> Self {
        WeakValueMap::new()
    }
    fn insert(&mut self, key: u64, value: &Arc<u64>) {
        WeakValueMap::insert(self, key, value);
    }
    fn get(&self, key: u64) -> Option<Arc<u64>> {
        WeakValueMap::get(self, &key)
    }
    fn capacity(&self) -> usize {
        WeakValueMap::capacity(self)
    }
}

impl Contender for weak_table::WeakValueHashMap<u64, Weak<u64>> {
    const NAME: &'static str = "weak-table WeakValueHashMap";
    fn new() -> Self {
        weak_table::WeakValueHashMap::new()
    }
    fn insert(&mut self, key: u64, value: &Arc<u64>) {
        weak_table::WeakValueHashMap::insert(self, key, Arc::clone(value));
    }
    fn get(&self, key: u64) -> Option<Arc<u64>> {
        weak_table::WeakValueHashMap::get(self, &key)
    }
    fn capacity(&self) -> usize {
        weak_table::WeakValueHashMap::capacity(self)
    }
}

struct Run {
    insert_ns: f64,
    get_ns: f64,
    churn_ns: f64,
    bytes: usize,
    capacity: usize,
}

#[inline(never)]
fn run<C: Contender>(live: &[Arc<u64>], gets: &[u64], churn: u64) -> Run {
    let before = live_bytes();
    let mut map = C::new();
    let start = Instant::now();
    for v in live {
        map.insert(mix(**v), v);
    }
    let insert_ns = start.elapsed().as_nanos() as f64 / live.len() as f64;

    let start = Instant::now();
    let mut found = 0usize;
    for &k in gets {
        found += usize::from(map.get(black_box(k)).is_some());
    }
    let get_ns = start.elapsed().as_nanos() as f64 / gets.len() as f64;
    assert_eq!(found, gets.len());

    let start = Instant::now();
    for i in 0..churn {
        let v = Arc::new(i);
        map.insert(mix(i ^ 0xdead_beef_0000), &v);
    }
    let churn_ns = start.elapsed().as_nanos() as f64 / churn as f64;
    // What the map holds: its own allocations and the dead values' blocks
    // its weak references still pin (the live values belong to `live`).
    let bytes = live_bytes().saturating_sub(before);
    let capacity = map.capacity();
    drop(map);
    Run {
        insert_ns,
        get_ns,
        churn_ns,
        bytes,
        capacity,
    }
}

fn main() {
    let Settings { quick, reps } = Settings::from_env();
    let scale = if quick { 10 } else { 1 };
    let n = 1_000_000 / scale;
    let live: Vec<Arc<u64>> = (0..n as u64).map(Arc::new).collect();
    let gets: Vec<u64> = (0..10_000_000 / scale as u64)
        .map(|i| mix(mix(i) % n as u64))
        .collect();
    let churn = 2 * n as u64;

    type Runner = fn(&[Arc<u64>], &[u64], u64) -> Run;
    let contenders: [(&str, Runner); 2] = [
        (
            <WeakValueMap<u64, u64> as Contender>::NAME,
            run::<WeakValueMap<u64, u64>>,
        ),
        (
            <weak_table::WeakValueHashMap<u64, Weak<u64>> as Contender>::NAME,
            run::<weak_table::WeakValueHashMap<u64, Weak<u64>>>,
        ),
    ];
    let mut runs: Vec<Vec<Run>> = contenders.iter().map(|_| Vec::new()).collect();
    for rep in 0..reps {
        eprintln!("repetition {}/{reps}", rep + 1);
        // Alternate who goes first: the first to run in a repetition pays
        // for faulting in fresh pages.
        let mut order: Vec<usize> = (0..contenders.len()).collect();
        if rep % 2 == 1 {
            order.reverse();
        }
        for i in order {
            runs[i].push((contenders[i].1)(&live, &gets, churn));
        }
    }
    println!(
        "{n} live u64 -> Arc<u64>, {} gets, {churn} churn inserts, median of {reps} run(s){}\n",
        gets.len(),
        if quick {
            " (BENCH_QUICK: 1/10 sizes)"
        } else {
            ""
        }
    );
    println!("| crate | insert ns | get ns | churn insert ns | bytes after churn | table capacity after churn |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut rows = Vec::new();
    for ((name, _), runs) in contenders.iter().zip(&runs) {
        let med = |f: &dyn Fn(&Run) -> f64| median(runs.iter().map(f).collect());
        let row = (
            med(&|r| r.insert_ns),
            med(&|r| r.get_ns),
            med(&|r| r.churn_ns),
            med(&|r| r.bytes as f64),
            med(&|r| r.capacity as f64),
        );
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} | {:.1} MiB | {} |",
            row.0,
            row.1,
            row.2,
            row.3 / (1 << 20) as f64,
            row.4
        );
        rows.push(row);
    }
    let (ours, theirs) = (rows[0], rows[1]);
    let verdict = |ok: bool| if ok { "PASS" } else { "MISS" };
    println!("\nTargets:");
    println!(
        "- {} at least as fast as weak-table: insert {:.2}x, get {:.2}x, churn {:.2}x its time",
        verdict(ours.0 <= theirs.0 && ours.1 <= theirs.1 && ours.2 <= theirs.2),
        ours.0 / theirs.0,
        ours.1 / theirs.1,
        ours.2 / theirs.2
    );
    println!(
        "- {} at most half weak-table's bytes after churn: {:.2}x",
        verdict(ours.3 <= theirs.3 / 2.0),
        ours.3 / theirs.3
    );
}
