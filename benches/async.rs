//! `sync::BoundedMap::get_or_insert_async` side by side with the async
//! loading calls of the concurrent caches a user would otherwise pick, on
//! one tokio runtime.
//!
//! ```sh
//! cargo bench --bench async
//! BENCH_QUICK=1 BENCH_REPS=1 cargo bench --bench async   # smoke run
//! BENCH_ONLY=leakless cargo bench --bench async           # one contender (for a profiler)
//! ```
//!
//! The Zipf(0.99) get-or-insert stream of `benches/sync.rs` (1M u64 keys,
//! capacity 100,000, 10M operations; 1M with `BENCH_QUICK`), split evenly
//! across 1,000 tasks on a multi-thread runtime with 2 worker threads. A
//! miss awaits a loader that yields to the scheduler once and returns the
//! key, so a loading task really is suspended while others run (and may
//! ask for the same key: each crate's single-flight is in play). A hit is a
//! call whose own loader did not run. Median of `BENCH_REPS` (default 5)
//! repetitions, contenders taking turns; ratios are against leakless.

use std::future::Future;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use leakless_testkit::bench::{median, zipf_trace, Settings};

const CAPACITY: usize = 100_000;
const TASKS: usize = 1_000;

/// What a miss costs: one trip through the scheduler.
async fn load(key: u64) -> u64 {
    tokio::task::yield_now().await;
    key
}

/// An async get-or-insert every contender offers, resolving to whether it
/// hit (its loader did not run).
trait Contender: Send + Sync + 'static {
    fn new() -> Self;
    fn get_or_insert(&self, key: u64) -> impl Future<Output = bool> + Send;
}

struct Leakless(leakless::sync::BoundedMap<u64, u64>);
impl Contender for Leakless {
    fn new() -> Self {
        Leakless(leakless::sync::BoundedMap::new(CAPACITY))
    }
    async fn get_or_insert(&self, key: u64) -> bool {
        let mut hit = true;
        self.0
            .get_or_insert_async(key, async {
                hit = false;
                load(key).await
            })
            .await;
        hit
    }
}

struct QuickCache(quick_cache::sync::Cache<u64, u64>);
impl Contender for QuickCache {
    fn new() -> Self {
        QuickCache(quick_cache::sync::Cache::new(CAPACITY))
    }
    async fn get_or_insert(&self, key: u64) -> bool {
        let mut hit = true;
        let _ = self
            .0
            .get_or_insert_async(&key, async {
                hit = false;
                Ok::<u64, ()>(load(key).await)
            })
            .await;
        hit
    }
}

struct Moka(moka::future::Cache<u64, u64>);
impl Contender for Moka {
    fn new() -> Self {
        Moka(moka::future::Cache::new(CAPACITY as u64))
    }
    async fn get_or_insert(&self, key: u64) -> bool {
        let mut hit = true;
        self.0
            .get_with(key, async {
                hit = false;
                load(key).await
            })
            .await;
        hit
    }
}

/// Mops/s and hit ratio with [`TASKS`] tasks sharing one map, each running
/// its own slice of the trace.
#[inline(never)]
fn run<C: Contender>(rt: &tokio::runtime::Runtime, trace: &Arc<[u64]>) -> (f64, f64) {
    let map = Arc::new(C::new());
    let chunk = trace.len() / TASKS;
    let start = Instant::now();
    let hits: usize = rt.block_on(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|t| {
                let (map, trace) = (Arc::clone(&map), Arc::clone(trace));
                tokio::spawn(async move {
                    let mut hits = 0;
                    for &key in &trace[t * chunk..(t + 1) * chunk] {
                        hits += usize::from(map.get_or_insert(black_box(key)).await);
                    }
                    hits
                })
            })
            .collect();
        let mut hits = 0;
        for task in tasks {
            hits += task.await.unwrap_or(0);
        }
        hits
    });
    let secs = start.elapsed().as_secs_f64();
    let ops = chunk * TASKS;
    (ops as f64 / secs / 1e6, hits as f64 / ops as f64)
}

fn main() {
    let Settings { quick, reps } = Settings::from_env();
    let ops = if quick { 1_000_000 } else { 10_000_000 };
    let trace: Arc<[u64]> = zipf_trace(1_000_000, 0.99, ops, 0x5eed).into();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a tokio runtime");
    type Runner = fn(&tokio::runtime::Runtime, &Arc<[u64]>) -> (f64, f64);
    let contenders: [(&str, Runner); 3] = [
        ("leakless sync::BoundedMap", run::<Leakless>),
        ("quick_cache::sync", run::<QuickCache>),
        ("moka::future", run::<Moka>),
    ];
    // BENCH_ONLY=leakless runs just the contenders whose name contains it
    // (for a profiler); the table then shows only those.
    let only = std::env::var("BENCH_ONLY").ok();
    let mut results = vec![Vec::new(); contenders.len()];
    for rep in 0..reps {
        eprintln!("repetition {}/{reps}", rep + 1);
        let mut order: Vec<usize> = (0..contenders.len()).collect();
        if rep % 2 == 1 {
            order.reverse();
        }
        for i in order {
            if only.as_deref().is_none_or(|o| contenders[i].0.contains(o)) {
                results[i].push((contenders[i].1)(&rt, &trace));
            }
        }
    }
    println!(
        "Async Zipf(0.99) get-or-insert, 1M keys, capacity {CAPACITY}, {ops} ops over {TASKS} \
         tasks on 2 tokio worker threads, median of {reps} run(s){}\n",
        if quick { " (BENCH_QUICK)" } else { "" }
    );
    println!("| crate | call | Mops/s | hit ratio | leakless / this |");
    println!("|---|---|---:|---:|---:|");
    if results.iter().any(Vec::is_empty) {
        for ((name, _), r) in contenders.iter().zip(&results) {
            if !r.is_empty() {
                println!(
                    "{name}: {:.2} Mops/s",
                    median(r.iter().map(|x| x.0).collect())
                );
            }
        }
        return;
    }
    let mops: Vec<f64> = results
        .iter()
        .map(|r| median(r.iter().map(|x| x.0).collect()))
        .collect();
    let calls = ["get_or_insert_async", "get_or_insert_async", "get_with"];
    for (((name, _), r), (m, call)) in contenders.iter().zip(&results).zip(mops.iter().zip(calls)) {
        let hit = median(r.iter().map(|x| x.1).collect());
        println!(
            "| {name} | `{call}` | {m:.2} | {:.1}% | {:.2}x |",
            100.0 * hit,
            mops[0] / m
        );
    }
    let verdict = |ok: bool| if ok { "PASS" } else { "MISS" };
    let (ours, quick_cache, moka) = (mops[0], mops[1], mops[2]);
    println!("\nTargets:");
    println!(
        "- {} leakless / moka: {:.2}x (goal >= 5x)",
        verdict(ours >= 5.0 * moka),
        ours / moka
    );
    println!(
        "- {} leakless / quick_cache: {:.2}x (goal >= 1x)",
        verdict(ours >= quick_cache),
        ours / quick_cache
    );
}
