//! `sync::BoundedMap` side by side with the concurrent caches a user would
//! otherwise pick, in one run, from 1 and 2 threads.
//!
//! ```sh
//! cargo bench --bench sync
//! BENCH_QUICK=1 BENCH_REPS=1 cargo bench --bench sync   # smoke run
//! BENCH_ONLY=sync::,quick cargo bench --bench sync        # some contenders (A/B runs)
//! ```
//!
//! Zipf(0.99) get-or-insert over 1M u64 keys, capacity 100,000, 10M
//! operations split evenly across the threads (each its own slice of one
//! trace), through each crate's own get-or-insert call (mini-moka has none:
//! get, then insert). Unbounded `dashmap` is the reference. Median of
//! `BENCH_REPS` (default 5) repetitions, contenders taking turns.

use std::hint::black_box;
use std::thread;
use std::time::Instant;

use leakless_testkit::bench::{median, zipf_trace, Settings};

const CAPACITY: usize = 100_000;

/// A get-or-insert every contender offers, returning whether it hit.
trait Contender: Sync {
    fn new() -> Self;
    fn get_or_insert(&self, key: u64) -> bool;
}

/// `sync::BoundedMap` under `Policy::Lru` (`TINY_LFU = false`) or
/// `Policy::TinyLfu` (hits recorded in place under the read lock).
struct Leakless<const TINY_LFU: bool>(leakless::sync::BoundedMap<u64, u64>);
impl<const TINY_LFU: bool> Contender for Leakless<TINY_LFU> {
    fn new() -> Self {
        let policy = if TINY_LFU {
            leakless::Policy::TinyLfu
        } else {
            leakless::Policy::Lru
        };
        Leakless(
            leakless::sync::BoundedMap::builder()
                .capacity(CAPACITY)
                .policy(policy)
                .build(),
        )
    }
    fn get_or_insert(&self, key: u64) -> bool {
        let mut hit = true;
        self.0.get_or_insert_with(key, || {
            hit = false;
            key
        });
        hit
    }
}

struct QuickCache(quick_cache::sync::Cache<u64, u64>);
impl Contender for QuickCache {
    fn new() -> Self {
        QuickCache(quick_cache::sync::Cache::new(CAPACITY))
    }
    fn get_or_insert(&self, key: u64) -> bool {
        let mut hit = true;
        let _ = self.0.get_or_insert_with(&key, || {
            hit = false;
            Ok::<u64, ()>(key)
        });
        hit
    }
}

struct Moka(moka::sync::Cache<u64, u64>);
impl Contender for Moka {
    fn new() -> Self {
        Moka(moka::sync::Cache::new(CAPACITY as u64))
    }
    fn get_or_insert(&self, key: u64) -> bool {
        let mut hit = true;
        self.0.get_with(key, || {
            hit = false;
            key
        });
        hit
    }
}

struct MiniMoka(mini_moka::sync::Cache<u64, u64>);
impl Contender for MiniMoka {
    fn new() -> Self {
        MiniMoka(mini_moka::sync::Cache::new(CAPACITY as u64))
    }
    fn get_or_insert(&self, key: u64) -> bool {
        if self.0.get(&key).is_some() {
            return true;
        }
        self.0.insert(key, key);
        false
    }
}

struct DashMap(dashmap::DashMap<u64, u64>);
impl Contender for DashMap {
    fn new() -> Self {
        DashMap(dashmap::DashMap::new())
    }
    fn get_or_insert(&self, key: u64) -> bool {
        let mut hit = true;
        self.0.entry(key).or_insert_with(|| {
            hit = false;
            key
        });
        hit
    }
}

/// Mops/s and hit ratio with `threads` threads sharing one map.
#[inline(never)]
fn run<C: Contender>(trace: &[u64], threads: usize) -> (f64, f64) {
    let map = C::new();
    let chunk = trace.len() / threads;
    let start = Instant::now();
    let hits: usize = thread::scope(|s| {
        let workers: Vec<_> = trace
            .chunks(chunk)
            .take(threads)
            .map(|part| {
                let map = &map;
                s.spawn(move || {
                    part.iter()
                        .filter(|&&k| map.get_or_insert(black_box(k)))
                        .count()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(0)).sum()
    });
    let secs = start.elapsed().as_secs_f64();
    let ops = chunk * threads;
    (ops as f64 / secs / 1e6, hits as f64 / ops as f64)
}

fn main() {
    let Settings { quick, reps } = Settings::from_env();
    let ops = if quick { 1_000_000 } else { 10_000_000 };
    let trace = zipf_trace(1_000_000, 0.99, ops, 0x5eed);
    type Runner = fn(&[u64], usize) -> (f64, f64);
    let contenders: [(&str, Runner); 6] = [
        ("leakless sync::BoundedMap", run::<Leakless<false>>),
        ("leakless, Policy::TinyLfu", run::<Leakless<true>>),
        ("quick_cache::sync", run::<QuickCache>),
        ("moka::sync", run::<Moka>),
        ("mini_moka::sync", run::<MiniMoka>),
        ("dashmap (unbounded)", run::<DashMap>),
    ];
    // BENCH_ONLY=a,b runs just the contenders whose name contains a or b.
    let only = std::env::var("BENCH_ONLY").ok();
    let chosen = |name: &str| {
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|part| name.contains(part)))
    };
    let mut results = vec![[Vec::new(), Vec::new()]; contenders.len()];
    for rep in 0..reps {
        eprintln!("repetition {}/{reps}", rep + 1);
        for (t, threads) in [1, 2].into_iter().enumerate() {
            let mut order: Vec<usize> = (0..contenders.len()).collect();
            if rep % 2 == 1 {
                order.reverse();
            }
            for i in order.into_iter().filter(|&i| chosen(contenders[i].0)) {
                results[i][t].push((contenders[i].1)(&trace, threads));
            }
        }
    }
    println!(
        "Zipf(0.99) get-or-insert, 1M keys, capacity {CAPACITY}, {ops} ops, median of {reps} run(s){}\n",
        if quick { " (BENCH_QUICK)" } else { "" }
    );
    println!("| crate | 1 thread Mops/s | 2 threads Mops/s | hit ratio (2 threads) |");
    println!("|---|---:|---:|---:|");
    let mut two = Vec::new();
    for ((name, _), r) in contenders.iter().zip(&results) {
        if r[0].is_empty() {
            two.push(f64::NAN);
            continue;
        }
        let m1 = median(r[0].iter().map(|x| x.0).collect());
        let m2 = median(r[1].iter().map(|x| x.0).collect());
        let hit = median(r[1].iter().map(|x| x.1).collect());
        println!("| {name} | {m1:.1} | {m2:.1} | {:.1}% |", 100.0 * hit);
        two.push(m2);
    }
    let verdict = |ok: bool| if ok { "PASS" } else { "MISS" };
    let at = |name: &str| {
        let i = contenders.iter().position(|(n, _)| *n == name);
        two[i.expect("a contender by that name")]
    };
    let (quick_cache, moka) = (at("quick_cache::sync"), at("moka::sync"));
    println!("\nTargets (2 threads):");
    for (ours, label) in [
        (two[0], "leakless"),
        (at("leakless, Policy::TinyLfu"), "TinyLfu"),
    ] {
        // A contender left out by BENCH_ONLY is NaN: its targets are skipped.
        if !(ours / quick_cache).is_nan() {
            println!(
                "- {} {label} at least quick_cache's throughput: {:.2}x",
                verdict(ours >= quick_cache),
                ours / quick_cache
            );
        }
        if !(ours / moka).is_nan() {
            println!(
                "- {} {label} at least 5x moka's: {:.2}x",
                verdict(ours >= 5.0 * moka),
                ours / moka
            );
        }
    }
}
