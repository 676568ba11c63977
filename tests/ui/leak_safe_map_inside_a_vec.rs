// The user sharded a cache by hand: a `Vec` (or `VecDeque`, array, slice,
// `Box<[..]>`) of plain `HashMap`s grows just like one map does. The check
// looks through these as through a `Mutex`; it reads the type as written,
// so a map behind a type alias is not seen. Use one
// `leakless::sync::BoundedMap` (it is sharded already), or mark the field
// `#[unbounded(reason = "..")]`.
use std::collections::{HashMap, VecDeque};

#[leakless::leak_safe]
struct Shards {
    shards: Vec<HashMap<u32, u32>>,
    recent: VecDeque<HashMap<u32, u32>>,
    fixed: [HashMap<u32, u32>; 16],
    boxed: Box<[HashMap<u32, u32>]>,
}

fn main() {}
