// The user let two threads insert into one map with no lock. In Go this
// crashes with `fatal error: concurrent map writes` (or corrupts the map
// silently when the race detector is off); in Java a plain HashMap loses
// entries or loops forever. Rust refuses it: both threads would need the
// same `&mut`, and there can be only one. Use `leakless::sync::BoundedMap`,
// whose `insert` takes `&self`, and share it by reference (or via `Arc`).
use leakless::BoundedMap;
use std::thread;

fn main() {
    let mut m: BoundedMap<u64, String> = BoundedMap::new(100);
    thread::scope(|s| {
        s.spawn(|| m.insert(1, "from a".to_string()));
        s.spawn(|| m.insert(2, "from b".to_string()));
    });
}
