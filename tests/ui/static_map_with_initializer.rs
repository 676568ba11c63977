// The map is built from the attribute's settings, lazily, on first use; an
// initializer would be a second, conflicting recipe. Remove `= ...`.
use std::collections::HashMap;


#[leakless::bounded_map(capacity = 1_000)]
static USERS: HashMap<String, u64> = HashMap::new();

fn main() {}
