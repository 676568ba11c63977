// The user annotated a field with `#[bounded_map]` but forgot `#[leak_safe]`
// on the struct. A field attribute cannot be a macro of its own:
// `#[bounded_map]` on a field is read by `#[leak_safe]`. Add
// `#[leakless::leak_safe]` above the struct.
use std::collections::HashMap;


struct AppState {
    #[leakless::bounded_map(capacity = 100)]
    sessions: HashMap<u64, String>,
}

fn main() {}
