// The eviction policy is named by a string the macro knows: "lru" (the
// default) or "tinylfu" (scan-resistant). Anything else is an error on the
// literal that lists both.
use std::collections::HashMap;

#[leakless::leak_safe]
struct AppState {
    #[bounded_map(capacity = 100, policy = "lfu")]
    sessions: HashMap<u64, String>,
}

fn main() {}
