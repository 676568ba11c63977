// A map's name is a string literal, as it appears in reports: `name =
// "sessions"`.
use std::collections::HashMap;


#[leakless::leak_safe]
struct AppState {
    #[bounded_map(capacity = 100, name = sessions)]
    sessions: HashMap<u64, String>,
}

fn main() {}
