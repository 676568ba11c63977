// The user looked up a node arena with an edge handle. Handle types are
// distinct on purpose: a handle only ever indexes arenas of its own type,
// so mixing up ids is a compile error instead of a wrong object at run
// time. Use the handle the arena was made for (here a `NodeId`).
use leakless::Arena;

#[leakless::handle]
struct NodeId;

#[leakless::handle]
struct EdgeId;

fn main() {
    let mut nodes: Arena<NodeId, &str> = Arena::new();
    let mut edges: Arena<EdgeId, (NodeId, NodeId)> = Arena::new();
    let a = nodes.insert("a");
    let e = edges.insert((a, a));
    let _ = nodes[e];
}
