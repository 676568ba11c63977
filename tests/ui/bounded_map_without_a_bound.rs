// The user gave the map a name but no bound, so it could still grow forever.
// Give at least one of `capacity`, `max_weight`, `ttl` or `tti`.
use std::collections::HashMap;


#[leakless::leak_safe]
struct AppState {
    #[bounded_map(name = "sessions")]
    sessions: HashMap<u64, String>,
}

fn main() {}
