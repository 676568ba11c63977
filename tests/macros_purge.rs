//! `purge_every = ".."` on a `#[bounded_map]` static and on `#[cached]`:
//! the maintenance thread empties them of expired entries while nobody
//! calls them. Real time (the macros' maps use the default clock), so the
//! tests poll with a deadline.

use std::collections::HashMap;
use std::thread;
use std::time::{Duration, Instant};

#[leakless::bounded_map(capacity = 1_000, ttl = "50ms", purge_every = "5ms")]
static SESSIONS: HashMap<u64, String>;

#[leakless::cached(capacity = 100, ttl = "50ms", purge_every = "5ms")]
fn square(n: u64) -> u64 {
    n * n
}

fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn a_static_with_purge_every_is_emptied_while_idle() {
    for k in 0..100 {
        SESSIONS.insert(k, "user".into());
    }
    assert!(leakless::sync::maintenance_status().maps >= 1);
    eventually("the static's expired entries purged", || {
        SESSIONS.is_empty()
    });
    assert_eq!(SESSIONS.stats().evictions.expired, 100);
}

#[test]
fn a_memo_with_purge_every_is_emptied_while_idle() {
    for n in 0..10 {
        assert_eq!(square(n), n * n);
    }
    assert_eq!(square_cache().len(), 10);
    eventually("the memo's expired entries purged", || {
        square_cache().is_empty()
    });
}
