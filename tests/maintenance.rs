//! The maintenance thread (`sync::Builder::purge_expired_every`): it frees
//! an idle map's expired entries, lets go of a dropped map, exits when no
//! map is left, and survives a panicking listener.
//!
//! The thread is process-wide, so these tests take turns (one lock), and
//! they poll with a deadline: the thread runs on real time.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use leakless::sync::{maintenance_status, BoundedMap};
use leakless::{EvictionCause, ManualClock};
use leakless_testkit::{live_bytes, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Polls `done` every millisecond for up to five seconds.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        thread::sleep(Duration::from_millis(1));
    }
}

fn expiring(clock: &ManualClock, period: Duration) -> BoundedMap<u64, Vec<u8>> {
    BoundedMap::builder()
        .capacity(100_000)
        .ttl(Duration::from_secs(60))
        .clock(clock.clone())
        .purge_expired_every(period)
        .build()
}

#[test]
fn an_idle_maps_expired_entries_are_freed_by_the_thread() {
    let _serial = serial();
    let clock = ManualClock::new();
    let base = live_bytes();
    let map = expiring(&clock, Duration::from_millis(5));
    for k in 0..10_000 {
        map.insert(k, vec![0; 100]);
    }
    let full = live_bytes().saturating_sub(base);
    assert!(full > 10_000 * 100, "{full} B for 1 MB of values");
    clock.advance(Duration::from_secs(61));
    // Nobody touches the map: only the thread can free them.
    eventually("the thread purges the idle map", || map.is_empty());
    eventually("the memory comes back", || {
        live_bytes().saturating_sub(base) * 20 < full
    });
    assert_eq!(map.stats().evictions.expired, 10_000);
}

#[test]
fn a_dropped_map_is_released_and_the_thread_exits_when_none_is_left() {
    let _serial = serial();
    let clock = ManualClock::new();
    let map = expiring(&clock, Duration::from_millis(5));
    assert!(maintenance_status().running);
    let probe = Arc::new(());
    let held = {
        let probe = Arc::clone(&probe);
        BoundedMap::<u8, Arc<()>>::builder()
            .capacity(10)
            .ttl(Duration::from_secs(1))
            .purge_expired_every(Duration::from_millis(5))
            .build()
            .tap(|m| {
                m.insert(1, probe);
            })
    };
    assert_eq!(Arc::strong_count(&probe), 2);
    drop(held);
    assert_eq!(
        Arc::strong_count(&probe),
        1,
        "the thread keeps nothing alive"
    );
    drop(map);
    eventually("the thread exits with no map left", || {
        let s = maintenance_status();
        !s.running && s.maps == 0
    });
    // And a new map starts it again.
    let again = expiring(&clock, Duration::from_millis(5));
    assert!(maintenance_status().running);
    again.insert(1, vec![1]);
    clock.advance(Duration::from_secs(61));
    eventually("the new thread purges", || again.is_empty());
}

#[test]
fn a_panicking_listener_does_not_stop_the_thread_for_the_other_maps() {
    let _serial = serial();
    let clock = ManualClock::new();
    let panics = Arc::new(AtomicUsize::new(0));
    let bad = {
        let panics = Arc::clone(&panics);
        BoundedMap::<u64, u64>::builder()
            .capacity(100)
            .ttl(Duration::from_secs(1))
            .clock(clock.clone())
            .on_evict(move |_, _, _| {
                panics.fetch_add(1, SeqCst);
                panic!("a listener that always fails");
            })
            .purge_expired_every(Duration::from_millis(2))
            .build()
    };
    let heard = Arc::new(Mutex::new(Vec::new()));
    let good = {
        let heard = Arc::clone(&heard);
        BoundedMap::<u64, u64>::builder()
            .capacity(100)
            .ttl(Duration::from_secs(1))
            .clock(clock.clone())
            .on_evict(move |k, _, cause| {
                heard
                    .lock()
                    .unwrap()
                    .push((k, cause, thread::current().name().map(str::to_owned)))
            })
            .purge_expired_every(Duration::from_millis(2))
            .build()
    };
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for round in 0..3u64 {
        bad.insert(round, round);
        good.insert(round, round);
        clock.advance(Duration::from_secs(2));
        eventually("both maps purged", || bad.is_empty() && good.is_empty());
    }
    std::panic::set_hook(quiet);
    assert!(panics.load(SeqCst) >= 3);
    let heard = heard.lock().unwrap();
    assert_eq!(heard.len(), 3);
    assert!(heard
        .iter()
        .all(|(_, cause, _)| *cause == EvictionCause::Expired));
    assert!(
        heard
            .iter()
            .all(|(_, _, name)| name.as_deref() == Some("leakless-maintenance")),
        "listeners run on the maintenance thread"
    );
}

/// `tap` for building a value and using it in one expression.
trait Tap: Sized {
    fn tap(self, f: impl FnOnce(&Self)) -> Self {
        f(&self);
        self
    }
}
impl<T> Tap for T {}

/// `Duration::MAX` (or any period `Instant` cannot hold) panics nowhere.
#[test]
fn a_period_of_duration_max_is_accepted() {
    let _serial = serial();
    let m = BoundedMap::<u8, u8>::builder()
        .capacity(10)
        .ttl(Duration::from_secs(1))
        .purge_expired_every(Duration::MAX)
        .build();
    m.insert(1, 1);
    assert!(maintenance_status().maps >= 1);
}
