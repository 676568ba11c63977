//! Async single-flight on `sync::BoundedMap`: one load per key under a
//! stampede, no worker thread blocked, cancellation and panics handed to a
//! waiter, blocking and async callers on one flight, no executor needed.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use leakless::sync::BoundedMap;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap()
}

/// 10,000 tasks ask for 100 keys whose loader sleeps 50 ms: exactly 100
/// loads, and the workers stay free (a ticker keeps ticking meanwhile).
/// The loads start while the tasks are still being spawned, which can take
/// several milliseconds on a loaded machine; the 50 ms leave most of the
/// wait after it, where the ticks are counted.
#[test]
fn a_stampede_loads_each_key_once_without_blocking_the_workers() {
    let rt = runtime();
    rt.block_on(async {
        let map: Arc<BoundedMap<u64, String>> = Arc::new(BoundedMap::new(1_000));
        let loads = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let ticks = Arc::new(AtomicUsize::new(0));
        let ticker = {
            let (done, ticks) = (Arc::clone(&done), Arc::clone(&ticks));
            tokio::spawn(async move {
                while !done.load(SeqCst) {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    ticks.fetch_add(1, SeqCst);
                }
            })
        };
        let tasks: Vec<_> = (0..10_000u64)
            .map(|i| {
                let (map, loads) = (Arc::clone(&map), Arc::clone(&loads));
                tokio::spawn(async move {
                    let key = i % 100;
                    let v = map
                        .get_or_insert_async(key, async {
                            loads.fetch_add(1, SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            format!("user {key}")
                        })
                        .await;
                    assert_eq!(v, format!("user {key}"));
                })
            })
            .collect();
        let before = ticks.load(SeqCst);
        for t in tasks {
            t.await.unwrap();
        }
        let during = ticks.load(SeqCst) - before;
        done.store(true, SeqCst);
        ticker.await.unwrap();
        assert_eq!(loads.load(SeqCst), 100);
        assert_eq!(map.len(), 100);
        // The loads wait about 50 ms after the spawning ends: a blocked
        // runtime would not tick.
        assert!(
            during >= 2,
            "the ticker ticked {during} times while tasks waited"
        );
    });
}

/// The leader is cut off by a timeout mid-load: the waiters finish with
/// exactly one new load (theirs), and nobody hangs.
#[test]
fn a_leader_cut_off_by_a_timeout_hands_the_flight_to_a_waiter() {
    let rt = runtime();
    rt.block_on(async {
        let map: Arc<BoundedMap<u8, u32>> = Arc::new(BoundedMap::new(10));
        let started = Arc::new(tokio::sync::Notify::new());
        let leader = {
            let (map, started) = (Arc::clone(&map), Arc::clone(&started));
            tokio::spawn(async move {
                tokio::time::timeout(
                    Duration::from_millis(20),
                    map.get_or_insert_async(1, async {
                        started.notify_one();
                        std::future::pending::<u32>().await
                    }),
                )
                .await
            })
        };
        started.notified().await;
        let loads = Arc::new(AtomicUsize::new(0));
        let waiters: Vec<_> = (0..50)
            .map(|_| {
                let (map, loads) = (Arc::clone(&map), Arc::clone(&loads));
                tokio::spawn(async move {
                    map.get_or_insert_async(1, async {
                        loads.fetch_add(1, SeqCst);
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        7
                    })
                    .await
                })
            })
            .collect();
        assert!(leader.await.unwrap().is_err(), "the timeout fired");
        for w in waiters {
            assert_eq!(w.await.unwrap(), 7);
        }
        assert_eq!(loads.load(SeqCst), 1);
    });
}

/// A waker that counts its wakes, for driving futures by hand.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn poll_once<F: Future>(fut: std::pin::Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

/// A leading future dropped before its first poll never took the flight;
/// one dropped after its first poll, or while waiters wait, hands it over.
#[test]
fn dropping_the_leader_at_any_point_never_strands_a_waiter() {
    let map: BoundedMap<u8, u32> = BoundedMap::new(10);
    let counter = Arc::new(CountingWaker::default());
    let waker = Waker::from(Arc::clone(&counter));

    // Never polled: nothing happened, so nothing to hand over.
    drop(map.get_or_insert_async(1, async { unreachable!() }));
    assert_eq!(map.get_or_insert_with(1, || 1), 1);

    // Polled once, leading a load that is pending; a second future waits.
    let mut leader = Box::pin(map.get_or_insert_async(2, std::future::pending()));
    assert!(poll_once(leader.as_mut(), &waker).is_pending());
    let mut waiter = Box::pin(map.get_or_insert_async(2, async { 22 }));
    assert!(poll_once(waiter.as_mut(), &waker).is_pending());
    assert_eq!(counter.0.load(SeqCst), 0);
    drop(leader);
    assert_eq!(counter.0.load(SeqCst), 1, "the waiter was woken");
    assert_eq!(poll_once(waiter.as_mut(), &waker), Poll::Ready(22));

    // A waiter dropped mid-wait leaves the flight to land as usual.
    let ready = Arc::new(AtomicBool::new(false));
    let load = {
        let ready = Arc::clone(&ready);
        std::future::poll_fn(move |_| {
            if ready.load(SeqCst) {
                Poll::Ready(33)
            } else {
                Poll::Pending
            }
        })
    };
    let mut leader = Box::pin(map.get_or_insert_async(3, load));
    assert!(poll_once(leader.as_mut(), &waker).is_pending());
    let mut gone = Box::pin(map.get_or_insert_async(3, async { unreachable!() }));
    assert!(poll_once(gone.as_mut(), &waker).is_pending());
    drop(gone);
    ready.store(true, SeqCst);
    assert_eq!(poll_once(leader.as_mut(), &waker), Poll::Ready(33));
    assert_eq!(map.get(&3), Some(33));
}

/// A blocking caller and an async caller share one load, whichever leads.
#[test]
fn blocking_and_async_callers_share_one_flight() {
    let map: Arc<BoundedMap<u8, u32>> = Arc::new(BoundedMap::new(10));
    let loads = Arc::new(AtomicUsize::new(0));
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();

    // A thread leads, blocked in its loader until released.
    let blocking = {
        let (map, loads) = (Arc::clone(&map), Arc::clone(&loads));
        thread::spawn(move || {
            map.get_or_insert_with(1, || {
                loads.fetch_add(1, SeqCst);
                started_tx.send(()).unwrap();
                release_rx.recv().unwrap();
                10
            })
        })
    };
    started_rx.recv().unwrap();
    let counter = Arc::new(CountingWaker::default());
    let waker = Waker::from(Arc::clone(&counter));
    let mut waiting = Box::pin(map.get_or_insert_async(1, async { unreachable!() }));
    assert!(poll_once(waiting.as_mut(), &waker).is_pending());
    release_tx.send(()).unwrap();
    assert_eq!(blocking.join().unwrap(), 10);
    assert_eq!(counter.0.load(SeqCst), 1);
    assert_eq!(poll_once(waiting.as_mut(), &waker), Poll::Ready(10));

    // An async task leads; a thread blocks on its flight.
    let rt = runtime();
    rt.block_on(async {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let leader = {
            let (map, loads) = (Arc::clone(&map), Arc::clone(&loads));
            tokio::spawn(async move {
                map.get_or_insert_async(2, async {
                    loads.fetch_add(1, SeqCst);
                    rx.await.unwrap();
                    20
                })
                .await
            })
        };
        while loads.load(SeqCst) < 2 {
            tokio::task::yield_now().await;
        }
        let blocked = {
            let map = Arc::clone(&map);
            thread::spawn(move || map.get_or_insert_with(2, || unreachable!()))
        };
        // Give the thread time to block on the flight, then release.
        tokio::time::sleep(Duration::from_millis(20)).await;
        tx.send(()).unwrap();
        assert_eq!(leader.await.unwrap(), 20);
        assert_eq!(blocked.join().unwrap(), 20);
    });
    assert_eq!(loads.load(SeqCst), 2);
}

/// A loader that panics wakes the waiters; one of them loads.
#[test]
fn a_panicking_loader_hands_the_flight_over() {
    let rt = runtime();
    rt.block_on(async {
        let map: Arc<BoundedMap<u8, u32>> = Arc::new(BoundedMap::new(10));
        let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
        let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
        let leader = {
            let map = Arc::clone(&map);
            tokio::spawn(async move {
                map.get_or_insert_async(1, async {
                    started_tx.send(()).unwrap();
                    go_rx.await.unwrap();
                    panic!("the backend exploded")
                })
                .await
            })
        };
        // The waiter must arrive after the leader owns the flight: on a
        // multi-threaded runtime a yield does not order the two tasks.
        started_rx.await.unwrap();
        let waiter = {
            let map = Arc::clone(&map);
            tokio::spawn(async move { map.get_or_insert_async(1, async { 5 }).await })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        go_tx.send(()).unwrap();
        assert!(leader.await.unwrap_err().is_panic());
        assert_eq!(waiter.await.unwrap(), 5);
        assert_eq!(map.get(&1), Some(5));
    });
}

/// An error goes to the caller whose load produced it and stores nothing;
/// a waiter then loads its own.
#[test]
fn an_error_is_returned_to_its_caller_only() {
    let rt = runtime();
    rt.block_on(async {
        let map: Arc<BoundedMap<u8, u32>> = Arc::new(BoundedMap::new(10));
        let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
        let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
        let leader = {
            let map = Arc::clone(&map);
            tokio::spawn(async move {
                map.try_get_or_insert_async(1, async {
                    started_tx.send(()).unwrap();
                    go_rx.await.unwrap();
                    Err::<u32, &str>("offline")
                })
                .await
            })
        };
        started_rx.await.unwrap();
        let waiter = {
            let map = Arc::clone(&map);
            tokio::spawn(async move {
                map.try_get_or_insert_async(1, async { Ok::<u32, &str>(9) })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        go_tx.send(()).unwrap();
        assert_eq!(leader.await.unwrap(), Err("offline"));
        assert_eq!(waiter.await.unwrap(), Ok(9));
    });
}

/// A loader awaiting a different key of the same map works (recursive
/// memoisation); awaiting its own key is a panic that says why.
#[test]
fn recursion_on_other_keys_works_and_on_the_same_key_panics() {
    fn fib(
        map: &BoundedMap<u64, u64>,
        n: u64,
    ) -> std::pin::Pin<Box<dyn Future<Output = u64> + '_>> {
        Box::pin(async move {
            if n < 2 {
                return n;
            }
            map.get_or_insert_async(
                n,
                async move { fib(map, n - 1).await + fib(map, n - 2).await },
            )
            .await
        })
    }
    let map = BoundedMap::new(1_000);
    assert_eq!(block_on(fib(&map, 90)), 2_880_067_194_370_816_120);

    let same = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        block_on(map.get_or_insert_async(1_000, async {
            map.get_or_insert_async(1_000, async { 1 }).await
        }))
    }));
    let message = same.unwrap_err();
    let message = message
        .downcast_ref::<String>()
        .map(String::as_str)
        .or(message.downcast_ref::<&str>().copied())
        .unwrap();
    assert!(
        message.contains("from inside its own initializer"),
        "{message}"
    );
    // The flight was handed back: the key loads normally afterwards.
    assert_eq!(map.get_or_insert_with(1_000, || 3), 3);

    let blocking = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        map.get_or_insert_with(2_000, || map.get_or_insert_with(2_000, || 1))
    }));
    assert!(blocking.is_err());
    assert_eq!(map.get_or_insert_with(2_000, || 4), 4);
}

/// A tiny executor: nothing in the async calls depends on tokio.
fn block_on<F: Future>(fut: F) -> F::Output {
    struct Unpark(thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut fut = pin!(fut);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut Context::from_waker(&waker)) {
            return v;
        }
        thread::park();
    }
}

/// Threads on a hand-written executor, one flight: one load.
#[test]
fn a_hand_written_executor_is_enough() {
    let map: Arc<BoundedMap<u8, u32>> = Arc::new(BoundedMap::new(10));
    let loads = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(Mutex::new(()));
    let held = gate.lock().unwrap();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (map, loads, gate) = (Arc::clone(&map), Arc::clone(&loads), Arc::clone(&gate));
            thread::spawn(move || {
                block_on(map.get_or_insert_async(1, async move {
                    loads.fetch_add(1, SeqCst);
                    drop(gate.lock().unwrap());
                    11
                }))
            })
        })
        .collect();
    thread::sleep(Duration::from_millis(20));
    drop(held);
    for t in threads {
        assert_eq!(t.join().unwrap(), 11);
    }
    assert_eq!(loads.load(SeqCst), 1);
}

/// The futures are `Send` whenever key, value and loader are.
#[test]
fn the_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let map: BoundedMap<String, Vec<u8>> = BoundedMap::new(10);
    let f = map.get_or_insert_async("k".to_string(), async { vec![1] });
    assert_send(&f);
    let g =
        map.try_get_or_insert_async("k".to_string(), async { Ok::<_, std::io::Error>(vec![1]) });
    assert_send(&g);
}

/// Seeded stress: leaders dropped at random points while waiters of both
/// kinds pile on; every caller gets the key's value and nobody hangs.
#[test]
fn leaders_dropped_at_random_points_never_strand_anyone() {
    let rt = runtime();
    rt.block_on(async {
        let map: Arc<BoundedMap<u64, u64>> = Arc::new(BoundedMap::new(100));
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..200u64 {
            let key = round % 10;
            map.remove(&key);
            let mut tasks = Vec::new();
            for _ in 0..8 {
                let map = Arc::clone(&map);
                let cut = Duration::from_micros(next() % 2_000);
                let work = Duration::from_micros(next() % 1_000);
                let drop_it = next() % 3 == 0;
                tasks.push(tokio::spawn(async move {
                    let load = map.get_or_insert_async(key, async move {
                        tokio::time::sleep(work).await;
                        key * 10
                    });
                    if drop_it {
                        tokio::time::timeout(cut, load).await.ok()
                    } else {
                        Some(load.await)
                    }
                }));
            }
            for t in tasks {
                if let Some(v) = t.await.unwrap() {
                    assert_eq!(v, key * 10);
                }
            }
            // Whoever was left, the key is not stuck in flight.
            let v = tokio::time::timeout(
                Duration::from_secs(5),
                map.get_or_insert_async(key, async move { key * 10 }),
            )
            .await
            .expect("a flight was stranded");
            assert_eq!(v, key * 10);
        }
    });
}
