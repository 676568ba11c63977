// `#[weak_map]` holds values weakly, so they must be `Arc`s owned somewhere
// else (the connection, the subscriber). An `Rc` cannot be shared with the
// map's `std::sync::Weak`, and an owned value has no other owner: use
// `Arc<V>`, or `#[bounded_map]` for owned values.
use std::collections::HashMap;
use std::rc::Rc;

struct Conn;

#[leakless::leak_safe]
struct Server {
    #[weak_map]
    online: HashMap<u64, Rc<Conn>>,
}

fn main() {}
