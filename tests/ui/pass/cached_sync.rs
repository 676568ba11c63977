// A sync function memoised: the body runs once per key, the accessor
// reaches the memo map.
use std::sync::atomic::{AtomicUsize, Ordering};

static RUNS: AtomicUsize = AtomicUsize::new(0);

#[leakless::cached(capacity = 10_000, ttl = "5m")]
/// The user's display name.
fn user_name(id: u64) -> String {
    RUNS.fetch_add(1, Ordering::Relaxed);
    format!("user {id}")
}

#[leakless::cached(capacity = 100)]
fn greeting(name: &str, times: u8) -> String {
    name.repeat(usize::from(times))
}

fn main() {
    assert_eq!(user_name(7), "user 7");
    assert_eq!(user_name(7), "user 7");
    assert_eq!(RUNS.load(Ordering::Relaxed), 1);
    let memo: &'static leakless::sync::BoundedMap<u64, String> = user_name_cache();
    assert_eq!(memo.len(), 1);
    assert_eq!(greeting("ab", 2), "abab");
    assert_eq!(greeting_cache().get(&("ab".to_string(), 2)).as_deref(), Some("abab"));
    user_name_cache().clear();
    assert!(user_name_cache().is_empty());
}
