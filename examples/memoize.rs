//! A memoised fetch under a request storm, with `#[leakless::cached]`.
//!
//! `fetch_profile` stands for a slow backend call (2 ms). Each round,
//! 20,000 requests from 8 threads ask for 200 users the memo has not seen,
//! each user asked ~100 times at once. The memo is single-flight, so the
//! body runs once per user (200 runs a round, not 20,000), and it is
//! bounded: at most 500 profiles, so after a few rounds of new users its
//! length stays at the bound instead of growing with every user ever seen,
//! as an unbounded memo would. "memo bytes" is `stats().bytes`, the map's
//! own tables (the profiles' strings are not counted): it rises in steps
//! when a shard's table resizes, not with each user.
//!
//! ```sh
//! cargo run --release --example memoize
//! ```

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::thread;
use std::time::{Duration, Instant};

/// How many times the body ran: backend calls.
static BACKEND_CALLS: AtomicU64 = AtomicU64::new(0);

#[leakless::cached(capacity = 500, ttl = "10m")]
/// A user's profile, from the (slow) backend.
fn fetch_profile(user: u64) -> String {
    BACKEND_CALLS.fetch_add(1, Relaxed);
    thread::sleep(Duration::from_millis(2));
    format!("profile of user {user}: {}", "x".repeat(100))
}

fn main() {
    const ROUNDS: u64 = 16;
    const USERS_PER_ROUND: u64 = 200;
    const REQUESTS_PER_THREAD: u64 = 2_500;
    println!("round | requests | backend calls | memo len | memo bytes | took");
    for round in 0..ROUNDS {
        let before = BACKEND_CALLS.load(Relaxed);
        let start = Instant::now();
        thread::scope(|s| {
            for t in 0..8u64 {
                s.spawn(move || {
                    for i in 0..REQUESTS_PER_THREAD {
                        let user = round * USERS_PER_ROUND + (i * 7 + t) % USERS_PER_ROUND;
                        assert!(fetch_profile(user).starts_with("profile of user"));
                    }
                });
            }
        });
        let stats = fetch_profile_cache().stats();
        println!(
            "{round:>5} | {:>8} | {:>13} | {:>8} | {:>10} | {:?}",
            8 * REQUESTS_PER_THREAD,
            BACKEND_CALLS.load(Relaxed) - before,
            stats.len,
            stats.bytes,
            start.elapsed()
        );
    }
    let memo = fetch_profile_cache();
    let stats = memo.stats();
    println!("\nstats: {stats:?}");
    println!(
        "{} users asked for, {} backend calls, {} profiles held (bound {}): the memo stays at its bound",
        ROUNDS * USERS_PER_ROUND,
        BACKEND_CALLS.load(Relaxed),
        memo.len(),
        memo.capacity()
    );
    assert!(memo.len() <= memo.capacity());
    assert_eq!(BACKEND_CALLS.load(Relaxed), ROUNDS * USERS_PER_ROUND);
}
