// `"2w"` is not a unit leakless knows; the units are ms, s, m, h and d, so
// two weeks is `"14d"`.
use std::collections::HashMap;


#[leakless::leak_safe]
struct AppState {
    #[bounded_map(capacity = 100, tti = "2w")]
    sessions: HashMap<u64, String>,
}

fn main() {}
