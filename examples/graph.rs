//! A parent/child tree, written twice.
//!
//! With `Rc<RefCell<..>>`, a child points back at its parent with a strong
//! `Rc` (the easy mistake; `Weak` is the fix people forget), so parent and
//! child keep each other alive: dropping the tree frees nothing. A counting
//! allocator shows the bytes that stay behind.
//!
//! With an `Arena` and `#[leakless::handle]` ids, nodes refer to each other
//! by handle: there are no cycles of ownership, dropping the arena frees
//! everything, and a handle kept after its node is removed is caught at run
//! time (`None` / `StaleHandle`) instead of dangling.
//!
//! ```sh
//! cargo run --release --example graph
//! ```

use std::cell::RefCell;
use std::rc::Rc;

use leakless::{Arena, Handle};
use leakless_testkit::{live_bytes, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const TREES: usize = 1_000;
const CHILDREN: usize = 50;

/// The `Rc` version: children own their parent too.
struct RcNode {
    name: String,
    parent: Option<Rc<RefCell<RcNode>>>,
    children: Vec<Rc<RefCell<RcNode>>>,
}

fn rc_tree(i: usize) {
    let root = Rc::new(RefCell::new(RcNode {
        name: format!("root {i}"),
        parent: None,
        children: Vec::new(),
    }));
    for c in 0..CHILDREN {
        let child = Rc::new(RefCell::new(RcNode {
            name: format!("child {c}"),
            parent: Some(Rc::clone(&root)), // the cycle
            children: Vec::new(),
        }));
        root.borrow_mut().children.push(child);
    }
    let first = Rc::clone(&root.borrow().children[0]);
    let parent = first.borrow().parent.as_ref().map(Rc::clone);
    assert_eq!(
        parent.map(|p| p.borrow().name.len()),
        Some(root.borrow().name.len())
    );
    // `root` goes out of scope here, but every child still owns it.
}

#[leakless::handle]
/// A node of an arena tree.
struct NodeId;

struct Node {
    name: String,
    parent: Option<NodeId>,
    children: Vec<NodeId>,
}

fn arena_tree(i: usize) -> (Arena<NodeId, Node>, NodeId) {
    let mut nodes = Arena::new();
    let root = nodes.insert(Node {
        name: format!("root {i}"),
        parent: None,
        children: Vec::new(),
    });
    for c in 0..CHILDREN {
        let child = nodes.insert(Node {
            name: format!("child {c}"),
            parent: Some(root),
            children: Vec::new(),
        });
        nodes[root].children.push(child);
    }
    (nodes, root)
}

fn main() {
    // Print once first: stdout's buffer is allocated on first use, and would
    // otherwise be counted below.
    println!("{TREES} trees of {CHILDREN} children each, built and dropped twice.\n");
    let base = live_bytes();
    for i in 0..TREES {
        rc_tree(i);
    }
    let rc_leaked = live_bytes().saturating_sub(base);

    let base = live_bytes();
    let mut kept = None;
    for i in 0..TREES {
        let (mut nodes, root) = arena_tree(i);
        let first_child = nodes[root].children[0];
        assert_eq!(
            nodes[nodes[first_child].parent.unwrap()].name,
            format!("root {i}")
        );
        // Remove a child, then use its id anyway: caught, not dangling.
        nodes.remove(first_child);
        nodes[root].children.retain(|&c| c != first_child);
        let caught = nodes.try_get(first_child).err();
        assert!(caught.is_some(), "a removed node's id must miss");
        if let (0, Some(err)) = (i, caught) {
            println!("a kept id after removal: {err}");
            kept = Some(first_child);
        }
        // `nodes` is dropped here: every node with it.
    }
    let arena_left = live_bytes().saturating_sub(base);

    println!("\nbytes still allocated after dropping every tree:");
    println!("  Rc<RefCell<..>> with parent links: {rc_leaked:>9} B (the cycles leaked)");
    println!("  Arena with handles:                {arena_left:>9} B");
    if let Some(id) = kept {
        println!(
            "  the kept handle {id:?} is index {} version {}: harmless data, not a pointer",
            id.raw().index(),
            id.raw().version()
        );
    }
    assert!(rc_leaked > 1_000_000, "the Rc cycle should leak");
    assert_eq!(arena_left, 0, "the arena trees should leave nothing behind");
}
