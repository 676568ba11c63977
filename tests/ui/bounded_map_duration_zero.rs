// A zero TTL expires every entry the moment it is written: the map would
// hold nothing. Give a positive duration, or leave `ttl` out.
use std::collections::HashMap;


#[leakless::leak_safe]
struct AppState {
    #[bounded_map(capacity = 100, ttl = "0s")]
    sessions: HashMap<u64, String>,
}

fn main() {}
