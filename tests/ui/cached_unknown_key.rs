// The user misspelt a key (`capcity`): the error suggests the closest one
// and lists every key `#[cached]` takes, the map keys and its own.
#[leakless::cached(capcity = 100)]
fn user_name(id: u64) -> String {
    format!("user {id}")
}

fn main() {}
