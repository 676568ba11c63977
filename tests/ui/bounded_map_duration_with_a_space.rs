// The user wrote `"5 min"` and `"30 parsecs"`: the units are ms, s, m, h and
// d, written right after the number, so five minutes is `"5m"`. A space
// before a known unit (`"5 m"`) is refused too, naming the fix.
use std::collections::HashMap;

#[leakless::leak_safe]
struct AppState {
    #[bounded_map(capacity = 100, ttl = "5 min")]
    sessions: HashMap<u64, String>,
    #[bounded_map(capacity = 100, ttl = "30 parsecs")]
    routes: HashMap<u64, String>,
    #[bounded_map(capacity = 100, tti = "5 m")]
    carts: HashMap<u64, String>,
}

fn main() {}
