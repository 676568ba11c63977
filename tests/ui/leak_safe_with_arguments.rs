// `#[leak_safe]` takes no arguments: the settings belong to each map field.
use std::collections::HashMap;


#[leakless::leak_safe(capacity = 100)]
struct AppState {
    #[bounded_map(capacity = 100)]
    sessions: HashMap<u64, String>,
}

fn main() {}
