// `#[bounded_map]` on a static bounds a map or a set; a `Vec` is neither.
#[leakless::bounded_map(capacity = 1_000)]
static LOG: Vec<String>;

fn main() {}
