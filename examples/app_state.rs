//! A service's state written with `#[leak_safe]`: every map says how it is
//! bounded, and the struct is built with plain `#[derive(Default)]`.
//!
//! A request loop feeds it a day's worth of traffic shapes: logins from an
//! endless stream of users, rendered pages by a skewed popularity, clients
//! that connect and go, and a handful of regions. Afterwards it prints each
//! map's stats and heap bytes (counted by a counting allocator): the bounded
//! maps sit at their bounds, the weak map holds only live connections, and
//! the one `#[unbounded]` map holds what its reason promised.
//!
//! ```sh
//! cargo run --release --example app_state
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use leakless::{leak_safe, EvictionCause, Footprint, Stats};
use leakless_testkit::{live_bytes, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// What a logged-in user has: heap bytes counted by `#[derive(Footprint)]`.
#[derive(Footprint)]
struct Session {
    cart: Vec<u64>,
}

/// A connected client (a socket, in a real server).
struct Conn;

// A weigher is an `Fn(&K, &V) -> u64`, so it takes `&String`, not `&str`.
#[allow(clippy::ptr_arg)]
fn page_bytes(_path: &String, html: &String) -> u64 {
    html.len() as u64
}

fn page_dropped(_path: String, _html: String, cause: EvictionCause) {
    debug_assert!(matches!(
        cause,
        EvictionCause::Size | EvictionCause::Expired
    ));
}

#[leak_safe]
#[derive(Default)]
struct AppState {
    /// Logged-in sessions: the 10,000 most recent, none older than 30 minutes.
    #[bounded_map(capacity = 10_000, ttl = "30m", name = "sessions")]
    sessions: HashMap<u64, Session>,
    /// Rendered pages, at most 256 KiB of HTML, dropped when idle for 5 minutes.
    #[bounded_map(max_weight = 256 << 10, weigher = page_bytes, tti = "5m", on_evict = page_dropped)]
    pages: HashMap<String, String>,
    /// Who is online: an entry lives exactly as long as its connection.
    #[weak_map]
    online: HashMap<u64, Arc<Conn>>,
    /// Requests per region.
    #[unbounded(reason = "one entry per configured region")]
    region_hits: HashMap<&'static str, u64>,
}

const REGIONS: [&str; 4] = ["eu", "us", "ap", "sa"];

fn main() {
    let base = live_bytes();
    let mut state = AppState::default();
    let mut connections: Vec<Arc<Conn>> = Vec::new();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let requests = 1_000_000u64;
    for request in 0..requests {
        let r = next();
        // A login from a user never seen before: the stream has no end.
        let user = request;
        state.sessions.insert(
            user,
            Session {
                cart: vec![r % 100],
            },
        );
        // Cart updates hit recent sessions.
        if let Some(session) = state.sessions.get_mut(&(request.saturating_sub(r % 50))) {
            session.cart.push(r % 1_000);
        }
        // Pages by a skewed popularity: a few hot, a long tail.
        let page = (r % 1_000) * (r % 1_000) / 1_000;
        let path = format!("/item/{page}");
        if state.pages.get(&path).is_none() {
            state
                .pages
                .insert(path, "<li>item</li>".repeat(1 + (page as usize % 200)));
        }
        // Clients connect; every so often the oldest half disconnect.
        if r % 3 == 0 {
            let conn = Arc::new(Conn);
            state.online.insert(user, &conn);
            connections.push(conn);
        }
        if connections.len() > 2_000 {
            connections.drain(..1_000);
        }
        *state
            .region_hits
            .entry(REGIONS[(r % 4) as usize])
            .or_default() += 1;
    }

    println!("{requests} requests\n");
    println!("| map | len | bound | evicted (size / expired / collected) | heap bytes |");
    println!("|---|---:|---:|---:|---:|");
    let row = |name: &str, stats: Stats, bound: String, bytes: usize| {
        let e = stats.evictions;
        println!(
            "| {name} | {} | {bound} | {} / {} / {} | {bytes} |",
            stats.len, e.size, e.expired, e.collected
        );
    };
    row(
        "sessions",
        state.sessions.stats(),
        format!("{} entries", state.sessions.capacity()),
        state.sessions.footprint(),
    );
    row(
        "pages",
        state.pages.stats(),
        format!("{} B of HTML", state.pages.max_weight().unwrap_or(u64::MAX)),
        state.pages.footprint(),
    );
    row(
        "online",
        state.online.stats(),
        format!("{} live conns", connections.len()),
        state.online.footprint(),
    );
    println!(
        "| region_hits (unbounded) | {} | {} regions | - | {} |",
        state.region_hits.len(),
        REGIONS.len(),
        state.region_hits.footprint()
    );
    let sessions_ok = state.sessions.len() <= 10_000;
    let pages_ok = state.pages.weight() <= 256 << 10;
    let online_ok = state.online.live_len() == connections.len();
    println!(
        "\nheap in use by the whole state: {:.1} MiB",
        live_bytes().saturating_sub(base) as f64 / (1 << 20) as f64
    );
    assert!(sessions_ok && pages_ok && online_ok, "a bound was broken");
}
