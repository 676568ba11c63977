//! `#[leakless::cached(.., shared = url)]`: a memoised async fn behind a
//! Redis tier. With the L1 cleared, a second call is a Redis hit and the
//! body does not run again; errors and `None` are never stored; the
//! documented panics name the function. `LEAKLESS_REDIS_URL` names the
//! server (`.ci/run` starts one); without it the server tests fail under
//! `CI=true` and say SKIPPED otherwise. Only 127.0.0.1 is ever used.
#![cfg(feature = "redis")]

#[path = "common/redis_server.rs"]
mod redis_server;
use redis_server::server_url;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{SystemTime, UNIX_EPOCH};

/// A part of every key no earlier run wrote: the namespace of a shared memo
/// is fixed (its module path and name), and Redis outlives the process.
fn run_id() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn redis_url() -> String {
    std::env::var("LEAKLESS_REDIS_URL").expect("checked by server_url")
}

static SHOUTS: AtomicUsize = AtomicUsize::new(0);

#[leakless::cached(capacity = 100, ttl = "1m", shared = redis_url())]
async fn shout(run: u128, word: &str) -> String {
    SHOUTS.fetch_add(1, SeqCst);
    word.to_uppercase()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_l1_cleared_the_value_comes_from_redis() {
    if server_url("with_the_l1_cleared_the_value_comes_from_redis").is_none() {
        return;
    }
    let run = run_id();
    assert_eq!(shout(run, "hi").await, "HI");
    assert_eq!(shout(run, "hi").await, "HI"); // an L1 hit
    shout_cache().l1().clear();
    assert_eq!(shout(run, "hi").await, "HI"); // a Redis hit
    assert_eq!(SHOUTS.load(SeqCst), 1, "the body ran once");
    let stats = shout_cache().stats();
    assert_eq!((stats.l1_hits, stats.redis_hits, stats.loads), (1, 1, 1));
    assert_eq!(shout_cache().namespace(), "cached_shared::shout");
    assert_eq!(shout_cache().ttl(), std::time::Duration::from_secs(60));
    assert_eq!(shout_cache().l1().capacity(), 100);
}

/// An error that can carry the tier's, as a shared `Result` fn needs.
#[derive(Debug, PartialEq)]
enum LookupError {
    NotFound,
    Tier(leakless::tier::Error),
}

impl From<leakless::tier::Error> for LookupError {
    fn from(e: leakless::tier::Error) -> Self {
        LookupError::Tier(e)
    }
}

static LOOKUPS: AtomicUsize = AtomicUsize::new(0);

#[leakless::cached(capacity = 100, ttl = "1m", shared = redis_url())]
async fn lookup(run: u128, id: u64) -> Result<String, LookupError> {
    LOOKUPS.fetch_add(1, SeqCst);
    if id == 0 {
        return Err(LookupError::NotFound);
    }
    Ok(format!("user {id}"))
}

static FINDS: AtomicUsize = AtomicUsize::new(0);

#[leakless::cached(capacity = 100, ttl = "1m", shared = redis_url())]
async fn find(run: u128, id: u64) -> Option<u64> {
    FINDS.fetch_add(1, SeqCst);
    (id != 0).then_some(id * 10)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_and_none_are_never_stored() {
    if server_url("errors_and_none_are_never_stored").is_none() {
        return;
    }
    let run = run_id();
    assert_eq!(lookup(run, 0).await, Err(LookupError::NotFound));
    assert_eq!(lookup(run, 0).await, Err(LookupError::NotFound));
    assert_eq!(lookup(run, 7).await, Ok("user 7".into()));
    lookup_cache().l1().clear();
    assert_eq!(lookup(run, 7).await, Ok("user 7".into()));
    assert_eq!(LOOKUPS.load(SeqCst), 3, "both errors ran, the Ok once");

    assert_eq!(find(run, 0).await, None);
    assert_eq!(find(run, 0).await, None);
    assert_eq!(find(run, 2).await, Some(20));
    find_cache().l1().clear();
    assert_eq!(find(run, 2).await, Some(20));
    assert_eq!(FINDS.load(SeqCst), 3, "both Nones ran, the Some once");
}

/// A value whose `Serialize` fails.
#[derive(Clone, Debug, serde::Deserialize)]
struct Unwritable;

impl serde::Serialize for Unwritable {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom(
            "this value refuses to be written",
        ))
    }
}

// Port 1: nothing answers; the tier runs the body without Redis.
#[leakless::cached(capacity = 10, ttl = "1m", shared = "redis://127.0.0.1:1/")]
async fn unwritable(n: u8) -> Unwritable {
    let _ = n;
    Unwritable
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_that_cannot_be_encoded_panics_naming_the_function() {
    let panic = tokio::spawn(unwritable(1)).await.unwrap_err().into_panic();
    let message = panic.downcast_ref::<String>().expect("a formatted panic");
    assert!(
        message.contains("fn cached_shared::unwritable") && message.contains("cannot encode"),
        "{message}"
    );
    assert!(unwritable_cache().l1().is_empty(), "nothing stored");
}

#[leakless::cached(capacity = 10, ttl = "1m", shared = String::from("redis://127.0.0.1:1/"))]
async fn outside(n: u8) -> u8 {
    n
}

#[test]
fn the_first_call_outside_a_runtime_panics_naming_the_function() {
    let panic = std::panic::catch_unwind(outside_cache).unwrap_err();
    let message = panic.downcast_ref::<String>().expect("a formatted panic");
    assert!(
        message.contains("fn cached_shared::outside") && message.contains("tokio runtime"),
        "{message}"
    );
    // The OnceLock stayed empty: inside a runtime it builds.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async { assert_eq!(outside_cache().namespace(), "cached_shared::outside") });
}
