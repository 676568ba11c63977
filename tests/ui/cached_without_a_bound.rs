// The user memoised a function with no bound: the `cached` crate's bare
// `#[cached]` compiles this to a map that keeps every argument it is ever
// called with, for the life of the process. Give the memo a bound:
// `capacity`, `max_weight`, `ttl` or `tti`.
#[leakless::cached]
fn user_name(id: u64) -> String {
    format!("user {id}")
}

#[leakless::cached(name = "greetings")]
fn greeting(name: String) -> String {
    format!("hello {name}")
}

fn main() {}
