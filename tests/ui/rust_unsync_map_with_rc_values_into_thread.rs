// The user moved a map holding `Rc` values into another thread. `Rc`'s
// count is not atomic: two threads cloning or dropping the same `Rc` can
// corrupt it and free the value twice or never (in Java/Go terms, a
// non-thread-safe refcount: a use-after-free or a leak). `Rc` is not
// `Send`, so neither is the map, and Rust refuses. Store `Arc<String>` (or
// plain `String`) instead, and use `leakless::sync::BoundedMap` if several
// threads need the map.
use leakless::BoundedMap;
use std::rc::Rc;
use std::thread;

fn main() {
    let mut m: BoundedMap<u64, Rc<String>> = BoundedMap::new(100);
    m.insert(1, Rc::new("shared".to_string()));
    thread::spawn(move || m.len());
}
