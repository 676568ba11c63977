// The user asked for background purging of a field's map. A field's map
// belongs to the struct's owner (it is not shared with other threads), so
// the maintenance thread cannot reach it: `purge_every` goes on a
// `#[bounded_map]` static or on `#[cached]`; for a field, call
// `purge_expired()` from the owner's idle path.
use std::collections::HashMap;

#[leakless::leak_safe]
struct State {
    #[bounded_map(capacity = 100, ttl = "5m", purge_every = "1s")]
    sessions: HashMap<u64, String>,
}

fn main() {}
