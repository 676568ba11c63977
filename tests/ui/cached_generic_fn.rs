// The user memoised a generic function: one memo map needs one key and one
// value type, and a generic function has one per instantiation. Memoise a
// non-generic function per type, and call it from the generic one.
#[leakless::cached(capacity = 100)]
fn describe<T: std::fmt::Debug + Clone>(value: T) -> String {
    format!("{value:?}")
}

fn main() {}
