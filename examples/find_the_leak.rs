//! "Which map is growing?", answered by name.
//!
//! A service keeps three named maps. Two are bounded; the third was marked
//! `#[unbounded(reason = "one entry per region")]`, but a later change keyed
//! it by request id, so it grows with every request: the leak. A heap
//! profiler would blame the allocation site (`HashMap::insert`, the same for
//! all three); `leakless::registry::report()` names the map, every few
//! seconds of traffic, fastest-growing first.
//!
//! ```sh
//! cargo run --release --example find_the_leak
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use leakless::{leak_safe, registry};

struct Conn;

#[leak_safe]
#[derive(Default)]
struct Service {
    #[bounded_map(capacity = 5_000, ttl = "10m", name = "sessions")]
    sessions: HashMap<u64, String>,
    #[weak_map(name = "online")]
    online: HashMap<u64, Arc<Conn>>,
    /// Meant as one entry per region; someone keyed it by request id.
    #[unbounded(reason = "one entry per region", name = "region_of_request")]
    region_of_request: HashMap<u64, &'static str>,
}

fn main() {
    let mut service = Service::default();
    let mut connections = Vec::new();
    let _ = registry::report(); // the baseline growth is measured from
    let mut last = None;
    for round in 1..=3u64 {
        for i in 0..100_000u64 {
            let request = round * 1_000_000 + i;
            service
                .sessions
                .insert(request % 20_000, format!("user {}", request % 20_000));
            if i % 10 == 0 {
                let conn = Arc::new(Conn);
                service.online.insert(request, &conn);
                connections.push(conn);
                if connections.len() > 500 {
                    connections.remove(0);
                }
            }
            service
                .region_of_request
                .insert(request, ["eu", "us"][(i % 2) as usize]);
        }
        let _ = service.region_of_request.len(); // publish its latest state
        let report = registry::report();
        println!("after {}k requests:\n{report}", round * 100);
        last = Some(report);
    }
    let report = last.expect("three rounds ran");
    let top = &report.rows()[0];
    println!(
        "growing fastest: `{}` (+{} entries, +{} bytes in the last round)",
        top.name, top.len_growth, top.bytes_growth
    );
    assert_eq!(
        &*top.name, "region_of_request",
        "the report points at the leak"
    );
}
