// A static map with no bound is exactly the leak leakless exists to stop:
// give `capacity`, `max_weight`, `ttl` or `tti`.
use std::collections::HashMap;


#[leakless::bounded_map(name = "users")]
static USERS: HashMap<String, u64>;

fn main() {}
