// The user kept a plain `HashMap` behind a `Mutex` in a long-lived struct:
// the shared cache that only grows, the most common leaking shape of all.
// `#[leak_safe]` looks through `Mutex`, `RwLock`, `Arc`, `Box`, `Option`
// and the like. Use a `leakless::sync::BoundedMap` (sharded and bounded, it
// needs no `Mutex`), or mark the field `#[unbounded(reason = "..")]`.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[leakless::leak_safe]
struct AppState {
    users: Arc<Mutex<HashMap<u64, String>>>,
}

fn main() {}
