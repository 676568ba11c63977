// `#[derive(Footprint)]` on the shapes a user writes: named, tuple and unit
// structs, enums of every variant kind, generics with bounds, where clauses
// and lifetimes, and `#[footprint(skip)]` on a field whose type has no
// `Footprint` impl.

// The skipped `Connection` fields are never read, as nothing here uses them.
#![allow(dead_code)]

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::marker::PhantomData;
use std::sync::Arc;

use leakless::{BoundedMap, Footprint};

/// Owns heap, but has no `Footprint` impl: it can only be skipped.
struct Connection(Vec<u8>);

#[derive(Footprint)]
struct AppState {
    sessions: BoundedMap<u64, String>,
    users: HashMap<String, Vec<u8>>,
    tags: HashSet<String>,
    recent: VecDeque<u64>,
    sorted: BTreeMap<u64, String>,
    config: Arc<String>,
    #[footprint(skip)]
    connection: Connection,
}

#[derive(Footprint)]
struct Pair(String, #[footprint(skip)] Connection);

#[derive(Footprint)]
struct Marker;

#[derive(Footprint)]
enum Shape {
    Empty,
    Named(String),
    Points { xs: Vec<f64>, ys: Vec<f64> },
    Skipping(#[footprint(skip)] Connection, Vec<u8>),
}

#[derive(Footprint)]
enum Never {}

#[derive(Footprint)]
struct Wrapper<T> {
    items: Vec<T>,
}

#[derive(Footprint)]
struct Labelled<'a, K: Clone, V, const N: usize>
where
    V: Default,
{
    label: Cow<'a, str>,
    table: HashMap<K, V>,
    fixed: [u8; N],
    #[footprint(skip)]
    marker: PhantomData<fn() -> K>,
}

fn total<T: Footprint>(value: &T) -> usize {
    value.footprint()
}

fn main() {
    let state = AppState {
        sessions: BoundedMap::new(10),
        users: HashMap::new(),
        tags: HashSet::new(),
        recent: VecDeque::new(),
        sorted: BTreeMap::new(),
        config: Arc::new("shared".to_string()),
        connection: Connection(vec![0; 1024]),
    };
    let _ = total(&state);
    assert_eq!(Pair("ab".to_string(), Connection(vec![1])).footprint(), 2);
    assert_eq!(Marker.footprint(), 0);
    assert_eq!(Shape::Empty.footprint(), 0);
    assert_eq!(Shape::Named(String::with_capacity(8)).footprint(), 8);
    let points = Shape::Points {
        xs: Vec::with_capacity(2),
        ys: Vec::new(),
    };
    assert_eq!(points.footprint(), 16);
    assert_eq!(
        Shape::Skipping(Connection(vec![0; 9]), vec![0; 3]).footprint(),
        3
    );
    let _ = |never: &Never| never.footprint();
    assert_eq!(
        Wrapper {
            items: vec![String::with_capacity(5)]
        }
        .footprint(),
        24 + 5
    );
    let labelled: Labelled<'_, u64, u64, 4> = Labelled {
        label: Cow::Borrowed("borrowed"),
        table: HashMap::new(),
        fixed: [0; 4],
        marker: PhantomData,
    };
    assert_eq!(labelled.footprint(), 0);
}
