//! `refresh_after` on the sync map's loading calls, driven by a
//! `ManualClock`: a stale entry is served to every caller at once while one
//! of them reloads it; a failed reload keeps the old value.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use leakless::sync::BoundedMap;
use leakless::ManualClock;

fn map(clock: &ManualClock) -> BoundedMap<u8, u32> {
    BoundedMap::builder()
        .capacity(100)
        .refresh_after(Duration::from_secs(10))
        .clock(clock.clone())
        .build()
}

#[test]
fn a_fresh_entry_is_not_reloaded_and_a_stale_one_is_once() {
    let clock = ManualClock::new();
    let m = map(&clock);
    let loads = AtomicUsize::new(0);
    let load = |v| {
        loads.fetch_add(1, SeqCst);
        v
    };
    assert_eq!(m.get_or_insert_with(1, || load(1)), 1);
    clock.advance(Duration::from_secs(9));
    assert_eq!(m.get_or_insert_with(1, || load(2)), 1, "fresh: no reload");
    clock.advance(Duration::from_secs(1));
    assert_eq!(
        m.get_or_insert_with(1, || load(2)),
        2,
        "stale: this caller reloads"
    );
    assert_eq!(m.get_or_insert_with(1, || load(3)), 2, "fresh again");
    assert_eq!(loads.load(SeqCst), 2);
    // A plain read never reloads.
    clock.advance(Duration::from_secs(60));
    assert_eq!(m.get(&1), Some(2));
}

#[test]
fn every_other_caller_gets_the_stale_value_at_once_while_one_reloads() {
    let clock = ManualClock::new();
    let m = Arc::new(map(&clock));
    m.insert(1, 10);
    clock.advance(Duration::from_secs(11));
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let reloader = {
        let m = Arc::clone(&m);
        thread::spawn(move || {
            m.get_or_insert_with(1, || {
                started_tx.send(()).unwrap();
                release_rx.recv().unwrap();
                11
            })
        })
    };
    started_rx.recv().unwrap();
    // The reload is in progress and blocked: nobody queues behind it.
    let others: Vec<_> = (0..8)
        .map(|_| {
            let m = Arc::clone(&m);
            thread::spawn(move || m.get_or_insert_with(1, || unreachable!("one reload")))
        })
        .collect();
    for o in others {
        assert_eq!(o.join().unwrap(), 10, "the stale value, at once");
    }
    release_tx.send(()).unwrap();
    assert_eq!(reloader.join().unwrap(), 11);
    assert_eq!(m.get(&1), Some(11));
}

#[test]
fn a_failed_reload_keeps_the_old_value_and_a_later_caller_retries() {
    let clock = ManualClock::new();
    let m = map(&clock);
    m.insert(1, 10);
    clock.advance(Duration::from_secs(11));
    assert_eq!(
        m.try_get_or_insert_with(1, || Err::<u32, &str>("offline")),
        Ok(10)
    );
    assert_eq!(m.get(&1), Some(10), "kept");
    assert_eq!(m.try_get_or_insert_with(1, || Ok::<u32, &str>(12)), Ok(12));
}

#[test]
fn a_panicking_reload_keeps_the_old_value() {
    let clock = ManualClock::new();
    let m = map(&clock);
    m.insert(1, 10);
    clock.advance(Duration::from_secs(11));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        m.get_or_insert_with(1, || panic!("backend"))
    }));
    assert!(r.is_err());
    assert_eq!(m.get(&1), Some(10));
    assert_eq!(
        m.get_or_insert_with(1, || 13),
        13,
        "the flight was handed back"
    );
}

#[test]
fn the_ttl_still_expires_a_stale_entry() {
    let clock = ManualClock::new();
    let m: BoundedMap<u8, u32> = BoundedMap::builder()
        .capacity(100)
        .ttl(Duration::from_secs(30))
        .refresh_after(Duration::from_secs(10))
        .clock(clock.clone())
        .build();
    m.insert(1, 10);
    clock.advance(Duration::from_secs(31));
    assert_eq!(m.get(&1), None);
    assert_eq!(
        m.try_get_or_insert_with(1, || Err::<u32, &str>("offline")),
        Err("offline"),
        "expired, not stale: the error is the caller's"
    );
}

#[test]
fn the_async_calls_refresh_the_same_way() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let clock = ManualClock::new();
    let m = Arc::new(map(&clock));
    rt.block_on(async {
        assert_eq!(m.get_or_insert_async(1, async { 1 }).await, 1);
        clock.advance(Duration::from_secs(11));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let loads = Arc::new(AtomicUsize::new(0));
        let reloader = {
            let (m, loads) = (Arc::clone(&m), Arc::clone(&loads));
            tokio::spawn(async move {
                m.get_or_insert_async(1, async {
                    loads.fetch_add(1, SeqCst);
                    rx.await.unwrap();
                    2
                })
                .await
            })
        };
        while loads.load(SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        for _ in 0..100 {
            assert_eq!(m.get_or_insert_async(1, async { unreachable!() }).await, 1);
        }
        tx.send(()).unwrap();
        assert_eq!(reloader.await.unwrap(), 2);
        assert_eq!(loads.load(SeqCst), 1);
        clock.advance(Duration::from_secs(11));
        let failed = m
            .try_get_or_insert_async(1, async { Err::<u32, &str>("offline") })
            .await;
        assert_eq!(failed, Ok(2), "a failed reload keeps the old value");
    });
}

/// A loader refreshing a key may read that key: it sees the stale value
/// instead of waiting for itself.
#[test]
fn a_reload_that_reads_its_own_key_sees_the_old_value() {
    let clock = ManualClock::new();
    let m = map(&clock);
    m.insert(1, 10);
    clock.advance(Duration::from_secs(11));
    let v = m.get_or_insert_with(1, || m.get_or_insert_with(1, || unreachable!()) + 1);
    assert_eq!(v, 11);
}
