// `#[weak_map]` takes no settings: entries leave when their value's last
// `Arc` is dropped. Write `#[weak_map]`.
use std::collections::HashMap;
use std::sync::Arc;

struct Conn;

#[leakless::leak_safe]
struct Server {
    #[weak_map(capacity = 10)]
    online: HashMap<u64, Arc<Conn>>,
}

fn main() {}
