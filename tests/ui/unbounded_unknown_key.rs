// The user tried to bound an `#[unbounded]` field. `#[unbounded]` means the
// map is left as it is, on purpose; it takes the reason, and a name to
// watch it in `leakless::registry::report()`. To bound it, use
// `#[bounded_map(capacity = ..)]` instead.
use std::collections::HashMap;

#[leakless::leak_safe]
struct Config {
    #[unbounded(reason = "one per region", capacity = 10)]
    regions: HashMap<String, u32>,
}

fn main() {}
