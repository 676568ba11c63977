// `#[bounded_map]` goes on a `static` map or, inside a `#[leak_safe]`
// struct, on a map field; it does not wrap a function's body.
use std::collections::HashMap;


#[leakless::bounded_map(capacity = 1_000)]
fn users() -> HashMap<String, u64> {
    HashMap::new()
}

fn main() {}
