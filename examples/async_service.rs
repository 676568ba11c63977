//! An async service that caches a slow backend with
//! `sync::BoundedMap::get_or_insert_async`.
//!
//! Each round, 10,000 requests arrive at once for 100 users the cache has
//! not seen (a new wave of users logging in). The backend takes 10 ms per
//! call. The map is single-flight: the first request for a user calls the
//! backend and the other ~99 for that user wait for its answer without
//! blocking a thread, so a round costs 100 backend calls, not 10,000, and
//! every request is answered in about one backend call's time (plus the
//! runtime's time to get round to it).
//!
//! The map holds at most 250 profiles. Its memory climbs while it fills
//! and then stays flat, round after round of new users: older profiles are
//! evicted as new ones arrive. A last round asks again for the newest wave,
//! all hits: no backend wait, only the runtime's time to get through
//! 10,000 tasks.
//!
//! "map bytes" is `stats().bytes`, the map's own table and slab. "heap
//! bytes" is every live byte in the process, from a counting allocator,
//! read once all of a round's tasks have finished: the map, the profiles it
//! holds, and the runtime's own buffers.
//!
//! ```sh
//! cargo run --release --example async_service
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use leakless::sync::BoundedMap;
use leakless_testkit::{live_bytes, CountingAlloc};
use tokio::sync::Barrier;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const REQUESTS: u64 = 10_000;
const USERS_PER_ROUND: u64 = 100;
const ROUNDS: u64 = 8;
const CAPACITY: usize = 250;
const BACKEND_LATENCY: Duration = Duration::from_millis(10);

/// The slow thing being cached: a profile service with 10 ms latency.
struct Backend {
    calls: AtomicU64,
}

impl Backend {
    async fn profile(&self, user: u64) -> Arc<str> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(BACKEND_LATENCY).await;
        format!("user {user:>6}: plan=pro, locale=en-GB, theme=dark").into()
    }
}

/// Everything a request handler needs, shared by all of them.
struct Service {
    backend: Backend,
    // `Arc<str>` values: a hit clones a pointer, not the profile.
    profiles: BoundedMap<u64, Arc<str>>,
}

impl Service {
    /// One request: the user's profile, from the cache or (once per user,
    /// however many ask at once) from the backend.
    async fn handle(&self, user: u64) -> Arc<str> {
        self.profiles
            .get_or_insert_async(user, self.backend.profile(user))
            .await
    }
}

/// What one round of requests did.
struct Round {
    backend_calls: u64,
    p50: Duration,
    p99: Duration,
}

/// Sends `REQUESTS` requests at once, spread evenly over the users
/// `first_user..first_user + USERS_PER_ROUND`, and waits for them all.
async fn round(service: &Arc<Service>, first_user: u64) -> Round {
    let calls_before = service.backend.calls.load(Ordering::Relaxed);
    // Every request is in flight before the first is served: spawning
    // 10,000 tasks takes longer than a backend call.
    let gate = Arc::new(Barrier::new(REQUESTS as usize + 1));
    let requests: Vec<_> = (0..REQUESTS)
        .map(|i| {
            let (service, gate) = (Arc::clone(service), Arc::clone(&gate));
            let user = first_user + i % USERS_PER_ROUND;
            tokio::spawn(async move {
                gate.wait().await;
                let started = Instant::now();
                let profile = service.handle(user).await;
                assert!(profile.starts_with(&format!("user {user:>6}:")));
                (started, Instant::now())
            })
        })
        .collect();
    gate.wait().await;
    let mut times = Vec::with_capacity(requests.len());
    for request in requests {
        times.push(request.await.expect("a request handler panicked"));
    }
    // Latency counts from when the first request was served, so time a
    // request spent queued for a worker is included.
    let opened = times.iter().map(|t| t.0).min().unwrap_or_else(Instant::now);
    let mut latencies: Vec<Duration> = times.iter().map(|t| t.1 - opened).collect();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    Round {
        backend_calls: service.backend.calls.load(Ordering::Relaxed) - calls_before,
        p50: at(0.50),
        p99: at(0.99),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[tokio::main]
async fn main() {
    let service = Arc::new(Service {
        backend: Backend {
            calls: AtomicU64::new(0),
        },
        profiles: BoundedMap::new(CAPACITY),
    });

    println!(
        "{REQUESTS} concurrent requests per round over {USERS_PER_ROUND} new users; backend \
         {} ms per call; cache capacity {CAPACITY}.\n",
        BACKEND_LATENCY.as_millis()
    );
    println!(
        "{:>5}  {:>13} {:>9} {:>9}  {:>7} {:>9} {:>10}",
        "round", "backend calls", "p50", "p99", "cached", "map bytes", "heap bytes"
    );
    let mut full = Vec::new();
    for n in 0..ROUNDS {
        let r = round(&service, n * USERS_PER_ROUND).await;
        let stats = service.profiles.stats();
        println!(
            "{:>5}  {:>13} {:>6.1} ms {:>6.1} ms  {:>7} {:>9} {:>10}",
            n + 1,
            r.backend_calls,
            ms(r.p50),
            ms(r.p99),
            stats.len,
            stats.bytes,
            live_bytes()
        );
        // Single-flight: one backend call per user, however many asked.
        assert_eq!(r.backend_calls, USERS_PER_ROUND);
        assert!(stats.len <= CAPACITY);
        if stats.len == CAPACITY {
            full.push((stats.bytes, live_bytes()));
        }
    }
    // Once full, the map allocates nothing more: new users replace old ones.
    assert!(full.windows(2).all(|w| w[0].0 == w[1].0));

    let warm = round(&service, (ROUNDS - 1) * USERS_PER_ROUND).await;
    assert_eq!(warm.backend_calls, 0);
    println!(
        "\nRound {ROUNDS}'s users again, all cached: {} backend calls, p50 {:.1} ms, p99 {:.1} ms.",
        warm.backend_calls,
        ms(warm.p50),
        ms(warm.p99)
    );
    let heap = full.iter().map(|f| f.1);
    println!(
        "Once full ({} of {ROUNDS} rounds), {} users later: map bytes unchanged, heap {} to {} bytes.",
        full.len(),
        full.len() as u64 * USERS_PER_ROUND,
        heap.clone().min().unwrap_or(0),
        heap.max().unwrap_or(0),
    );
}
