// A bounded map hashes with its own randomly seeded (HashDoS-resistant)
// hasher, so the `HashMap`'s third parameter has nowhere to go: drop it.
use std::collections::hash_map::RandomState;
use std::collections::HashMap;

#[leakless::leak_safe]
struct AppState {
    #[bounded_map(capacity = 100)]
    sessions: HashMap<u64, String, RandomState>,
}

fn main() {}
