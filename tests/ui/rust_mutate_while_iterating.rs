// The user removed entries from a map while iterating over it. Java throws
// ConcurrentModificationException (at run time, if the iterator notices);
// Go allows it but leaves which entries the loop visits unspecified. Rust
// refuses it: the loop borrows the map, so it cannot be changed meanwhile.
// Use `m.retain(|_, v| ..)`, or collect the keys first and then remove.
use leakless::BoundedMap;

fn main() {
    let mut m: BoundedMap<u64, String> = BoundedMap::new(100);
    m.insert(1, String::new());
    m.insert(2, "kept".to_string());
    for (k, v) in m.iter() {
        if v.is_empty() {
            m.remove(k);
        }
    }
}
