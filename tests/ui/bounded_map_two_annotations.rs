// One field, one answer to "how is this map bounded?": keep
// `#[bounded_map]`, `#[weak_map]` or `#[unbounded]`, not two of them.
use std::collections::HashMap;


#[leakless::leak_safe]
struct AppState {
    #[bounded_map(capacity = 100)]
    #[unbounded(reason = "small")]
    sessions: HashMap<u64, String>,
}

fn main() {}
