//! Two replicas over one Redis, with the shared tier and without it.
//!
//! ```sh
//! LEAKLESS_REDIS_URL=redis://127.0.0.1:6390/ cargo bench --features redis --bench tier
//! BENCH_QUICK=1 BENCH_REPS=1 ...   # smoke run
//! ```
//!
//! One Zipf(0.99) stream over 1M u64 keys is dealt to the two replicas in
//! turn, as a round-robin load balancer would (500,000 requests each,
//! 20,000 with `BENCH_QUICK`). Each replica has an L1 of capacity 10,000
//! and serves from 32 tasks on a 2-worker tokio runtime; a backend load is
//! a 1 ms tokio sleep. "Without" is each replica's
//! `sync::BoundedMap::get_or_insert_async` alone; "with" is a `Tier` per
//! replica over the same Redis (its own connection, a fresh namespace each
//! repetition). Reported: backend loads of both replicas together, p50/p99
//! per request, and the cost of an L1 hit measured apart (one task asking
//! for one present key, best of 9 batches of 100,000). Median of
//! `BENCH_REPS` (default 1: one run takes about 30 s) repetitions. Exits 0
//! with a message when `LEAKLESS_REDIS_URL` is not set.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use leakless::sync::BoundedMap;
use leakless::tier::Tier;
use leakless_testkit::bench::{median, zipf_trace};

const UNIVERSE: usize = 1_000_000;
const L1: usize = 10_000;
const TASKS: usize = 32;
const LOAD: Duration = Duration::from_millis(1);

/// The backend: 1 ms per load, counted.
async fn load(loads: &AtomicU64, key: u64) -> u64 {
    loads.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(LOAD).await;
    key
}

/// One replica's cache, either way.
#[derive(Clone)]
enum Replica {
    Local(Arc<BoundedMap<u64, u64>>),
    Tiered(Tier<u64, u64>),
}

impl Replica {
    async fn get(&self, key: u64, loads: &AtomicU64) -> u64 {
        match self {
            Replica::Local(m) => m.get_or_insert_async(key, load(loads, key)).await,
            Replica::Tiered(t) => t
                .get_or_load(key, load(loads, key))
                .await
                .expect("u64 encodes"),
        }
    }
}

struct Run {
    loads: u64,
    p50_us: f64,
    p99_us: f64,
    secs: f64,
}

/// Both replicas serve their streams at once.
async fn run(replicas: [Replica; 2], traces: &[Arc<Vec<u64>>; 2]) -> Run {
    let loads = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (replica, trace) in replicas.iter().zip(traces) {
        for t in 0..TASKS {
            let (replica, trace, loads) = (replica.clone(), trace.clone(), loads.clone());
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::with_capacity(trace.len() / TASKS + 1);
                for &key in trace.iter().skip(t).step_by(TASKS) {
                    let t0 = Instant::now();
                    assert_eq!(replica.get(key, &loads).await, key);
                    lat.push(t0.elapsed().as_nanos() as u64);
                }
                lat
            }));
        }
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let secs = start.elapsed().as_secs_f64();
    lat.sort_unstable();
    let pct = |p: f64| lat[((lat.len() - 1) as f64 * p) as usize] as f64 / 1e3;
    Run {
        loads: loads.load(Ordering::Relaxed),
        p50_us: pct(0.50),
        p99_us: pct(0.99),
        secs,
    }
}

/// ns per call for a key present in the L1, one task.
async fn l1_hit_ns(replica: &Replica) -> f64 {
    let loads = AtomicU64::new(0);
    replica.get(42, &loads).await;
    let n = 100_000;
    // The best of 9 batches: the figure is the call's cost, not the
    // machine's other load.
    let mut best = f64::INFINITY;
    for _ in 0..9 {
        let start = Instant::now();
        for _ in 0..n {
            std::hint::black_box(replica.get(std::hint::black_box(42), &loads).await);
        }
        best = best.min(start.elapsed().as_nanos() as f64 / n as f64);
    }
    best
}

fn tier(url: &str, ns: &str) -> Replica {
    let t = Tier::builder(url)
        .namespace(ns)
        .ttl(Duration::from_secs(120))
        .timeout(Duration::from_millis(200))
        .l1(BoundedMap::new(L1))
        .build()
        .expect("tier");
    Replica::Tiered(t)
}

fn local() -> Replica {
    Replica::Local(Arc::new(BoundedMap::new(L1)))
}

fn main() {
    let Ok(url) = std::env::var("LEAKLESS_REDIS_URL") else {
        println!(
            "benches/tier.rs: LEAKLESS_REDIS_URL is not set, nothing measured. Start a Redis \
             (redis-server --port 6390 --save '' --appendonly no) and run \
             LEAKLESS_REDIS_URL=redis://127.0.0.1:6390/ cargo bench --features redis --bench tier"
        );
        return;
    };
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let reps: usize = std::env::var("BENCH_REPS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    let ops = if quick { 20_000 } else { 500_000 };
    // One stream, dealt to the replicas in turn as a round-robin load
    // balancer would.
    let stream = zipf_trace(UNIVERSE, 0.99, 2 * ops, 1);
    let traces = [0, 1].map(|r| Arc::new(stream.iter().skip(r).step_by(2).copied().collect()));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut rows: Vec<[Vec<f64>; 5]> = vec![Default::default(), Default::default()];
    let mut ratios = Vec::new();
    rt.block_on(async {
        for rep in 0..reps.max(1) {
            let without = run([local(), local()], &traces).await;
            let hit_without = l1_hit_ns(&local()).await;
            let ns = format!(
                "leakless-bench:{}:{rep}:{}",
                std::process::id(),
                now_nanos()
            );
            let pair = [tier(&url, &ns), tier(&url, &ns)];
            let with = run(pair.clone(), &traces).await;
            let hit_with = l1_hit_ns(&pair[0]).await;
            if let Replica::Tiered(t) = &pair[0] {
                let s = t.stats();
                assert_eq!(
                    s.errors + s.timeouts,
                    0,
                    "Redis failed during the run: {s:?}"
                );
            }
            ratios.push(with.loads as f64 / without.loads as f64);
            for (row, (r, hit)) in rows
                .iter_mut()
                .zip([(without, hit_without), (with, hit_with)])
            {
                row[0].push(r.loads as f64);
                row[1].push(r.p50_us);
                row[2].push(r.p99_us);
                row[3].push(hit);
                row[4].push(r.secs);
            }
        }
    });
    println!(
        "two replicas, Zipf(0.99) over {UNIVERSE} keys, {ops} requests each, L1 {L1} each, \
         1 ms loader, {TASKS} tasks per replica on 2 workers; median of {reps}"
    );
    println!("| | backend loads | p50 per request | p99 per request | L1 hit | wall |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, row) in ["without the tier", "with the tier"].iter().zip(rows) {
        let [loads, p50, p99, hit, secs] = row.map(median);
        println!("| {name} | {loads:.0} | {p50:.1} µs | {p99:.1} µs | {hit:.0} ns | {secs:.2} s |");
    }
    let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ratios.iter().copied().fold(0.0, f64::max);
    println!(
        "loads with / without: {:.3} (range {lo:.3}..{hi:.3})",
        median(ratios)
    );
}

fn now_nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}
