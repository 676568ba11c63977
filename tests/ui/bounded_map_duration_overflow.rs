// A duration longer than u64::MAX milliseconds (about 584 million years)
// cannot be represented; the error is on the literal at compile time, not a
// panic at start-up. For "never expires", leave `ttl` out.
use std::collections::HashMap;


#[leakless::leak_safe]
struct AppState {
    #[bounded_map(capacity = 100, ttl = "300000000000d")]
    sessions: HashMap<u64, String>,
}

fn main() {}
