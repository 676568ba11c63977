// A misspelt key is an error on that key, with the closest valid key
// suggested and every valid key listed.
use std::collections::HashMap;


#[leakless::leak_safe]
struct AppState {
    #[bounded_map(capcity = 100)]
    sessions: HashMap<u64, String>,
}

fn main() {}
