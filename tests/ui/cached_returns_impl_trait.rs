// The user memoised a function returning `impl Trait`: the memo map's value
// type must be named, and an `impl Trait` cannot be. Return a concrete type.
#[leakless::cached(capacity = 100)]
fn digits(n: u64) -> impl Iterator<Item = u32> + Clone {
    n.to_string()
        .chars()
        .map(|c| c.to_digit(10).unwrap_or(0))
        .collect::<Vec<_>>()
        .into_iter()
}

fn main() {}
