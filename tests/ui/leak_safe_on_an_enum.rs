// `#[leak_safe]` checks the fields of a struct. On an enum, bound the maps
// of the struct that holds it.
use std::collections::HashMap;


#[leakless::leak_safe]
enum State {
    Empty,
    Full(HashMap<u64, String>),
}

fn main() {}
