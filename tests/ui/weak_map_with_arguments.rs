// The user gave a weak map a capacity. A weak map needs no bound: an entry
// leaves when its value's last `Arc` is dropped. Write `#[weak_map]`, or
// `#[weak_map(name = "..")]` to watch it in `leakless::registry::report()`.
use std::collections::HashMap;
use std::sync::Arc;

struct Conn;

#[leakless::leak_safe]
struct Server {
    #[weak_map(capacity = 10)]
    online: HashMap<u64, Arc<Conn>>,
}

fn main() {}
