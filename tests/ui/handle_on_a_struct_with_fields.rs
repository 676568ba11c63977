// The user put `#[handle]` on a struct that already has fields. A handle's
// only field is the index and version the attribute adds itself: declare a
// unit struct (`struct NodeId;`) and keep other data in the arena's values.
#[leakless::handle]
struct NodeId {
    index: u32,
}

fn main() {}
