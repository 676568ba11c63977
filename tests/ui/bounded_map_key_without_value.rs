// A key without a value. Each key takes one: `capacity = 10_000`.
use std::collections::HashMap;


#[leakless::leak_safe]
struct AppState {
    #[bounded_map(capacity)]
    sessions: HashMap<u64, String>,
}

fn main() {}
