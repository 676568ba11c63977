// The user misspelled `skip` in `#[footprint(..)]`, meaning to leave a field
// out of the count. The only key is `skip`: write `#[footprint(skip)]`.
use std::collections::HashMap;

#[derive(leakless::Footprint)]
struct Index {
    names: HashMap<u64, String>,
    #[footprint(skp)]
    config: std::sync::Arc<String>,
}

fn main() {}
