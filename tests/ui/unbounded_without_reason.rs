// `#[unbounded]` is a promise that this map cannot grow forever; the promise
// needs its reason, kept in the field's docs for the next reader:
// `#[unbounded(reason = "one entry per configured region")]`.
use std::collections::HashMap;


#[leakless::leak_safe]
struct Config {
    #[unbounded]
    regions: HashMap<String, u32>,
}

fn main() {}
