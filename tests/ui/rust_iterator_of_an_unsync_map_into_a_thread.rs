// The user handed an iterator over an unsync map to another thread while
// keeping the map. The owning thread may call `get`, which reorders the
// recency list the iterator walks, so the iterator stays on the map's
// thread like the map's `&` does. Collect what the other thread needs
// (`m.iter().map(..).collect::<Vec<_>>()`) and send that, or share a
// `leakless::sync::BoundedMap` and use its `snapshot()`.
use leakless::BoundedMap;
use std::thread;

fn main() {
    let m: BoundedMap<u64, u64> = BoundedMap::new(10);
    thread::scope(|s| {
        let it = m.iter();
        s.spawn(move || it.count());
        m.get(&1);
    });
}
