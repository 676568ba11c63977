// The user put a plain `HashMap` in a long-lived struct: the map that only
// grows. `#[leak_safe]` refuses any map field that does not say how it is
// bounded, and names the three ways out: `#[bounded_map(..)]` to bound it,
// `#[weak_map]` when its values are `Arc`s owned elsewhere,
// `#[unbounded(reason = "..")]` when it truly cannot grow.
use std::collections::HashMap;


#[leakless::leak_safe]
struct AppState {
    sessions: HashMap<u64, String>,
    title: String,
}

fn main() {}
