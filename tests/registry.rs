//! The registry: named maps of every kind appear with what they hold,
//! dropped ones vanish, growth is ordered, and the registry itself cannot
//! grow with maps that come and go.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use leakless::{registry, BoundedMap, Tracked, WeakKeyMap, WeakValueMap};
use leakless_testkit::{thread_live_bytes, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// `report()` measures growth from the previous `report()`, registry-wide,
/// and the allocator counts the whole process: the tests take turns.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn every_kind_of_named_map_appears_with_what_it_holds() {
    let _serial = serial();
    let mut bounded = BoundedMap::<u64, u64>::builder()
        .capacity(100)
        .name("kinds-bounded")
        .build();
    let sync = leakless::sync::BoundedMap::<u64, u64>::builder()
        .capacity(1_000)
        .shards(4)
        .name("kinds-sync")
        .build();
    let mut weak_values = WeakValueMap::<u64, u64>::new().named("kinds-weak-values");
    let mut weak_keys = WeakKeyMap::<u64, u64>::new().named("kinds-weak-keys");
    let mut tracked = Tracked::new(HashMap::<u64, u64>::new(), "kinds-tracked");
    let unnamed = BoundedMap::<u64, u64>::new(10);

    for i in 0..250 {
        bounded.insert(i, i);
        sync.insert(i, i);
        tracked.insert(i, i);
    }
    let keep: Vec<Arc<u64>> = (0..7).map(Arc::new).collect();
    for (i, v) in keep.iter().enumerate() {
        weak_values.insert(i as u64, v);
        weak_keys.insert(v, i as u64);
    }
    let _ = tracked.len(); // an access publishes the state before it

    let report = registry::snapshot();
    let row = |name: &str| {
        report
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing:\n{report}"))
    };
    let b = row("kinds-bounded");
    assert_eq!(
        (b.kind, b.len, b.capacity, b.inserts),
        ("BoundedMap", 100, 100, 250)
    );
    assert_eq!(b.evictions.size, 150);
    assert_eq!(b.bytes, bounded.stats().bytes);
    let s = row("kinds-sync");
    assert_eq!(
        (s.kind, s.len, s.capacity),
        ("sync::BoundedMap", 250, 1_000)
    );
    assert_eq!(s.bytes, sync.stats().bytes);
    assert_eq!(row("kinds-weak-values").len, 7);
    assert_eq!(row("kinds-weak-values").kind, "WeakValueMap");
    assert_eq!(row("kinds-weak-keys").len, 7);
    let t = row("kinds-tracked");
    assert_eq!((t.kind, t.len, t.capacity), ("HashMap", 250, usize::MAX));
    assert!(t.bytes >= 250 * 16);
    assert_eq!(unnamed.name(), None);
    assert!(report.rows().iter().all(|r| !r.name.is_empty()));
    assert!(format!("{report}").contains("kinds-sync"));
}

#[test]
fn dropped_maps_leave_the_registry() {
    let _serial = serial();
    let a = BoundedMap::<u8, u8>::builder()
        .capacity(1)
        .name("leaves-a")
        .build();
    let b = WeakValueMap::<u8, u8>::new().named("leaves-b");
    let c = leakless::sync::BoundedMap::<u8, u8>::builder()
        .capacity(8)
        .name("leaves-c")
        .build();
    let snap = registry::snapshot();
    assert!(snap.get("leaves-a").is_some() && snap.get("leaves-b").is_some());
    assert!(snap.get("leaves-c").is_some());
    drop((a, b, c));
    let snap = registry::snapshot();
    assert!(snap.get("leaves-a").is_none());
    assert!(snap.get("leaves-b").is_none());
    assert!(snap.get("leaves-c").is_none());
}

#[test]
fn a_clone_is_a_second_row() {
    let _serial = serial();
    let mut a = BoundedMap::<u8, u8>::builder()
        .capacity(4)
        .name("cloned")
        .build();
    a.insert(1, 1);
    let mut b = a.clone();
    b.insert(2, 2);
    let snap = registry::snapshot();
    let lens: Vec<usize> = snap
        .rows()
        .iter()
        .filter(|r| &*r.name == "cloned")
        .map(|r| r.len)
        .collect();
    assert_eq!(lens.len(), 2);
    assert!(lens.contains(&1) && lens.contains(&2));
}

#[test]
fn reports_put_the_fastest_growing_map_first() {
    let _serial = serial();
    let mut steady = BoundedMap::<u64, u64>::builder()
        .capacity(100)
        .name("growth-steady")
        .build();
    let mut leaking = Tracked::new(HashMap::<u64, u64>::new(), "growth-leaking");
    for i in 0..100 {
        steady.insert(i, i);
    }
    let _ = registry::report();
    for i in 0..10_000 {
        steady.insert(i, i); // full: evicts, does not grow
        leaking.insert(i, i);
    }
    let _ = leaking.len();
    let report = registry::report();
    let pos = |name: &str| report.rows().iter().position(|r| &*r.name == name).unwrap();
    assert!(pos("growth-leaking") < pos("growth-steady"), "{report}");
    let leak = report.get("growth-leaking").unwrap();
    assert_eq!(leak.len_growth, 10_000);
    assert!(leak.bytes_growth > 10_000 * 16);
    assert_eq!(report.get("growth-steady").unwrap().len_growth, 0);
    // The next report measures from this one.
    let again = registry::report();
    assert_eq!(again.get("growth-leaking").unwrap().len_growth, 0);
    // diff between two snapshots, and top-N.
    let before = registry::snapshot();
    for i in 10_000..10_500 {
        leaking.insert(i, i);
    }
    let _ = leaking.len();
    let top = registry::snapshot().diff(&before).top(1);
    assert_eq!(top.rows().len(), 1);
    assert_eq!(&*top.rows()[0].name, "growth-leaking");
    assert_eq!(top.rows()[0].len_growth, 500);
}

#[test]
fn a_thousand_named_maps_report_together() {
    let _serial = serial();
    let maps: Vec<BoundedMap<u64, u64>> = (0..1_000)
        .map(|i| {
            let mut m = BoundedMap::builder()
                .capacity(10)
                .name(format!("many-{i}"))
                .build();
            m.insert(i, i);
            m
        })
        .collect();
    let report = registry::snapshot();
    let ours = report
        .rows()
        .iter()
        .filter(|r| r.name.starts_with("many-"))
        .count();
    assert_eq!(ours, 1_000);
    drop(maps);
    let report = registry::snapshot();
    assert_eq!(
        report
            .rows()
            .iter()
            .filter(|r| r.name.starts_with("many-"))
            .count(),
        0
    );
}

#[test]
fn maps_that_come_and_go_do_not_grow_the_registry() {
    let _serial = serial();
    // Warm up: the registry's list has grown to its working size.
    for i in 0..1_000 {
        drop(
            BoundedMap::<u8, u8>::builder()
                .capacity(1)
                .name(format!("churn-{i}"))
                .build(),
        );
    }
    let base = thread_live_bytes();
    for i in 0..100_000 {
        drop(
            BoundedMap::<u8, u8>::builder()
                .capacity(1)
                .name(format!("churn-{i}"))
                .build(),
        );
    }
    let grown = (thread_live_bytes().wrapping_sub(base) as isize).max(0);
    assert!(
        grown < 16 << 10,
        "100,000 short-lived named maps left {grown} bytes behind"
    );
}

#[test]
fn every_write_path_and_a_clone_publish() {
    let _serial = serial();
    let mut m = BoundedMap::<u64, u64>::builder()
        .capacity(100)
        .name("paths")
        .build();
    m.extend((0..10).map(|i| (i, i)));
    let len = |name: &str| {
        registry::snapshot()
            .rows()
            .iter()
            .filter(|r| &*r.name == name)
            .map(|r| r.len)
            .collect::<Vec<_>>()
    };
    assert_eq!(len("paths"), [10]);
    if let leakless::bounded::Entry::Occupied(o) = m.entry(3) {
        o.remove();
    }
    assert_eq!(len("paths"), [9]);
    let copy = m.clone();
    let mut both = len("paths");
    both.sort();
    assert_eq!(both, [9, 9], "a clone shows what it holds at once");
    drop(copy);
    let drained = m.drain().count();
    assert_eq!(drained, 9);
    assert_eq!(len("paths"), [0]);
}

#[test]
fn a_named_maps_hits_are_published_as_they_happen() {
    let _serial = serial();
    for (name, ttl) in [("hits-lru", None), ("hits-ttl", Some(3600))] {
        let mut b = BoundedMap::<u64, u64>::builder().capacity(10).name(name);
        if let Some(secs) = ttl {
            b = b.ttl(std::time::Duration::from_secs(secs));
        }
        let mut m = b.build();
        m.get_or_insert_with(1, || 1);
        // A `&self` miss is published with the next `&mut` call.
        assert_eq!(m.get(&9), None);
        for _ in 0..3 {
            // A hit publishes the use counts alone; the miss before it, all.
            m.get_or_insert_with(1, || unreachable!("a hit"));
        }
        let report = registry::snapshot();
        let row = report.get(name).expect("a named map has a row");
        assert_eq!(
            (row.hits, row.misses, row.inserts, row.len),
            (3, 2, 1, 1),
            "{name}"
        );
    }
}
