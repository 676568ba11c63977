//! The macros end to end: what `#[leak_safe]` and `#[bounded_map]` build
//! behaves as the attributes say, through every construction path.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use leakless::{bounded_map, leak_safe, EvictionCause, Footprint};

static EVICTED: AtomicUsize = AtomicUsize::new(0);

fn count_eviction(_k: u64, _v: String, cause: EvictionCause) {
    assert_eq!(cause, EvictionCause::Size);
    EVICTED.fetch_add(1, Ordering::Relaxed);
}

// A weigher is an `Fn(&K, &V) -> u64`, so it takes `&String`, not `&str`.
#[allow(clippy::ptr_arg)]
fn blob_weight(_k: &String, v: &Vec<u8>) -> u64 {
    v.len() as u64
}

#[derive(Debug)]
struct Conn(#[allow(dead_code)] u32);

#[leak_safe]
#[derive(Default, Debug)]
struct AppState {
    #[bounded_map(capacity = 3, ttl = "30m", name = "sessions", on_evict = count_eviction)]
    sessions: HashMap<u64, String>,
    #[bounded_map(max_weight = 1_000, weigher = blob_weight, tti = "1h30m")]
    blobs: std::collections::HashMap<String, Vec<u8>>,
    #[bounded_map(capacity = 2)]
    seen: HashSet<u32>,
    #[bounded_map(capacity = 2)]
    ranks: BTreeMap<u32, u32>,
    #[weak_map]
    online: HashMap<u32, Arc<Conn>>,
    #[unbounded(reason = "one entry per configured region")]
    regions: HashMap<String, u32>,
    title: String,
}

#[leak_safe]
#[derive(Default)]
struct Cache {
    #[bounded_map(capacity = 1_000, policy = "tinylfu")]
    pages: HashMap<u64, String>,
    #[bounded_map(capacity = 1_000, policy = "lru")]
    recent: HashMap<u64, String>,
}

#[bounded_map(capacity = 1_000, policy = "tinylfu")]
static PAGES: HashMap<u64, String>;

#[test]
fn the_policy_key_chooses_the_eviction_policy() {
    let cache = Cache::default();
    assert_eq!(cache.pages.policy(), leakless::Policy::TinyLfu);
    assert_eq!(cache.recent.policy(), leakless::Policy::Lru);
    assert_eq!(PAGES.policy(), leakless::Policy::TinyLfu);
    PAGES.insert(1, "home".to_string());
    assert_eq!(PAGES.get(&1).as_deref(), Some("home"));
}

#[test]
fn bounded_fields_are_configured_as_written() {
    let mut state = AppState::default();
    assert_eq!(state.sessions.capacity(), 3);
    assert_eq!(state.sessions.ttl(), Some(Duration::from_secs(30 * 60)));
    assert_eq!(state.sessions.name(), Some("sessions"));
    assert_eq!(state.blobs.max_weight(), Some(1_000));
    assert_eq!(state.blobs.tti(), Some(Duration::from_secs(90 * 60)));

    let before = EVICTED.load(Ordering::Relaxed);
    for i in 0..10 {
        state.sessions.insert(i, format!("s{i}"));
    }
    assert_eq!(state.sessions.len(), 3);
    assert_eq!(EVICTED.load(Ordering::Relaxed) - before, 7);

    state.blobs.insert("a".into(), vec![0; 600]);
    state.blobs.insert("b".into(), vec![0; 600]);
    assert_eq!(state.blobs.len(), 1, "the weigher and max_weight apply");

    state.seen.extend([(1, ()), (2, ()), (3, ())]);
    assert_eq!(state.seen.len(), 2);
    state.ranks.extend([(1, 1), (2, 2), (3, 3)]);
    assert_eq!(state.ranks.len(), 2);

    let conn = Arc::new(Conn(7));
    state.online.insert(7, &conn);
    assert!(state.online.get(&7).is_some());
    drop(conn);
    assert!(state.online.get(&7).is_none(), "a weak field lets go");

    state.regions.insert("eu".into(), 1);
    state.title.push_str("ok");
    assert!(format!("{state:?}").contains("regions"));
    assert!(state.sessions.footprint() > 0);
}

#[test]
fn a_struct_literal_with_default_fields_is_configured_too() {
    let mut state = AppState {
        sessions: Default::default(),
        blobs: Default::default(),
        seen: Default::default(),
        ranks: Default::default(),
        online: Default::default(),
        regions: HashMap::new(),
        title: String::new(),
    };
    assert_eq!(state.sessions.capacity(), 3);
    for i in 0..100 {
        state.sessions.insert(i, String::new());
    }
    assert_eq!(state.sessions.len(), 3);
}

#[leak_safe]
#[derive(Clone, Default)]
struct Generic<K: std::hash::Hash + Eq + Clone> {
    #[bounded_map(capacity = 2)]
    by_key: HashMap<K, u32>,
}

#[leak_safe]
#[derive(Default)]
struct Tuple(#[bounded_map(capacity = 1)] pub HashMap<u8, u8>, u32);

#[test]
fn generic_and_tuple_structs() {
    let mut g: Generic<String> = Generic::default();
    g.by_key
        .extend([("a".to_string(), 1), ("b".into(), 2), ("c".into(), 3)]);
    let copy = g.clone();
    assert_eq!(copy.by_key.len(), 2);

    let mut t = Tuple::default();
    t.0.insert(1, 1);
    t.0.insert(2, 2);
    assert_eq!(t.0.len(), 1);
    assert_eq!(t.1, 0);
}

/// Users, most recently seen.
#[bounded_map(capacity = 100, ttl = "5m", name = "users")]
pub static USERS: HashMap<u64, String>;

#[bounded_map(capacity = 10)]
static TAGS: HashSet<&'static str>;

#[test]
fn a_static_map_is_a_shared_bounded_map() {
    let workers: Vec<_> = (0..4u64)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..1_000 {
                    USERS.insert(t * 1_000 + i, format!("user {i}"));
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(USERS.len(), 100);
    assert_eq!(USERS.capacity(), 100);
    assert_eq!(USERS.name(), Some("users"));
    TAGS.insert("a", ());
    assert!(TAGS.contains_key("a"));
}

#[derive(Default)]
#[leak_safe]
struct DeriveFirst {
    #[bounded_map(capacity = 1)]
    m: HashMap<u8, u8>,
}

#[test]
fn derives_written_before_the_attribute_work_too() {
    let mut s = DeriveFirst::default();
    s.m.insert(1, 1);
    s.m.insert(2, 2);
    assert_eq!(s.m.len(), 1);
}

#[leak_safe]
#[derive(Default)]
struct Watched {
    #[weak_map(name = "watched-online")]
    online: HashMap<u32, Arc<Conn>>,
    #[unbounded(reason = "one entry per region", name = "watched-regions")]
    regions: HashMap<String, u32>,
}

#[test]
fn named_weak_and_unbounded_fields_show_in_the_registry() {
    let mut w = Watched::default();
    let conn = Arc::new(Conn(1));
    w.online.insert(1, &conn);
    w.regions.insert("eu".into(), 1);
    let _ = w.regions.len();
    let report = leakless::registry::snapshot();
    let online = report
        .get("watched-online")
        .expect("the weak field is registered");
    assert_eq!((online.kind, online.len), ("WeakValueMap", 1));
    let regions = report
        .get("watched-regions")
        .expect("the unbounded field is registered");
    assert_eq!((regions.kind, regions.len), ("HashMap", 1));
    drop(w);
    assert!(leakless::registry::snapshot()
        .get("watched-regions")
        .is_none());
}

/// `Self` in a field type names the struct, as it does without the macro.
#[leak_safe]
#[derive(Default)]
struct Node {
    #[bounded_map(capacity = 4)]
    children: HashMap<u32, Box<Self>>,
}

/// `App::user_cache` and `AppUser::cache` get configs of their own.
#[leak_safe]
#[derive(Default)]
struct App {
    #[bounded_map(capacity = 1)]
    user_cache: HashMap<u8, u8>,
}

#[leak_safe]
#[derive(Default)]
struct AppUser {
    #[bounded_map(capacity = 2)]
    cache: HashMap<u8, u8>,
}

/// Unsized type parameters (used behind a pointer) are fine.
#[leak_safe]
struct Unsized<K: ?Sized + std::hash::Hash + Eq, T: ?Sized> {
    #[bounded_map(capacity = 2)]
    by_key: HashMap<Arc<K>, Box<T>>,
}

#[test]
fn self_names_the_struct_and_configs_never_collide() {
    let mut node = Node::default();
    node.children.insert(1, Box::default());
    assert_eq!(node.children.len(), 1);
    assert_eq!(App::default().user_cache.capacity(), 1);
    assert_eq!(AppUser::default().cache.capacity(), 2);
    let mut u: Unsized<str, [u8]> = Unsized {
        by_key: Default::default(),
    };
    u.by_key
        .insert(Arc::from("k"), Box::from([1u8, 2].as_slice()));
    assert_eq!(u.by_key.len(), 1);
}

/// A wrapped map passes when it says why it may stay unbounded.
#[leak_safe]
#[derive(Default)]
struct Wrapped {
    #[unbounded(reason = "one entry per shard, fixed at start-up")]
    shards: std::sync::Mutex<HashMap<u8, u8>>,
    plain: std::sync::Mutex<Vec<u8>>,
}

#[test]
fn a_wrapped_map_marked_unbounded_is_left_alone() {
    let w = Wrapped::default();
    w.shards.lock().unwrap().insert(1, 1);
    w.plain.lock().unwrap().push(1);
    assert_eq!(w.shards.lock().unwrap().len(), 1);
}
