//! Two replicas of a service in one process, sharing a Redis through
//! `leakless::tier`, against the same two replicas with only their local map.
//!
//! ```sh
//! redis-server --port 6390 --save '' --appendonly no &
//! LEAKLESS_REDIS_URL=redis://127.0.0.1:6390/ cargo run --release --features redis --example replicas
//! ```
//!
//! Each replica serves the same 20,000 popular-first requests (Zipf(0.99)
//! over 100,000 users) through a 1,000-entry L1; a backend load takes 1 ms.
//! Without the tier each replica loads what it misses; with it a user loaded
//! by one replica is a Redis hit in the other, and an update in one reaches
//! the other's L1 through an invalidation.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use leakless::sync::BoundedMap;
use leakless::tier::Tier;

static LOADS: AtomicU64 = AtomicU64::new(0);

async fn fetch_user(id: u64) -> String {
    LOADS.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(1)).await;
    format!("user {id}")
}

/// Zipf(0.99)-ish request ids: rank r is asked about 1/r as often.
fn requests(n: u64, seed: u64) -> Vec<u64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let u = (x >> 11) as f64 / (1u64 << 53) as f64;
            // Inverse of the continuous 1/r law over 1..=100,000.
            (100_000f64.powf(u)) as u64
        })
        .collect()
}

/// Runs both replicas' requests on 16 tasks each; `get` is one replica's cache.
async fn serve<F, Fut>(get: [F; 2])
where
    F: Fn(u64) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = String> + Send,
{
    let mut tasks = Vec::new();
    for (r, get) in get.into_iter().enumerate() {
        let ids = Arc::new(requests(20_000, 7 + r as u64));
        for t in 0..16 {
            let (get, ids) = (get.clone(), ids.clone());
            tasks.push(tokio::spawn(async move {
                for &id in ids.iter().skip(t).step_by(16) {
                    assert_eq!(get(id).await, format!("user {id}"));
                }
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::main]
async fn main() -> Result<(), leakless::tier::Error> {
    let url = std::env::var("LEAKLESS_REDIS_URL").unwrap_or("redis://127.0.0.1:6390/".into());

    let local = || Arc::new(BoundedMap::<u64, String>::new(1_000));
    let (a, b) = (local(), local());
    serve([a, b].map(|m| {
        move |id| {
            let m = m.clone();
            async move { m.get_or_insert_async(id, fetch_user(id)).await }
        }
    }))
    .await;
    let without = LOADS.swap(0, Ordering::Relaxed);

    let namespace = format!("replicas-example:{}", std::process::id());
    let replica = || {
        Tier::builder(&url)
            .namespace(namespace.as_str())
            .ttl(Duration::from_secs(60))
            .l1(BoundedMap::builder()
                .capacity(1_000)
                .ttl(Duration::from_secs(60))
                .build())
            .build()
    };
    let (a, b) = (replica()?, replica()?);
    serve([a.clone(), b.clone()].map(|t| {
        move |id| {
            let t = t.clone();
            async move {
                t.get_or_load(id, fetch_user(id))
                    .await
                    .expect("a u64 encodes")
            }
        }
    }))
    .await;
    let with = LOADS.load(Ordering::Relaxed);

    println!("backend loads for 2 x 20,000 requests: {without} without the tier, {with} with it");
    let (sa, sb) = (a.stats(), b.stats());
    if sa.errors + sa.timeouts + sb.errors + sb.timeouts > 0 {
        println!("Redis at {a:?} did not answer every call: is it running? {sa:?}");
        return Ok(());
    }
    println!("replica a: {sa:?}");

    // An update in replica a, then replica b reads the new value.
    b.get_or_load(1, fetch_user(1)).await?;
    a.insert(1, "user 1, renamed".into()).await?;
    tokio::time::sleep(Duration::from_millis(10)).await;
    println!(
        "replica b after a's update: {}",
        b.get_or_load(1, fetch_user(1)).await?
    );
    Ok(())
}
