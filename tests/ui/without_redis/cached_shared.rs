// The user gave `shared` with leakless built without its `redis` feature:
// the Redis tier is not compiled in. Enable the feature
// (`leakless = { version = "0.1", features = ["redis"] }`).
#[leakless::cached(capacity = 100, ttl = "5m", shared = "redis://127.0.0.1:6379/")]
async fn user_name(id: u64) -> String {
    format!("user {id}")
}

fn main() {}
