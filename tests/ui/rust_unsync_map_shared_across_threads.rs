// The user shared the unsync `BoundedMap` between threads through `Arc` and
// read from another thread. Its `get(&self)` counts as a use: it moves the
// entry in the recency list through `Cell`s, so two readers at once would
// race just like two writers (Go: `concurrent map read and map write`; Java:
// a LinkedHashMap in access order corrupted by concurrent `get`s). The map
// is `Send` but not `Sync`, so Rust refuses. Use `leakless::sync::BoundedMap`
// (`get` returns a clone, `get_with` borrows under the lock) in the `Arc`.
use leakless::BoundedMap;
use std::sync::Arc;
use std::thread;

fn main() {
    let m: Arc<BoundedMap<u64, u64>> = Arc::new(BoundedMap::new(100));
    let m2 = Arc::clone(&m);
    thread::spawn(move || m2.get(&1).copied());
}
