// The user kept a reference to a value and then removed its entry. In C (or
// Go with `unsafe`) that is a dangling pointer into freed memory; in Java it
// is a stale object the map no longer tracks, so updates to it are lost.
// Rust refuses it: the reference borrows the map until its last use. Clone
// the value (or copy out what you need) before mutating the map, or take
// the value out with `let v = m.remove(&1)`.
use leakless::BoundedMap;

fn main() {
    let mut m: BoundedMap<u64, String> = BoundedMap::new(100);
    m.insert(1, "session".to_string());
    let v = m.get(&1).unwrap();
    m.remove(&1);
    println!("{v}");
}
