// The same key given twice: which one did the user mean? Keep one.
use std::collections::HashMap;


#[leakless::leak_safe]
struct AppState {
    #[bounded_map(capacity = 100, capacity = 1_000)]
    sessions: HashMap<u64, String>,
}

fn main() {}
