// The user wrote `ttl = "30"`: thirty what? Durations carry their unit
// (`ms`, `s`, `m`, `h`, `d`), so write `"30s"` or `"30m"`.
use std::collections::HashMap;


#[leakless::leak_safe]
struct AppState {
    #[bounded_map(capacity = 100, ttl = "30")]
    sessions: HashMap<u64, String>,
}

fn main() {}
