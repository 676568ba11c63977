//! The shared Redis tier against a real server: two tiers with their own
//! connections play two replicas. `LEAKLESS_REDIS_URL` names the server
//! (`.ci/run` starts one); without it these tests fail under `CI=true` and
//! say SKIPPED otherwise. The fault test starts and kills its own
//! `redis-server`. Only 127.0.0.1 is ever used.
#![cfg(feature = "redis")]

#[path = "common/redis_server.rs"]
mod redis_server;
use redis_server::server_url;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use leakless::sync::BoundedMap;
use leakless::tier::redis::{self, AsyncCommands};
use leakless::tier::{Error, Tier};

const TTL: Duration = Duration::from_secs(60);

/// A namespace no other test or run shares.
fn namespace(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("leakless-test:{test}:{}:{nanos}", std::process::id())
}

fn tier(url: &str, ns: &str, timeout: Duration) -> Tier<u64, String> {
    Tier::builder(url)
        .namespace(ns)
        .ttl(TTL)
        .timeout(timeout)
        .l1(BoundedMap::new(1_000))
        .build()
        .expect("tier")
}

async fn raw(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("raw connection")
}

/// Polls `done` every 100 µs for at most `limit`; the time it took.
async fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_micros(100)).await;
    }
    None
}

async fn subscribed(tiers: &[&Tier<u64, String>]) {
    let ok = wait_for(Duration::from_secs(5), || {
        tiers.iter().all(|t| t.stats().subscribed)
    })
    .await;
    assert!(
        ok.is_some(),
        "the invalidation subscribers did not subscribe within 5 s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_in_one_replica_is_a_redis_hit_in_the_other() {
    let Some(url) = server_url("a_load_in_one_replica_is_a_redis_hit_in_the_other") else {
        return;
    };
    let ns = namespace("share");
    let (a, b) = (
        tier(&url, &ns, Duration::from_secs(1)),
        tier(&url, &ns, Duration::from_secs(1)),
    );
    let runs = Arc::new(AtomicUsize::new(0));
    let load = |runs: Arc<AtomicUsize>| async move {
        runs.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
        "ann".to_owned()
    };
    // Eight concurrent callers in replica A: one flight, one load.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (a, runs) = (a.clone(), runs.clone());
        tasks.push(tokio::spawn(
            async move { a.get_or_load(7, load(runs)).await },
        ));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), "ann");
    }
    // Replica B: a Redis hit, then an L1 hit.
    assert_eq!(b.get_or_load(7, load(runs.clone())).await.unwrap(), "ann");
    assert_eq!(b.get_or_load(7, load(runs.clone())).await.unwrap(), "ann");
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "the loader runs once in total"
    );
    let (sa, sb) = (a.stats(), b.stats());
    assert_eq!((sa.loads, sa.redis_misses, sa.l1_hits), (1, 1, 7));
    assert_eq!((sb.loads, sb.redis_hits, sb.l1_hits), (0, 1, 1));
    assert_eq!(sa.errors + sa.timeouts + sb.errors + sb.timeouts, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalidation_reaches_the_other_replica_within_a_bounded_wait() {
    let Some(url) = server_url("an_invalidation_reaches_the_other_replica_within_a_bounded_wait")
    else {
        return;
    };
    let ns = namespace("invalidate");
    let (a, b) = (
        tier(&url, &ns, Duration::from_secs(1)),
        tier(&url, &ns, Duration::from_secs(1)),
    );
    subscribed(&[&a, &b]).await;
    let mut delays = Vec::new();
    for round in 0..20u64 {
        let old = format!("v{round}");
        assert_eq!(
            b.get_or_load(round, async { old.clone() }).await.unwrap(),
            old
        );
        assert!(b.l1().contains_key(&round));
        let new = format!("w{round}");
        let start = Instant::now();
        if round % 2 == 0 {
            a.insert(round, new.clone()).await.unwrap();
        } else {
            a.remove(&round).await.unwrap();
        }
        let gone = wait_for(Duration::from_secs(2), || !b.l1().contains_key(&round)).await;
        assert!(
            gone.is_some(),
            "round {round}: B still holds the old value after 2 s"
        );
        delays.push(start.elapsed());
        // B now reads what A wrote (or loads again after a remove).
        let seen = b
            .get_or_load(round, async { "reloaded".to_owned() })
            .await
            .unwrap();
        assert_eq!(
            seen,
            if round % 2 == 0 {
                new
            } else {
                "reloaded".to_owned()
            }
        );
    }
    delays.sort();
    println!(
        "invalidation propagation (insert/remove in A -> gone from B's L1, incl. A's round trip), \
         20 rounds: min {:?}, median {:?}, max {:?}",
        delays[0], delays[10], delays[19]
    );
    assert_eq!(b.stats().invalidations_received, 20);
    assert_eq!(a.stats().invalidations_sent, 20);
    // A's own messages do not evict A's fresh values.
    assert_eq!(a.stats().invalidations_received, 0);
    assert_eq!(a.l1().get(&0).as_deref(), Some("w0"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_written_key_has_a_ttl_and_the_namespace() {
    let Some(url) = server_url("every_written_key_has_a_ttl_and_the_namespace") else {
        return;
    };
    let ns = namespace("ttl");
    let t = tier(&url, &ns, Duration::from_secs(1));
    for k in 0..10u64 {
        t.get_or_load(k, async move { format!("v{k}") })
            .await
            .unwrap();
    }
    for k in 10..20u64 {
        t.insert(k, format!("v{k}")).await.unwrap();
    }
    let mut conn = raw(&url).await;
    let mut keys: Vec<Vec<u8>> = Vec::new();
    let mut cursor = 0u64;
    loop {
        let (next, batch): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{ns}:*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut conn)
            .await
            .unwrap();
        keys.extend(batch);
        if next == 0 {
            break;
        }
        cursor = next;
    }
    assert_eq!(keys.len(), 20);
    for k in 0..20u64 {
        let key = t.redis_key(&k).unwrap();
        assert!(key.starts_with(format!("{ns}:").as_bytes()));
        assert!(keys.contains(&key), "key {k} not found under the namespace");
        let pttl: i64 = conn.pttl(&key).await.unwrap();
        assert!(
            pttl > 0 && pttl <= TTL.as_millis() as i64,
            "key {k}: PTTL {pttl}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_under_a_key_is_a_counted_miss_then_overwritten() {
    let Some(url) = server_url("garbage_under_a_key_is_a_counted_miss_then_overwritten") else {
        return;
    };
    let ns = namespace("garbage");
    let t = tier(&url, &ns, Duration::from_secs(1));
    let key = t.redis_key(&1).unwrap();
    let mut conn = raw(&url).await;
    let _: () = conn
        .pset_ex(&key, b"not a leakless value", 60_000)
        .await
        .unwrap();
    assert_eq!(
        t.get_or_load(1, async { "fresh".to_owned() })
            .await
            .unwrap(),
        "fresh"
    );
    let s = t.stats();
    assert_eq!((s.decode_failures, s.loads, s.redis_hits), (1, 1, 0));
    let stored: Vec<u8> = conn.get(&key).await.unwrap();
    assert_ne!(
        stored, b"not a leakless value",
        "the garbage was overwritten"
    );
    // A replica with an empty L1 now hits the rewritten value.
    let other = tier(&url, &ns, Duration::from_secs(1));
    let v = other
        .get_or_load(1, async { unreachable!("a Redis hit") })
        .await;
    assert_eq!(v.unwrap(), "fresh");
    assert_eq!(other.stats().redis_hits, 1);
}

/// A free port on 127.0.0.1 (taken and released, so a server can bind it).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `redis-server` of this test's own, killed on drop.
struct Server(Child);

impl Server {
    fn start(port: u16) -> Server {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server");
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        Server(child)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_falls_through_to_the_loader_and_a_restarted_one_hits_again() {
    let test = "a_killed_server_falls_through_to_the_loader_and_a_restarted_one_hits_again";
    if server_url(test).is_none() {
        return;
    }
    let port = free_port();
    let url = format!("redis://127.0.0.1:{port}/");
    let server = Server::start(port);
    let ns = namespace("fault");
    let t = tier(&url, &ns, Duration::from_millis(100));
    let value = |k: u64| format!("value {k}");
    for k in 0..50u64 {
        assert_eq!(
            t.get_or_load(k, async move { value(k) }).await.unwrap(),
            value(k)
        );
    }
    assert_eq!(t.stats().errors + t.stats().timeouts, 0);
    drop(server);

    // Down: keys in L1 come from it, the others from the loader; every
    // caller gets its value.
    for k in 0..100u64 {
        let got = t.get_or_load(k, async move { value(k) }).await.unwrap();
        assert_eq!(got, value(k));
    }
    let down = t.stats();
    assert!(down.l1_hits >= 50, "{down:?}");
    assert_eq!(down.loads, 100, "{down:?}");
    assert!(
        down.errors + down.timeouts >= 50,
        "the failed calls are counted: {down:?}"
    );
    // A write while down reaches the L1 and says Redis did not get it.
    let err = t.insert(1_000, "kept".into()).await.unwrap_err();
    assert!(matches!(err, Error::Redis(_) | Error::Timeout(_)), "{err}");
    assert_eq!(t.l1().get(&1_000).as_deref(), Some("kept"));

    // Restarted on the same port: the tier reconnects and hits again.
    let _server = Server::start(port);
    let start = Instant::now();
    let mut k = 10_000u64;
    loop {
        let before = t.stats().redis_hits;
        t.get_or_load(k, async move { value(k) }).await.unwrap();
        t.l1().remove(&k);
        // Redis hit once the write-back above reached the new server.
        assert_eq!(
            t.get_or_load(k, async move { value(k) }).await.unwrap(),
            value(k)
        );
        if t.stats().redis_hits > before {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no Redis hit 10 s after the restart"
        );
        k += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "reconnected and hit Redis {:?} after the restart",
        start.elapsed()
    );
    let resubscribed = wait_for(Duration::from_secs(10), || t.stats().subscribed).await;
    assert!(resubscribed.is_some(), "the subscriber did not come back");
    assert!(t.stats().resyncs >= 1);
}

#[tokio::test]
async fn a_password_never_shows_in_debug_or_errors() {
    let url = "redis://:s3cret@127.0.0.1:1/";
    let builder = Tier::<u64, String>::builder(url).namespace("pw");
    assert!(!format!("{builder:?}").contains("s3cret"));
    let t = builder
        .ttl(TTL)
        .timeout(Duration::from_millis(100))
        .l1(BoundedMap::new(10))
        .build();
    let t = t.expect("building does not connect");
    let shown = format!("{t:?}");
    assert!(shown.contains("redis://:***@127.0.0.1:1/"), "{shown}");
    assert!(!shown.contains("s3cret"), "{shown}");
    // Nothing listens on port 1: the loader answers and the error is counted.
    assert_eq!(
        t.get_or_load(1, async { "a".to_owned() }).await.unwrap(),
        "a"
    );
    assert!(t.stats().errors + t.stats().timeouts >= 1);
    let err = t.insert(2, "b".into()).await.unwrap_err();
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains("s3cret"), "{text}");
    }
    // A URL the client rejects is not echoed with its password either.
    let bad = Tier::<u64, String>::builder("redis://:s3cret@127.0.0.1:notaport/")
        .namespace("pw")
        .ttl(TTL)
        .l1(BoundedMap::new(10))
        .build()
        .unwrap_err();
    for text in [bad.to_string(), format!("{bad:?}")] {
        assert!(!text.contains("s3cret"), "{text}");
    }
}

#[tokio::test]
async fn a_tier_without_a_ttl_namespace_or_l1_is_refused() {
    let url = "redis://127.0.0.1:1/";
    let l1 = || BoundedMap::<u64, String>::new(10);
    let no_ttl = Tier::builder(url).namespace("n").l1(l1()).build();
    assert!(matches!(no_ttl, Err(Error::Config(_))));
    let zero = Tier::builder(url)
        .namespace("n")
        .ttl(Duration::ZERO)
        .l1(l1())
        .build();
    assert!(matches!(zero, Err(Error::Config(_))));
    let immortal = Tier::builder(url)
        .namespace("n")
        .ttl(Duration::MAX)
        .l1(l1())
        .build();
    assert!(matches!(immortal, Err(Error::Config(_))));
    let no_ns = Tier::builder(url).ttl(TTL).l1(l1()).build();
    assert!(matches!(no_ns, Err(Error::Config(_))));
    let no_l1 = Tier::<u64, String>::builder(url)
        .namespace("n")
        .ttl(TTL)
        .build();
    assert!(matches!(no_l1, Err(Error::Config(_))));
}

#[test]
fn building_outside_a_runtime_is_an_error() {
    let built = Tier::<u64, String>::builder("redis://127.0.0.1:1/")
        .namespace("n")
        .ttl(TTL)
        .l1(BoundedMap::new(10))
        .build();
    assert_eq!(built.unwrap_err(), Error::NoRuntime);
}

/// A key whose `Serialize` fails.
#[derive(Clone, PartialEq, Eq, Hash, serde::Deserialize)]
struct Unwritable;

impl serde::Serialize for Unwritable {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("this key refuses to be written"))
    }
}

#[tokio::test]
async fn a_key_or_value_that_cannot_be_encoded_is_an_error_not_a_panic() {
    let keys: Tier<Unwritable, u8> = Tier::builder("redis://127.0.0.1:1/")
        .namespace("enc")
        .ttl(TTL)
        .l1(BoundedMap::new(10))
        .build()
        .unwrap();
    let r = keys
        .get_or_load(Unwritable, async { unreachable!("not loaded") })
        .await;
    assert!(matches!(r, Err(Error::Encode(_))));
    assert!(matches!(
        keys.insert(Unwritable, 1).await,
        Err(Error::Encode(_))
    ));
    let values: Tier<u8, Unwritable> = Tier::builder("redis://127.0.0.1:1/")
        .namespace("enc")
        .ttl(TTL)
        .timeout(Duration::from_millis(50))
        .l1(BoundedMap::new(10))
        .build()
        .unwrap();
    let r = values.get_or_load(1, async { Unwritable }).await;
    assert!(matches!(r, Err(Error::Encode(_))));
    assert!(values.l1().is_empty(), "nothing stored");
}
