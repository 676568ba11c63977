//! A map that starts as a plain LRU map (no weights, no policy, no time
//! bound) has its writes run by a leaner copy of the write path. When such a
//! map gains a weight bound (`set_max_weight`) or a time bound
//! (`insert_with_ttl`) mid-life, every later write must honour it: these
//! tests fail if a write still took the plain copy.
use std::time::Duration;

use leakless::{BoundedMap, EvictionCause, ManualClock};

#[test]
fn a_plain_map_given_a_weight_bound_keeps_it_on_every_later_write() {
    let mut m: BoundedMap<u32, u32> = BoundedMap::new(10);
    for k in 0..10 {
        m.insert(k, k);
    }
    m.set_max_weight(4); // no weigher: every entry weighs 1
    assert_eq!((m.len(), m.weight()), (4, 4));
    for k in 10..30 {
        m.insert(k, k);
        assert_eq!((m.len(), m.weight()), (4, 4), "after insert({k})");
    }
    for k in 30..40 {
        m.get_or_insert_with(k, || k);
        assert_eq!(
            (m.len(), m.weight()),
            (4, 4),
            "after get_or_insert_with({k})"
        );
    }
    m.entry(99).or_insert(0);
    assert_eq!((m.len(), m.weight()), (4, 4), "after entry(99)");
    assert_eq!(
        m.keys().copied().collect::<Vec<_>>(),
        [99, 39, 38, 37],
        "most recent first"
    );
}

#[test]
fn a_plain_map_given_a_per_entry_ttl_expires_it_and_files_later_writes() {
    let clock = ManualClock::new();
    let evicted = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = evicted.clone();
    let mut m: BoundedMap<u32, u32> = BoundedMap::builder()
        .capacity(2)
        .clock(clock.clone())
        .on_evict(move |k, _v, cause| seen.lock().unwrap().push((k, cause)))
        .build();
    m.insert(1, 1);
    m.insert_with_ttl(2, 2, Duration::from_secs(1));
    clock.advance(Duration::from_secs(2));
    // The map now keeps time: the call purges key 2 (expired) before it
    // writes, so the write needs no room.
    m.insert(3, 3);
    assert_eq!(m.get(&2), None);
    assert_eq!(m.keys().copied().collect::<Vec<_>>(), [3, 1]);
    assert_eq!(*evicted.lock().unwrap(), [(2, EvictionCause::Expired)]);
    // A later plain write into the full map evicts by size, as LRU says.
    m.insert(4, 4);
    assert_eq!(m.keys().copied().collect::<Vec<_>>(), [4, 3]);
    assert_eq!(
        evicted.lock().unwrap().last(),
        Some(&(1, EvictionCause::Size))
    );
}

#[test]
fn after_a_per_entry_ttl_every_kind_of_write_files_its_entry() {
    let clock = ManualClock::new();
    let mut m: BoundedMap<u32, u32> = BoundedMap::builder()
        .capacity(100)
        .clock(clock.clone())
        .build();
    for k in 0..10 {
        m.insert(k, k); // plain writes, before the map keeps time
    }
    m.insert_with_ttl(100, 100, Duration::from_secs(1));
    // Each kind of write, then a per-entry TTL on the same key: the second
    // write finds the slot the first one filed.
    m.insert(10, 10);
    m.get_or_insert_with(11, || 11);
    m.entry(12).or_insert(12);
    for k in [10, 11, 12, 3] {
        m.insert_with_ttl(k, k + 1, Duration::from_secs(5));
    }
    clock.advance(Duration::from_secs(2));
    assert_eq!(m.get(&100), None);
    assert_eq!(m.get(&10), Some(&11));
    clock.advance(Duration::from_secs(4));
    for k in [10, 11, 12, 3] {
        assert_eq!(m.get(&k), None, "key {k} outlived its TTL");
    }
    assert_eq!(m.get(&4), Some(&4), "no TTL, never expires");
    // `get(&self)` hides expired entries; the purge removes them.
    assert_eq!(m.purge_expired(), 5);
    assert_eq!(m.len(), 9);
}

#[test]
fn a_plain_sync_map_given_a_weight_bound_or_a_per_entry_ttl_keeps_it_on_later_writes() {
    let m = leakless::sync::BoundedMap::<u64, u64>::new(1_000);
    for k in 0..1_000 {
        m.insert(k, k);
    }
    m.set_max_weight(10);
    for k in 1_000..1_100 {
        m.insert(k, k);
        assert!(m.len() <= 10, "len {} after insert({k})", m.len());
    }
    for k in 2_000..2_100 {
        m.get_or_insert_with(k, || k);
        assert!(
            m.len() <= 10,
            "len {} after get_or_insert_with({k})",
            m.len()
        );
    }

    let clock = ManualClock::new();
    let m = leakless::sync::BoundedMap::<u64, u64>::builder()
        .capacity(1_000)
        .clock(clock.clone())
        .build();
    for k in 0..100 {
        m.insert(k, k);
    }
    m.insert_with_ttl(1_000, 0, Duration::from_secs(1));
    m.insert(1_001, 1);
    m.insert_with_ttl(1_001, 1, Duration::from_secs(1));
    clock.advance(Duration::from_secs(2));
    assert_eq!(m.get(&1_000), None);
    assert_eq!(m.get(&1_001), None);
    assert_eq!(m.get(&7), Some(7));
    // Reads under the shared lock leave expired entries to the next write
    // or to this purge, which finds both.
    assert_eq!(m.purge_expired(), 2);
    assert_eq!(m.len(), 100);
}
