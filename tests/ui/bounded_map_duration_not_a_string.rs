// The user wrote the TTL as a bare number. Durations are strings with their
// unit, so the reader never has to guess whether 30 meant seconds or
// minutes: `ttl = "30s"`.
use std::collections::HashMap;


#[leakless::leak_safe]
struct AppState {
    #[bounded_map(capacity = 100, ttl = 30)]
    sessions: HashMap<u64, String>,
}

fn main() {}
