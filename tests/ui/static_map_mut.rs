// A global cache, `static mut` style: every use needs `unsafe`, and
// two threads can still race on it. A `#[bounded_map]` static is a sharded
// concurrent map that is safe to share and to change through `&self`: remove
// `mut`.
use std::collections::HashMap;


#[leakless::bounded_map(capacity = 1_000, ttl = "5m")]
static mut USERS: HashMap<String, u64>;

fn main() {}
