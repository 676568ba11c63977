// Several mistakes in one struct are all reported in one build, each on its
// own token, so the user fixes them in one pass instead of one per compile.
// Here: a map behind a full path with no annotation, an unknown key, and a
// zero capacity.
use std::collections::HashMap;


#[leakless::leak_safe]
struct AppState {
    index: std::collections::BTreeSet<u64>,
    #[bounded_map(capcity = 100)]
    sessions: HashMap<u64, String>,
    #[bounded_map(capacity = 0)]
    tokens: HashMap<u64, String>,
}

fn main() {}
