//! Soak: hours of churn compressed into minutes. Two threads drive one
//! `sync::BoundedMap` (count and weight bound, TTL on a simulated clock,
//! an eviction listener) through 100M mixed operations, under each policy,
//! while the counting allocator samples the heap; after warm-up it must
//! stay within a band and not drift up.
//!
//! Ignored by default (about a minute in release); run by hand:
//!
//! ```sh
//! cargo test --release --test soak -- --ignored --nocapture
//! SOAK_OPS=10000000 cargo test --release --test soak -- --ignored --nocapture
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use leakless::{ManualClock, Policy};
use leakless_testkit::bench::mix;
use leakless_testkit::{live_bytes, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const THREADS: u64 = 2;
const SAMPLES: usize = 20;

#[test]
#[ignore = "a minute in release; run by hand (see the file's docs)"]
fn a_hundred_million_operations_leave_memory_flat() {
    let ops: u64 = std::env::var("SOAK_OPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000_000);
    for policy in [Policy::Lru, Policy::TinyLfu] {
        soak(policy, ops);
    }
}

fn soak(policy: Policy, ops: u64) {
    let clock = ManualClock::new();
    let evicted = Arc::new(AtomicU64::new(0));
    let seen = Arc::clone(&evicted);
    let base = live_bytes();
    let map = Arc::new(
        leakless::sync::BoundedMap::<u64, Vec<u8>>::builder()
            .capacity(100_000)
            .max_weight(8 << 20)
            .weigher(|_, v: &Vec<u8>| v.len() as u64)
            .ttl(Duration::from_secs(60))
            .policy(policy)
            .clock(clock.clone())
            .on_evict(move |_, _, _| {
                seen.fetch_add(1, Ordering::Relaxed);
            })
            .build(),
    );
    let per_thread = ops / THREADS;
    let step = per_thread / SAMPLES as u64;
    let samples: Arc<Vec<AtomicU64>> = Arc::new((0..SAMPLES).map(|_| AtomicU64::new(0)).collect());
    let barrier = Arc::new(Barrier::new(THREADS as usize));
    let start = Instant::now();
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (map, clock, samples, barrier) = (
                Arc::clone(&map),
                clock.clone(),
                Arc::clone(&samples),
                Arc::clone(&barrier),
            );
            thread::spawn(move || {
                for i in 0..per_thread {
                    let r = mix(t << 40 ^ i);
                    // A skewed key space of 4M keys: a hot core and a long
                    // tail, so the map churns and also hits.
                    let key = if r.is_multiple_of(4) {
                        r >> 8 & 0xffff
                    } else {
                        r >> 8 & 0x3f_ffff
                    };
                    match r >> 60 {
                        0..=5 => {
                            map.get_or_insert_with(key, || vec![0u8; (r >> 32 & 255) as usize]);
                        }
                        6..=9 => {
                            map.insert(key, vec![1u8; (r >> 24 & 511) as usize]);
                        }
                        10..=13 => {
                            map.get_with(&key, Vec::len);
                        }
                        _ => {
                            map.remove(&key);
                        }
                    }
                    if t == 0 && i % 1_000 == 0 {
                        // Simulated time: a second per 2000 operations, so
                        // 100M operations span about 14 hours of TTL churn.
                        clock.advance(Duration::from_secs(1));
                    }
                    if (i + 1) % step == 0 {
                        let sample = (i + 1) / step - 1;
                        if (sample as usize) < SAMPLES {
                            // Both threads meet, so the sample sees no
                            // half-finished operation.
                            barrier.wait();
                            if t == 0 {
                                samples[sample as usize].store(
                                    live_bytes().saturating_sub(base) as u64,
                                    Ordering::Relaxed,
                                );
                            }
                            barrier.wait();
                        }
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let elapsed = start.elapsed();
    let mib: Vec<f64> = samples
        .iter()
        .map(|s| s.load(Ordering::Relaxed) as f64 / (1 << 20) as f64)
        .collect();
    let stats = map.stats();
    println!(
        "{policy:?}: {ops} ops in {:.1} s ({:.1} Mops/s), simulated {:.1} h; len {}, evictions {} (size {}, expired {}); heap MiB per 5%: {}",
        elapsed.as_secs_f64(),
        ops as f64 / elapsed.as_secs_f64() / 1e6,
        clock.now().as_secs_f64() / 3600.0,
        map.len(),
        evicted.load(Ordering::Relaxed),
        stats.evictions.size,
        stats.evictions.expired,
        mib.iter().map(|m| format!("{m:.1}")).collect::<Vec<_>>().join(" "),
    );
    // After warm-up (the first quarter): bounded and without drift. The
    // heap breathes (the TTL's write log grows to twice the map before it
    // is compacted, tables fill with tombstones before they are cleaned),
    // so "flat" means the later half's peak is no higher than the earlier
    // half's, and the swing stays within a quarter.
    let settled = &mib[SAMPLES / 4..];
    let (early, late) = settled.split_at(settled.len() / 2);
    let peak = |xs: &[f64]| xs.iter().cloned().fold(0.0, f64::max);
    let low = settled.iter().cloned().fold(f64::MAX, f64::min);
    assert!(
        peak(late) <= peak(early) * 1.02,
        "{policy:?}: drifted up, peak {:.1} MiB then {:.1} MiB",
        peak(early),
        peak(late)
    );
    assert!(
        peak(settled) <= low * 1.25,
        "{policy:?}: swings from {low:.1} to {:.1} MiB",
        peak(settled)
    );
    drop(map);
    assert!(
        live_bytes().saturating_sub(base) < 1 << 20,
        "{policy:?}: the map's memory did not come back"
    );
}
