//! `#[leakless::cached]` against the `cached` crate's `#[cached(max_size = ..)]`
//! (2.x's name for the older `size`)
//! and a hand-written `Mutex<lru::LruCache>` memo, from 1 and 2 threads.
//!
//! ```sh
//! cargo bench --bench memo
//! BENCH_QUICK=1 BENCH_REPS=1 cargo bench --bench memo   # smoke run
//! ```
//!
//! A trivial body (`k + 1`), so the cost measured is the memo's. Two
//! streams: hits (10,000 keys, all present) and Zipf(0.99) over 1M u64 keys
//! at capacity 100,000; 10M calls split evenly across the threads (each
//! its own slice of one trace). Median of `BENCH_REPS` (default 5)
//! repetitions, contenders taking turns; each starts from an empty memo.

use std::hint::black_box;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{LazyLock, Mutex};
use std::thread;
use std::time::Instant;

use cached::macros::cached;
use cached::Cached;
use leakless_testkit::bench::{median, zipf_trace, Settings};

const CAPACITY: usize = 100_000;

/// Body runs of each contender: misses.
static RUNS: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];

#[inline(always)]
fn body(which: usize, k: u64) -> u64 {
    RUNS[which].fetch_add(1, Relaxed);
    k + 1
}

#[leakless::cached(capacity = 100_000)]
fn leakless_memo(k: u64) -> u64 {
    body(0, k)
}

#[cached(max_size = 100_000)]
fn cached_memo(k: u64) -> u64 {
    body(1, k)
}

static LRU: LazyLock<Mutex<lru::LruCache<u64, u64>>> = LazyLock::new(|| {
    Mutex::new(lru::LruCache::new(
        NonZeroUsize::new(CAPACITY).expect("positive"),
    ))
});

/// The memo a user writes by hand: look up under the lock, compute outside
/// it, store under it again.
fn lru_memo(k: u64) -> u64 {
    if let Some(v) = LRU.lock().unwrap().get(&k) {
        return *v;
    }
    let v = body(2, k);
    LRU.lock().unwrap().put(k, v);
    v
}

fn reset(which: usize) {
    match which {
        0 => leakless_memo_cache().clear(),
        1 => CACHED_MEMO.write().cache_clear(),
        _ => LRU.lock().unwrap().clear(),
    }
    RUNS[which].store(0, Relaxed);
}

/// Mops/s and hit ratio of `call` over `trace` from `threads` threads,
/// after `warm` was called once (untimed).
#[inline(never)]
fn run(
    which: usize,
    call: fn(u64) -> u64,
    warm: &[u64],
    trace: &[u64],
    threads: usize,
) -> (f64, f64) {
    reset(which);
    for &k in warm {
        call(k);
    }
    let before = RUNS[which].load(Relaxed);
    let chunk = trace.len() / threads;
    let start = Instant::now();
    thread::scope(|s| {
        for part in trace.chunks(chunk).take(threads) {
            s.spawn(move || {
                for &k in part {
                    black_box(call(black_box(k)));
                }
            });
        }
    });
    let secs = start.elapsed().as_secs_f64();
    let ops = (chunk * threads) as f64;
    let misses = (RUNS[which].load(Relaxed) - before) as f64;
    (ops / secs / 1e6, 1.0 - misses / ops)
}

fn main() {
    let Settings { quick, reps } = Settings::from_env();
    let ops = if quick { 1_000_000 } else { 10_000_000 };
    let hot: Vec<u64> = (0..10_000).collect();
    let hits: Vec<u64> = (0..ops as u64).map(|i| (i * 7_919) % 10_000).collect();
    let zipf = zipf_trace(1_000_000, 0.99, ops, 0x5eed);
    type Memo = fn(u64) -> u64;
    let contenders: [(&str, Memo); 3] = [
        ("leakless #[cached(capacity = 100_000)]", leakless_memo),
        ("cached #[cached(max_size = 100_000)]", cached_memo),
        ("Mutex<lru::LruCache> by hand", lru_memo),
    ];
    let streams: [(&str, &[u64], &[u64]); 2] = [("hits", &hot, &hits), ("Zipf(0.99)", &[], &zipf)];
    // results[stream][contender][threads - 1]
    let mut results = vec![vec![[Vec::new(), Vec::new()]; contenders.len()]; streams.len()];
    for rep in 0..reps {
        eprintln!("repetition {}/{reps}", rep + 1);
        for (s, (_, warm, trace)) in streams.iter().enumerate() {
            for (t, threads) in [1, 2].into_iter().enumerate() {
                let mut order: Vec<usize> = (0..contenders.len()).collect();
                if rep % 2 == 1 {
                    order.reverse();
                }
                for i in order {
                    results[s][i][t].push(run(i, contenders[i].1, warm, trace, threads));
                }
            }
        }
    }
    println!(
        "Memoised fn, trivial body, capacity {CAPACITY}, {ops} calls, median of {reps} run(s){}\n",
        if quick { " (BENCH_QUICK)" } else { "" }
    );
    println!("| stream | memo | 1 thread Mops/s | 2 threads Mops/s | hit ratio (2 threads) |");
    println!("|---|---|---:|---:|---:|");
    let mut speed = vec![vec![[0.0; 2]; contenders.len()]; streams.len()];
    for (s, (stream, _, _)) in streams.iter().enumerate() {
        for (i, (name, _)) in contenders.iter().enumerate() {
            let r = &results[s][i];
            let m1 = median(r[0].iter().map(|x| x.0).collect());
            let m2 = median(r[1].iter().map(|x| x.0).collect());
            let hit = median(r[1].iter().map(|x| x.1).collect());
            println!(
                "| {stream} | {name} | {m1:.1} | {m2:.1} | {:.1}% |",
                100.0 * hit
            );
            speed[s][i] = [m1, m2];
        }
    }
    let verdict = |ok: bool| if ok { "PASS" } else { "MISS" };
    println!("\nTargets (leakless against cached):");
    for (s, (stream, _, _)) in streams.iter().enumerate() {
        let [ours1, ours2] = speed[s][0];
        let [theirs1, theirs2] = speed[s][1];
        println!(
            "- {} {stream}, 2 threads, at least 3x cached: {:.2}x",
            verdict(ours2 >= 3.0 * theirs2),
            ours2 / theirs2
        );
        println!(
            "- {} {stream}, 1 thread, no slower than cached: {:.2}x",
            verdict(ours1 >= theirs1),
            ours1 / theirs1
        );
    }
}
