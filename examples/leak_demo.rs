//! The leak leakless exists to kill, made visible.
//!
//! One request stream feeds two caches of user profiles: a plain `HashMap`
//! (the usual "cache" that only grows) and a `BoundedMap` of 10,000 entries.
//! Most requests come from a hot set of 5,000 users; a quarter come from
//! one-off visitors (crawlers, expired sessions) who are never seen again.
//! The `HashMap` keeps every one of them forever; the `BoundedMap` keeps the
//! 10,000 most recently used and lets the rest go, at nearly the same hit
//! ratio.
//!
//! Heap bytes are counted by a counting allocator and attributed to each
//! cache by measuring around its own work (the program is single-threaded).
//!
//! ```sh
//! cargo run --release --example leak_demo
//! ```

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use leakless::{BoundedMap, EvictionCause};
use leakless_testkit::{live_bytes, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const REQUESTS: u64 = 2_000_000;
const CHECKPOINTS: u64 = 10;
const HOT_USERS: u64 = 5_000;
const CAPACITY: usize = 10_000;

/// splitmix64: a fixed seed, so every run sees the same stream.
struct Requests(u64);

impl Iterator for Requests {
    type Item = u64;
    fn next(&mut self) -> Option<u64> {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        // 3 in 4 requests come from the hot set; the rest from a visitor
        // whose id is unique (the high bit keeps the two ranges apart).
        Some(if !z.is_multiple_of(4) {
            (z >> 2) % HOT_USERS
        } else {
            (1 << 63) | self.0
        })
    }
}

/// What a miss costs: building the profile (about 64 bytes of heap).
fn load_profile(user: u64) -> String {
    format!("user {user:>20}: plan=pro, locale=en-GB, last_seen=2026-11-27")
}

/// The heap bytes a cache's own work has allocated and not freed.
struct Meter {
    bytes: isize,
}

impl Meter {
    fn measure<R>(&mut self, work: impl FnOnce() -> R) -> R {
        let before = live_bytes() as isize;
        let out = work();
        self.bytes += live_bytes() as isize - before;
        out
    }
}

fn mib(bytes: isize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() {
    let evicted = Arc::new(AtomicU64::new(0));
    let mut plain = Meter { bytes: 0 };
    let mut bounded = Meter { bytes: 0 };
    let mut plain_hits = 0u64;

    let mut plain_cache: HashMap<u64, String> = plain.measure(HashMap::new);
    let mut bounded_cache: BoundedMap<u64, String> = bounded.measure(|| {
        let evicted = Arc::clone(&evicted);
        BoundedMap::builder()
            .capacity(CAPACITY)
            .on_evict(move |_user, _profile, cause| {
                debug_assert_eq!(cause, EvictionCause::Size);
                evicted.fetch_add(1, Ordering::Relaxed);
            })
            .build()
    });

    println!(
        "{REQUESTS} requests: 3 in 4 from {HOT_USERS} regular users, 1 in 4 from one-off visitors."
    );
    println!("Both caches see the same stream; the BoundedMap holds at most {CAPACITY} entries.\n");
    println!(
        "{:>9}  {:>9} {:>10} {:>6}   {:>9} {:>10} {:>6} {:>9}",
        "requests", "HashMap", "heap", "hits", "Bounded", "heap", "hits", "evicted"
    );

    let mut samples = Vec::new();
    let every = REQUESTS / CHECKPOINTS;
    for (n, user) in (1..=REQUESTS).zip(Requests(0x1ea4_1e55)) {
        plain.measure(|| match plain_cache.entry(user) {
            Entry::Occupied(_) => plain_hits += 1,
            Entry::Vacant(slot) => {
                slot.insert(load_profile(user));
            }
        });
        bounded.measure(|| {
            if bounded_cache.get(&user).is_none() {
                bounded_cache.insert(user, load_profile(user));
            }
        });

        if n % every == 0 {
            let stats = bounded_cache.stats();
            println!(
                "{:>9}  {:>9} {:>6.1} MiB {:>5.1}%   {:>9} {:>6.1} MiB {:>5.1}% {:>9}",
                n,
                plain_cache.len(),
                mib(plain.bytes),
                100.0 * plain_hits as f64 / n as f64,
                bounded_cache.len(),
                mib(bounded.bytes),
                100.0 * stats.hits as f64 / n as f64,
                evicted.load(Ordering::Relaxed),
            );
            samples.push((n, plain.bytes, bounded.bytes));
        }
    }

    chart(&samples);

    let stats = bounded_cache.stats();
    assert!(bounded_cache.len() <= CAPACITY);
    assert_eq!(stats.evictions.size, evicted.load(Ordering::Relaxed));
    let (_, plain_bytes, bounded_bytes) = *samples.last().expect("ten checkpoints");
    println!(
        "\nAfter {REQUESTS} requests the HashMap holds {} entries in {:.1} MiB and is still growing;",
        plain_cache.len(),
        mib(plain_bytes)
    );
    println!(
        "the BoundedMap holds {} in {:.1} MiB ({:.0}x less), and has held that since it filled.",
        bounded_cache.len(),
        mib(bounded_bytes),
        plain_bytes as f64 / bounded_bytes as f64
    );
    println!(
        "Hit ratio: HashMap {:.1}%, BoundedMap {:.1}% — nearly all it let go were one-off visitors.",
        100.0 * plain_hits as f64 / REQUESTS as f64,
        100.0 * stats.hits as f64 / REQUESTS as f64
    );
}

/// Two bars per checkpoint, on one scale: the climbing line is the leak.
fn chart(samples: &[(u64, isize, isize)]) {
    const WIDTH: f64 = 56.0;
    let max = samples
        .iter()
        .map(|s| s.1.max(s.2))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let bar = |bytes: isize, fill: &str| {
        let cells = ((bytes as f64 / max) * WIDTH).round().max(1.0) as usize;
        format!(
            "{}{}",
            fill.repeat(cells),
            " ".repeat(WIDTH as usize - cells.min(WIDTH as usize))
        )
    };
    println!("\nheap bytes held by each cache  (█ HashMap   ░ BoundedMap)\n");
    for &(n, plain, bounded) in samples {
        println!(
            "{:>6}k │{} {:>6.1} MiB",
            n / 1000,
            bar(plain, "█"),
            mib(plain)
        );
        println!("        │{} {:>6.1} MiB", bar(bounded, "░"), mib(bounded));
    }
}
