// The user returned `fmt::Result`, a `Result` written without its type
// arguments: `#[cached]` stores only `Ok` values and must name their type.
// Write it out: `Result<(), fmt::Error>`.
use std::fmt;

#[leakless::cached(capacity = 100)]
fn check(id: u64) -> fmt::Result {
    if id == 0 { Err(fmt::Error) } else { Ok(()) }
}

fn main() {}
