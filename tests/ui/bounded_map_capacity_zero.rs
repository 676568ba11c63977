// A capacity of 0 admits nothing: every insert would be evicted at once,
// which is never what a field is for. Give a positive capacity (or drop the
// field).
use std::collections::HashMap;


#[leakless::leak_safe]
struct AppState {
    #[bounded_map(capacity = 0)]
    sessions: HashMap<u64, String>,
}

fn main() {}
