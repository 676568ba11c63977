// The user passed an argument to `#[handle]`, expecting to configure the
// handle (here, to make it `Copy`). Handles take no options: every handle is
// already `Copy`, `Eq`, `Hash`, `Ord` and `Debug`. Write `#[handle]` alone.
#[leakless::handle(copy)]
struct EdgeId;

fn main() {}
