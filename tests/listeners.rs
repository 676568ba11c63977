//! `Listeners` and `Subscription`: unsubscribe on drop, weak subscribers
//! pruned, re-entrant callbacks, either side dropped first, constant memory
//! under subscribe/drop churn, and many threads at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use leakless::{Listeners, Subscription};

fn counter() -> (Arc<AtomicUsize>, impl Fn(&u32) + Send + Sync + Clone) {
    let n = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&n);
    (n, move |_: &u32| {
        c.fetch_add(1, Ordering::Relaxed);
    })
}

#[test]
fn dropping_the_guard_unsubscribes() {
    let l = Listeners::new();
    let (n, f) = counter();
    let a = l.subscribe(f.clone());
    let b = l.subscribe(f);
    l.emit(&1);
    drop(a);
    l.emit(&2);
    assert_eq!(n.load(Ordering::Relaxed), 3);
    assert_eq!(l.len(), 1);
    b.unsubscribe();
    assert!(l.is_empty());
}

#[test]
fn the_registry_may_go_first_and_nothing_leaks() {
    let (n, f) = counter();
    let l = Listeners::new();
    let sub = l.subscribe(f);
    drop(l);
    assert!(!sub.is_active());
    drop(sub); // nothing to unsubscribe from, no panic
               // The closure (and its Arc) went with the registry.
    assert_eq!(Arc::strong_count(&n), 1);
}

#[test]
fn weak_subscribers_are_pruned_once_their_owner_is_gone() {
    struct Client(AtomicUsize);
    let l = Listeners::<u32>::new();
    let client = Arc::new(Client(AtomicUsize::new(0)));
    let sub = l.subscribe_weak(&client, |c: &Client, _| {
        c.0.fetch_add(1, Ordering::Relaxed);
    });
    l.emit(&1);
    assert_eq!(client.0.load(Ordering::Relaxed), 1);
    assert_eq!(l.len(), 1);
    drop(client);
    assert_eq!(l.len(), 0, "a dead owner is not a live subscriber");
    l.emit(&2); // prunes
    assert!(l.heap_bytes() <= 128, "{} B", l.heap_bytes());
    drop(sub); // its slot is gone already: a no-op
}

#[test]
fn callbacks_may_subscribe_unsubscribe_and_emit_reentrantly() {
    let l = Arc::new(Listeners::<u32>::new());
    let held: Arc<Mutex<Vec<Subscription>>> = Arc::default();
    let calls = Arc::new(AtomicUsize::new(0));
    let (registry, keep, count) = (Arc::downgrade(&l), Arc::clone(&held), Arc::clone(&calls));
    let _root = l.subscribe(move |depth: &u32| {
        count.fetch_add(1, Ordering::Relaxed);
        let Some(l) = registry.upgrade() else { return };
        if *depth == 0 {
            // Subscribe from inside a callback: heard from the next event.
            let c = Arc::clone(&count);
            keep.lock().unwrap().push(l.subscribe(move |_| {
                c.fetch_add(100, Ordering::Relaxed);
            }));
            // And emit from inside one: no deadlock.
            l.emit(&1);
        } else if *depth == 2 {
            // Unsubscribe from inside a callback.
            keep.lock().unwrap().clear();
        }
    });
    l.emit(&0);
    // The root (1), then the nested emit: the root again (1) and the new
    // subscriber, which hears it (100). It did not hear event 0, which was
    // already being delivered when it subscribed.
    assert_eq!(calls.load(Ordering::Relaxed), 102);
    assert_eq!(l.len(), 2);
    // The root drops it during this emit, before its turn: not called.
    l.emit(&2);
    assert_eq!(calls.load(Ordering::Relaxed), 103);
    assert_eq!(l.len(), 1);
}

#[test]
fn a_subscriber_dropped_mid_emit_is_not_called_afterwards() {
    let l = Arc::new(Listeners::<u32>::new());
    let victim: Arc<Mutex<Option<Subscription>>> = Arc::default();
    let (slot, calls) = (Arc::clone(&victim), Arc::new(AtomicUsize::new(0)));
    let _killer = l.subscribe(move |_| {
        slot.lock().unwrap().take(); // drops the second subscription
    });
    let c = Arc::clone(&calls);
    *victim.lock().unwrap() = Some(l.subscribe(move |_| {
        c.fetch_add(1, Ordering::Relaxed);
    }));
    l.emit(&0);
    assert_eq!(calls.load(Ordering::Relaxed), 0);
}

#[test]
fn a_panicking_callback_leaves_the_registry_usable() {
    let l = Listeners::<u32>::new();
    let _bad = l.subscribe(|n| assert!(*n != 13, "unlucky"));
    let (count, f) = counter();
    let _good = l.subscribe(f);
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| l.emit(&13)));
    std::panic::set_hook(hook);
    assert!(result.is_err());
    l.emit(&1);
    assert_eq!(count.load(Ordering::Relaxed), 1);
    assert_eq!(l.len(), 2);
}

#[test]
fn a_million_subscribe_drop_cycles_leave_a_registry_of_constant_size() {
    let l = Listeners::<u32>::new();
    let (_, f) = counter();
    let live: Vec<Subscription> = (0..10).map(|_| l.subscribe(f.clone())).collect();
    l.emit(&0);
    let before = l.heap_bytes();
    for i in 0..1_000_000u32 {
        let s = l.subscribe(f.clone());
        if i % 1000 == 0 {
            l.emit(&i);
        }
        drop(s);
    }
    assert_eq!(l.len(), 10);
    assert!(
        l.heap_bytes() <= before.max(1024),
        "{} B, {before} B before",
        l.heap_bytes()
    );
    drop(live);
    assert!(l.is_empty());
}

#[test]
fn many_threads_subscribe_emit_and_drop_at_once() {
    let l = Arc::new(Listeners::<u32>::new());
    let (count, f) = counter();
    let _always = l.subscribe(f.clone());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (l, f) = (Arc::clone(&l), f.clone());
            thread::spawn(move || {
                let mut held = Vec::new();
                for i in 0..20_000u32 {
                    match (i + t) % 4 {
                        0 => held.push(l.subscribe(f.clone())),
                        1 => l.emit(&i),
                        2 => {
                            held.pop();
                        }
                        _ => {
                            if held.len() > 8 {
                                held.clear();
                            }
                        }
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(l.len(), 1);
    // Every emit reached at least the permanent subscriber.
    assert!(count.load(Ordering::Relaxed) >= 4 * 5_000);
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Listeners<u32>>();
    assert_send_sync::<Subscription>();
}

#[test]
fn an_old_guard_never_unsubscribes_whoever_took_its_slot_later() {
    struct Owner;
    let l = Listeners::<u32>::new();
    let owner = Arc::new(Owner);
    // A weak subscriber whose guard outlives its pruning.
    let old_guard = l.subscribe_weak(&owner, |_: &Owner, _| {});
    drop(owner);
    l.emit(&0); // prunes it: its slot is given back
    let (count, f) = counter();
    let newcomer = l.subscribe(f); // takes the same slot
    drop(old_guard);
    l.emit(&1);
    assert_eq!(
        count.load(Ordering::Relaxed),
        1,
        "the old guard removed the newcomer"
    );
    assert_eq!(l.len(), 1);
    drop(newcomer);
}
