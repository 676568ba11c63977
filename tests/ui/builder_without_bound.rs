// The user builds a BoundedMap from the builder without giving it a bound:
// such a map would grow forever, the leak leakless exists to prevent.
// Instead: call `.capacity(n)` or `.max_weight(n)` before `.build()`.
use leakless::BoundedMap;

fn main() {
    let cache = BoundedMap::<u64, String>::builder()
        .on_evict(|_key, _value, _cause| {})
        .build();
    drop(cache);
}
