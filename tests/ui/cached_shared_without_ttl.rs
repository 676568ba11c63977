// The user gave `shared` without a `ttl`: every key the tier writes to
// Redis carries the memo's TTL, so that nothing there lives forever. Add
// `ttl = ".."`.
#[leakless::cached(capacity = 100, shared = "redis://127.0.0.1:6379/")]
async fn user_name(id: u64) -> String {
    format!("user {id}")
}

fn main() {}
