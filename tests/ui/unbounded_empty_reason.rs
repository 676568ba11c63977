// An empty reason says nothing. Say why the map cannot grow without bound.
use std::collections::HashMap;


#[leakless::leak_safe]
struct Config {
    #[unbounded(reason = "")]
    regions: HashMap<String, u32>,
}

fn main() {}
