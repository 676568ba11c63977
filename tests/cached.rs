//! `#[leakless::cached]` as a user relies on it: the body runs once per
//! key, errors and `None` are never stored, TTL and refresh follow the
//! injected clock, a stampede on one key runs the body once (threads and
//! tokio tasks), the bound holds after a million distinct calls, and the
//! memo is listed in the registry under its default name.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Barrier, LazyLock};
use std::thread;
use std::time::Duration;

use leakless::ManualClock;

/// The time every memo below with `clock = clock()` reads.
static CLOCK: LazyLock<ManualClock> = LazyLock::new(ManualClock::new);

fn clock() -> ManualClock {
    CLOCK.clone()
}

static SQUARES: AtomicUsize = AtomicUsize::new(0);

#[leakless::cached(capacity = 1_000)]
fn square(n: u64) -> u64 {
    SQUARES.fetch_add(1, SeqCst);
    n * n
}

#[test]
fn the_body_runs_once_per_key() {
    for _ in 0..3 {
        for n in 0..10 {
            assert_eq!(square(n), n * n);
        }
    }
    assert_eq!(SQUARES.load(SeqCst), 10);
    let stats = square_cache().stats();
    assert_eq!((stats.misses, stats.hits), (10, 20));
}

static PARSES: AtomicUsize = AtomicUsize::new(0);

#[leakless::cached(capacity = 100)]
fn parse(text: &str) -> Result<u32, String> {
    PARSES.fetch_add(1, SeqCst);
    text.parse().map_err(|_| format!("not a number: {text}"))
}

#[test]
fn errors_are_returned_and_never_stored() {
    assert_eq!(parse("x"), Err("not a number: x".to_string()));
    assert_eq!(parse("x"), Err("not a number: x".to_string()));
    assert_eq!(PARSES.load(SeqCst), 2, "an error is not cached");
    assert_eq!(parse("7"), Ok(7));
    assert_eq!(parse("7"), Ok(7));
    assert_eq!(PARSES.load(SeqCst), 3);
    assert_eq!(parse_cache().len(), 1);
}

static FINDS: AtomicUsize = AtomicUsize::new(0);

#[leakless::cached(capacity = 100)]
fn find(id: u32) -> Option<u32> {
    FINDS.fetch_add(1, SeqCst);
    id.is_multiple_of(2).then_some(id / 2)
}

#[test]
fn none_is_returned_and_never_stored() {
    assert_eq!(find(3), None);
    assert_eq!(find(3), None);
    assert_eq!(FINDS.load(SeqCst), 2, "None is not cached");
    assert_eq!(find(4), Some(2));
    assert_eq!(find(4), Some(2));
    assert_eq!(FINDS.load(SeqCst), 3);
    assert_eq!(find_cache().len(), 1);
}

static PRICES: AtomicUsize = AtomicUsize::new(0);

#[leakless::cached(capacity = 100, ttl = "1m", clock = clock())]
fn price(sku: u32) -> usize {
    PRICES.fetch_add(1, SeqCst) + sku as usize
}

static QUOTES: AtomicUsize = AtomicUsize::new(0);

#[leakless::cached(capacity = 100, ttl = "10m", refresh = "30s", clock = clock())]
fn quote(sku: u32) -> usize {
    QUOTES.fetch_add(1, SeqCst) + sku as usize
}

/// One test drives the shared clock, so no other test sees it move.
#[test]
fn ttl_and_refresh_follow_the_clock() {
    assert_eq!(price(0), 0);
    assert_eq!(quote(0), 0);
    CLOCK.advance(Duration::from_secs(31));
    assert_eq!(price(0), 0, "within the TTL: stored");
    assert_eq!(quote(0), 1, "stale after 30s: this caller reloads");
    assert_eq!(quote(0), 1, "fresh again");
    CLOCK.advance(Duration::from_secs(30));
    assert_eq!(price(0), 1, "expired after 1m: computed again");
    assert_eq!(quote(0), 2, "stale again 30s after its reload");
    assert_eq!(PRICES.load(SeqCst), 2);
    assert_eq!(QUOTES.load(SeqCst), 3);
}

static SLOW_RUNS: AtomicUsize = AtomicUsize::new(0);

#[leakless::cached(capacity = 10)]
fn slow(key: u8) -> u32 {
    SLOW_RUNS.fetch_add(1, SeqCst);
    thread::sleep(Duration::from_millis(50));
    u32::from(key) + 1
}

#[test]
fn eight_threads_on_one_key_run_the_body_once() {
    let start = Barrier::new(8);
    thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                start.wait();
                assert_eq!(slow(1), 2);
            });
        }
    });
    assert_eq!(SLOW_RUNS.load(SeqCst), 1);
}

static FETCHES: AtomicUsize = AtomicUsize::new(0);

#[leakless::cached(capacity = 10, ttl = "1h")]
async fn fetch(url: &str) -> String {
    FETCHES.fetch_add(1, SeqCst);
    tokio::time::sleep(Duration::from_millis(20)).await;
    format!("<html>{url}</html>")
}

#[test]
fn a_thousand_tasks_on_one_key_run_the_body_once() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let tasks: Vec<_> = (0..1_000)
            .map(|_| tokio::spawn(async { fetch("/home").await }))
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap(), "<html>/home</html>");
        }
    });
    assert_eq!(FETCHES.load(SeqCst), 1);
}

#[leakless::cached(capacity = 100)]
fn fib(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

#[test]
fn recursion_on_other_keys_works() {
    assert_eq!(fib(90), 2_880_067_194_370_816_120);
}

#[leakless::cached(capacity = 1_000)]
fn label(n: u64) -> String {
    format!("#{n}")
}

#[test]
fn the_bound_holds_after_a_million_distinct_calls() {
    for n in 0..1_000_000 {
        assert_eq!(label(n).len(), 1 + n.to_string().len());
    }
    assert!(label_cache().len() <= 1_000, "len {}", label_cache().len());
    assert_eq!(label_cache().capacity(), 1_000);
}

#[leakless::cached(capacity = 5)]
fn listed(n: u8) -> u8 {
    n
}

#[leakless::cached(capacity = 5, name = "memo of named")]
fn named(n: u8) -> u8 {
    n
}

#[test]
fn the_registry_lists_the_memo_under_its_default_name() {
    listed(1);
    named(1);
    let report = leakless::registry::snapshot();
    let row = report
        .get("cached::listed")
        .expect("the default name is module path and fn");
    assert_eq!((row.len, row.capacity), (1, 5));
    assert!(report.get("memo of named").is_some());
    assert_eq!(listed_cache().name(), Some("cached::listed"));
}

struct Catalog {
    currency: &'static str,
}

static RENDERS: AtomicUsize = AtomicUsize::new(0);

impl Catalog {
    #[leakless::cached(capacity = 100, key = "sku")]
    fn render(&self, sku: u32, _verbose: bool) -> String {
        RENDERS.fetch_add(1, SeqCst);
        format!("{sku} {}", self.currency)
    }
}

#[test]
fn a_method_keys_on_what_key_names() {
    let shop = Catalog { currency: "EUR" };
    assert_eq!(shop.render(1, true), "1 EUR");
    assert_eq!(shop.render(1, false), "1 EUR");
    assert_eq!(RENDERS.load(SeqCst), 1);
    assert_eq!(Catalog::render_cache().get(&1).as_deref(), Some("1 EUR"));
}
