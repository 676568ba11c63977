//! Hit ratios on synthetic traces: how well each cache keeps the right
//! entries, against Belady's optimum (evict the key used farthest in the
//! future, computed offline) as the ceiling.
//!
//! ```sh
//! cargo bench --bench hit_ratio
//! BENCH_QUICK=1 cargo bench --bench hit_ratio   # smoke run: a tenth of the sizes
//! ```
//!
//! Every cache runs get-or-insert on the same trace at the same capacity;
//! the figure is hits / requests. The traces (capacity C = 100,000, 2M
//! requests each; a tenth with `BENCH_QUICK`):
//!
//! - `zipf 0.7` … `zipf 1.2`: Zipf(s) over 1M keys.
//! - `zipf + scans`: Zipf(0.99) over 1M keys, and every 100k requests a
//!   one-off sequential scan of C/2 keys never seen before or again.
//! - `loop 1.1C`: keys 0..1.1C in order, again and again (LRU's worst
//!   case: it misses every time).
//! - `shifting`: Zipf(0.99) over 1M keys whose ranks move to new keys every
//!   500k requests (the working set changes).
//!
//! Hit ratios do not depend on the machine: one run is the figure.

use std::collections::hash_map::Entry;
use std::collections::{BinaryHeap, HashMap};

use leakless_testkit::bench::{mix, zipf_trace, Settings};

/// A cache seen from a trace: look the key up, insert it on a miss.
trait Cache {
    fn access(&mut self, key: u64) -> bool;
}

struct Leakless(leakless::BoundedMap<u64, u64>);
impl Cache for Leakless {
    fn access(&mut self, key: u64) -> bool {
        if self.0.get(&key).is_some() {
            return true;
        }
        self.0.insert(key, key);
        false
    }
}

struct Lru(lru::LruCache<u64, u64>);
impl Cache for Lru {
    fn access(&mut self, key: u64) -> bool {
        if self.0.get(&key).is_some() {
            return true;
        }
        self.0.put(key, key);
        false
    }
}

struct QuickCache(quick_cache::unsync::Cache<u64, u64>);
impl Cache for QuickCache {
    fn access(&mut self, key: u64) -> bool {
        if self.0.get(&key).is_some() {
            return true;
        }
        self.0.insert(key, key);
        false
    }
}

struct Moka(moka::sync::Cache<u64, u64>);
impl Cache for Moka {
    fn access(&mut self, key: u64) -> bool {
        if self.0.get(&key).is_some() {
            return true;
        }
        self.0.insert(key, key);
        false
    }
}

fn hit_ratio(cache: &mut impl Cache, trace: &[u64]) -> f64 {
    let hits = trace.iter().filter(|&&k| cache.access(k)).count();
    hits as f64 / trace.len() as f64
}

/// Belady's MIN: on a miss with the cache full, evict the cached key whose
/// next use is farthest away (never used again is farthest of all). A
/// max-heap of (next use, key) with stale entries skipped.
fn belady(trace: &[u64], capacity: usize) -> f64 {
    let n = trace.len();
    let mut next_use = vec![usize::MAX; n];
    let mut seen: HashMap<u64, usize> = HashMap::new();
    for (i, &k) in trace.iter().enumerate().rev() {
        if let Some(&j) = seen.get(&k) {
            next_use[i] = j;
        }
        seen.insert(k, i);
    }
    let mut cached: HashMap<u64, usize> = HashMap::with_capacity(capacity);
    let mut heap: BinaryHeap<(usize, u64)> = BinaryHeap::new();
    let mut hits = 0usize;
    for (i, &k) in trace.iter().enumerate() {
        let next = next_use[i];
        match cached.entry(k) {
            Entry::Occupied(mut e) => {
                hits += 1;
                e.insert(next);
                heap.push((next, k));
            }
            Entry::Vacant(e) => {
                e.insert(next);
                heap.push((next, k));
                if cached.len() > capacity {
                    // Evict the farthest next use, the new key included
                    // (then it is simply not kept).
                    while let Some((use_at, victim)) = heap.pop() {
                        if cached.get(&victim) == Some(&use_at) {
                            cached.remove(&victim);
                            break;
                        }
                    }
                }
            }
        }
    }
    hits as f64 / n as f64
}

fn traces(capacity: usize, len: usize) -> Vec<(&'static str, Vec<u64>)> {
    let universe = capacity * 10;
    let mut out = Vec::new();
    for (name, s) in [
        ("zipf 0.7", 0.7),
        ("zipf 0.9", 0.9),
        ("zipf 0.99", 0.99),
        ("zipf 1.2", 1.2),
    ] {
        out.push((name, zipf_trace(universe, s, len, 7)));
    }
    // Zipf with one-off scans of never-seen keys.
    let hot = zipf_trace(universe, 0.99, len, 11);
    let mut scanned = Vec::with_capacity(len);
    let mut fresh = 1u64 << 40;
    for (i, &k) in hot.iter().enumerate() {
        if scanned.len() >= len {
            break;
        }
        if i > 0 && i % (len / 20) == 0 {
            for _ in 0..capacity / 2 {
                scanned.push(mix(fresh));
                fresh += 1;
            }
        }
        scanned.push(k);
    }
    scanned.truncate(len);
    out.push(("zipf + scans", scanned));
    // A loop slightly larger than the cache.
    let period = capacity + capacity / 10;
    out.push((
        "loop 1.1C",
        (0..len).map(|i| mix((i % period) as u64)).collect(),
    ));
    // A working set that moves: each phase maps the ranks to new keys.
    let shifting = zipf_trace(universe, 0.99, len, 13)
        .into_iter()
        .enumerate()
        .map(|(i, k)| mix(k ^ ((i / (len / 4)) as u64).wrapping_mul(0x9e37_79b9)))
        .collect();
    out.push(("shifting", shifting));
    out
}

fn main() {
    let settings = Settings::from_env();
    let (capacity, len) = if settings.quick {
        (10_000, 200_000)
    } else {
        (100_000, 2_000_000)
    };
    println!(
        "Hit ratio (%), get-or-insert, capacity {capacity}, {len} requests per trace{}\n",
        if settings.quick { " (BENCH_QUICK)" } else { "" }
    );
    println!(
        "| trace | leakless TinyLfu | leakless Lru | lru | quick_cache | moka | Belady (optimum) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (name, trace) in traces(capacity, len) {
        let tinylfu = hit_ratio(
            &mut Leakless(
                leakless::BoundedMap::builder()
                    .capacity(capacity)
                    .policy(leakless::Policy::TinyLfu)
                    .build(),
            ),
            &trace,
        );
        let ours = hit_ratio(&mut Leakless(leakless::BoundedMap::new(capacity)), &trace);
        let lru = hit_ratio(
            &mut Lru(lru::LruCache::new(
                std::num::NonZeroUsize::new(capacity).expect("capacity > 0"),
            )),
            &trace,
        );
        let quick = hit_ratio(
            &mut QuickCache(quick_cache::unsync::Cache::new(capacity)),
            &trace,
        );
        let moka = hit_ratio(&mut Moka(moka::sync::Cache::new(capacity as u64)), &trace);
        let best = belady(&trace, capacity);
        let pct = |x: f64| format!("{:.1}", 100.0 * x);
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} |",
            pct(tinylfu),
            pct(ours),
            pct(lru),
            pct(quick),
            pct(moka),
            pct(best)
        );
    }
}
