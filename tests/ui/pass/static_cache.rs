// The happy path for the global cache: a static map, bounded and expiring,
// shared by every thread with no lock and no `unsafe`.
use std::collections::HashMap;

#[leakless::bounded_map(capacity = 1_000, ttl = "5m", name = "users")]
static USERS: HashMap<String, u64>;

fn main() {
    let worker = std::thread::spawn(|| USERS.insert("ann".into(), 1));
    worker.join().unwrap();
    assert_eq!(USERS.get("ann"), Some(1));
}
