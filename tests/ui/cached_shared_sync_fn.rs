// The user put `shared` on a sync function: the Redis tier's calls are
// async (a network round trip the caller awaits), so a shared memo must be
// an `async fn`. Make it one, or drop `shared` for a per-process memo.
#[leakless::cached(capacity = 100, ttl = "5m", shared = "redis://127.0.0.1:6379/")]
fn user_name(id: u64) -> String {
    format!("user {id}")
}

fn main() {}
