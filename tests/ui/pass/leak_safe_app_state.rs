// The happy path: a service's state with every kind of map field. Each map
// says how it is bounded, and the struct is built with `Default`.
use std::collections::HashMap;
use std::sync::Arc;

struct Session;
struct Conn;

#[leakless::leak_safe]
#[derive(Default)]
struct AppState {
    #[bounded_map(capacity = 10_000, ttl = "30m", name = "sessions")]
    sessions: HashMap<u64, Session>,
    #[weak_map]
    online: HashMap<u64, Arc<Conn>>,
    #[unbounded(reason = "one entry per configured region")]
    regions: HashMap<String, u32>,
    title: String,
}

fn main() {
    let mut state = AppState::default();
    state.sessions.insert(1, Session);
    let conn = Arc::new(Conn);
    state.online.insert(1, &conn);
    state.regions.insert("eu".into(), 1);
    state.title.push_str("app");
    assert_eq!(state.sessions.len(), 1);
}
