//! `registry::assert_no_growth`: a planted leak fails naming it; a bounded
//! map at its plateau, a map that grows then stops, and maps made and dropped
//! inside the workload pass.
//!
//! The registry is process-wide and the harness runs tests on several
//! threads, so every test here takes one lock: a map another test grows
//! must not be judged by this one's check.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use leakless::{leak_safe, registry, BoundedMap, Tracked, WeakValueMap};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// The panic message of `f`, which must panic.
fn panic_message(f: impl FnOnce()) -> String {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err("the check should have failed");
    match err.downcast::<String>() {
        Ok(s) => *s,
        Err(err) => err.downcast::<&str>().map(|s| s.to_string()).unwrap(),
    }
}

/// The service of `examples/find_the_leak.rs`: two bounded maps and one
/// `#[unbounded]` map that a later change keyed by request id.
#[leak_safe]
#[derive(Default)]
struct Service {
    #[bounded_map(capacity = 500, name = "lc-sessions")]
    sessions: HashMap<u64, String>,
    #[unbounded(reason = "one entry per region", name = "lc-region_of_request")]
    region_of_request: HashMap<u64, &'static str>,
}

#[test]
fn a_map_keyed_by_request_id_fails_the_check_by_name() {
    let _serial = serial();
    let mut service = Service::default();
    let mut request = 0u64;
    let msg = panic_message(|| {
        registry::assert_no_growth(4, || {
            for _ in 0..1_000 {
                request += 1;
                service
                    .sessions
                    .insert(request % 200, format!("user {}", request % 200));
                service.region_of_request.insert(request, "eu");
            }
        });
    });
    assert!(
        msg.contains("`lc-region_of_request` (HashMap)"),
        "names the leak:\n{msg}"
    );
    assert!(
        !msg.contains("`lc-sessions`"),
        "only the leak is named:\n{msg}"
    );
    // Each round's figures, then the report table.
    for round in 1..=4 {
        assert!(msg.contains(&format!("round {round} ")), "{msg}");
    }
    let table = msg.split("the last round's report:").nth(1).unwrap();
    assert!(table.contains("lc-region_of_request") && table.contains("lc-sessions"));
    assert!(table.contains("capacity"), "the table's header:\n{msg}");
}

#[test]
fn a_bounded_map_at_its_plateau_passes() {
    let _serial = serial();
    let mut cache = BoundedMap::<u64, String>::builder()
        .capacity(1_000)
        .name("lc-plateau")
        .build();
    let sync = leakless::sync::BoundedMap::<u64, u64>::builder()
        .capacity(1_000)
        .name("lc-plateau-sync")
        .build();
    let mut next = 0u64;
    // Full in the first round; every round inserts 5,000 new keys.
    let report = registry::assert_no_growth(5, || {
        for _ in 0..5_000 {
            cache.insert(next, next.to_string());
            sync.insert(next, next);
            next += 1;
        }
    });
    let row = report.get("lc-plateau").unwrap();
    assert_eq!((row.len, row.len_growth), (1_000, 0));
    assert_eq!(row.bytes_growth, 0);
    assert_eq!(report.get("lc-plateau-sync").unwrap().len, 1_000);
}

#[test]
fn a_map_that_grows_then_plateaus_passes() {
    let _serial = serial();
    let mut cache = BoundedMap::<u64, u64>::builder()
        .capacity(3_000)
        .name("lc-warming")
        .build();
    let mut next = 0u64;
    let mut rounds = 0;
    // Fills over the first three of five rounds, then stays full.
    let report = registry::assert_no_growth(5, || {
        rounds += 1;
        for _ in 0..1_000 {
            cache.insert(next, next);
            next += 1;
        }
    });
    assert_eq!(rounds, 5);
    assert_eq!(report.get("lc-warming").unwrap().len, 3_000);
}

#[test]
fn a_map_that_grows_in_all_but_one_round_passes() {
    let _serial = serial();
    let mut grows = Tracked::new(HashMap::<u64, u64>::new(), "lc-pause");
    let mut round = 0u64;
    registry::assert_no_growth(4, || {
        round += 1;
        if round != 3 {
            for i in 0..100 {
                grows.insert(round * 1_000 + i, i);
            }
        }
        let _ = grows.len(); // publish
    });
}

#[test]
fn maps_made_and_dropped_inside_the_workload_are_not_judged() {
    let _serial = serial();
    let mut size = 0;
    registry::assert_no_growth(3, || {
        size += 100;
        let mut scratch = Tracked::new(HashMap::<u64, u64>::new(), "lc-scratch");
        scratch.extend((0..size).map(|i| (i, i)));
        let _ = scratch.len();
    });
}

#[test]
fn weak_and_sync_maps_that_grow_are_caught_too() {
    let _serial = serial();
    let mut weak = WeakValueMap::<u64, u64>::new().named("lc-weak");
    let sync = leakless::sync::BoundedMap::<u64, u64>::builder()
        .capacity(1_000_000)
        .name("lc-sync")
        .build();
    let mut kept = Vec::new();
    let mut next = 0u64;
    let msg = panic_message(|| {
        registry::assert_no_growth(3, || {
            for _ in 0..100 {
                let v = std::sync::Arc::new(next);
                weak.insert(next, &v);
                kept.push(v); // the owners are kept: the weak map grows
                sync.insert(next, next);
                next += 1;
            }
        });
    });
    assert!(msg.contains("`lc-weak` (WeakValueMap)"), "{msg}");
    assert!(msg.contains("`lc-sync` (sync::BoundedMap)"), "{msg}");
}

#[test]
fn the_scoped_check_judges_only_the_maps_it_accepts() {
    let _serial = serial();
    let mut leak = Tracked::new(HashMap::<u64, u64>::new(), "lc-other-leak");
    let mut mine = BoundedMap::<u64, u64>::builder()
        .capacity(10)
        .name("lc-mine")
        .build();
    let mut next = 0u64;
    let report = registry::assert_no_growth_among(
        3,
        |row| &*row.name == "lc-mine",
        || {
            for _ in 0..100 {
                leak.insert(next, next);
                mine.insert(next, next);
                next += 1;
            }
        },
    );
    assert_eq!(report.rows().len(), 1);
    assert_eq!(&*report.rows()[0].name, "lc-mine");
}

#[test]
fn fewer_than_two_rounds_is_refused() {
    let _serial = serial();
    let mut ran = 0;
    let msg = panic_message(|| {
        registry::assert_no_growth(1, || ran += 1);
    });
    assert!(msg.contains("at least 2 rounds"), "{msg}");
    assert_eq!(ran, 0, "nothing runs when the check cannot judge");
}
