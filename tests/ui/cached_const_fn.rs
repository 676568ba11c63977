// The user memoised a `const fn`: it can run at compile time, where there
// is no memo map to ask. Remove `const` (or remove `#[cached]`: a const
// value needs no memo).
#[leakless::cached(capacity = 100)]
const fn square(n: u64) -> u64 {
    n * n
}

fn main() {}
