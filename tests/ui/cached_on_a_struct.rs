// The user put `#[cached]` on a struct: it memoises a function. For a
// bounded map in a struct, use `#[leak_safe]` with `#[bounded_map(..)]`.
#[leakless::cached(capacity = 100)]
struct Users;

fn main() {}
