//! Memory bounds, measured with a counting allocator: a full map stops
//! growing, mass removal gives memory back, and `capacity` is not an
//! allocation.
//!
//! Readings are of the test's own thread (`thread_live_bytes`), so tests in
//! parallel and the harness's threads do not disturb them; the one peak
//! reading is process-wide, so the tests still take a lock.

use std::sync::Mutex;

use leakless::{BoundedMap, Footprint};
use leakless_testkit::{live_bytes, peak_bytes, reset_peak, thread_live_bytes, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

static SERIAL: Mutex<()> = Mutex::new(());

/// Bytes allocated on net since `base` (0 if something else freed more).
fn since(base: usize) -> usize {
    (thread_live_bytes().wrapping_sub(base) as isize).max(0) as usize
}

#[test]
fn memory_after_two_million_distinct_inserts_equals_memory_at_capacity() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let base = thread_live_bytes();
    let mut m: BoundedMap<u64, u64> = BoundedMap::new(10_000);
    for k in 0..10_000 {
        m.insert(k, k);
    }
    let at_capacity = since(base);
    for k in 10_000..2_000_000 {
        m.insert(k, k);
        assert!(m.len() <= 10_000);
    }
    let after_churn = since(base);
    let ratio = after_churn as f64 / at_capacity as f64;
    assert!(
        (0.9..=1.1).contains(&ratio),
        "at capacity {at_capacity} B, after 2M inserts {after_churn} B"
    );
    // The map's own account agrees with the allocator (which also sees the
    // test harness's threads, hence the small tolerance).
    let own = m.stats().bytes;
    assert_eq!(m.footprint(), own);
    assert!(
        own.abs_diff(after_churn) < 1024,
        "stats {own} B, allocator {after_churn} B"
    );
}

#[test]
fn mass_removal_gives_memory_back() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let peak_base = live_bytes();
    let base = thread_live_bytes();
    reset_peak();
    let mut m: BoundedMap<u64, u64> = BoundedMap::new(2_000_000);
    for k in 0..1_000_000 {
        m.insert(k, k);
    }
    let peak = peak_bytes().saturating_sub(peak_base);
    for k in 0..999_990 {
        m.remove(&k);
    }
    let after = since(base);
    assert_eq!(m.len(), 10);
    assert!(
        after * 20 < peak,
        "after removing 999,990 of 1,000,000: {after} B of a {peak} B peak"
    );
    // Shrinking through `retain`, `set_capacity` and `clear` as well.
    for k in 0..100_000 {
        m.insert(k, k);
    }
    m.retain(|k, _| k % 100 == 0);
    assert!(m.stats().bytes < 100_000 * 16);
    m.set_capacity(10);
    assert!(m.stats().bytes < 1_000);
    m.clear();
    assert_eq!(m.stats().bytes, 0);
    // The slack is the test harness's own threads, which the process-wide
    // allocator also counts; the map's own account above is exact.
    assert!(since(base) < 16 << 10);
}

#[test]
fn capacity_is_a_bound_not_an_allocation() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let base = thread_live_bytes();
    let mut m: BoundedMap<u64, [u8; 64]> = BoundedMap::new(usize::MAX);
    assert_eq!(since(base), 0);
    m.insert(1, [0; 64]);
    assert!(since(base) < 1_000);
    let m0: BoundedMap<u64, u64> = BoundedMap::new(0);
    assert_eq!(m0.stats().bytes, 0);
}

#[test]
fn a_value_heavier_than_the_map_is_refused_without_flushing_it() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut m = BoundedMap::<u64, Vec<u8>>::builder()
        .max_weight(1 << 16)
        .weigher(|_, v| v.len() as u64)
        .build();
    for k in 0..16 {
        m.insert(k, vec![0; 1024]);
    }
    let base = thread_live_bytes();
    assert_eq!(m.insert(99, vec![0; 1 << 20]), None);
    assert_eq!(m.len(), 16, "the heavy value flushed the map");
    assert!(!m.contains_key(&99));
    // The 1 MiB value is gone.
    assert!(
        thread_live_bytes().wrapping_sub(base) as isize == 0,
        "the refused value was kept somewhere"
    );
}

#[test]
fn a_weight_bounded_map_is_bounded_by_bytes_under_churn() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let base = thread_live_bytes();
    let mut m = BoundedMap::<u64, String>::builder()
        .max_weight(1 << 20)
        .weigher(|_, v: &String| v.capacity() as u64)
        .build();
    let mut high = 0;
    for k in 0..200_000u64 {
        m.insert(k, "x".repeat((k % 500) as usize + 1));
        assert!(m.weight() <= 1 << 20);
        high = high.max(since(base));
    }
    // Values are at most 1 MiB together; the slab and table add their own.
    assert!(high < 3 << 20, "peak {high} B for a 1 MiB weight bound");
}

#[test]
fn a_ttl_alone_keeps_a_map_of_short_lived_values_small() {
    use leakless::ManualClock;
    use std::time::Duration;

    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let clock = ManualClock::new();
    let base = thread_live_bytes();
    // No capacity: time is the only bound. About 1000 entries are live.
    let mut m: BoundedMap<u64, u64> = BoundedMap::builder()
        .ttl(Duration::from_secs(1))
        .clock(clock.clone())
        .build();
    let mut most = 0;
    for k in 0..2_000_000 {
        m.insert(k, k);
        clock.advance(Duration::from_millis(1));
        most = most.max(m.len());
    }
    assert!(most <= 1_001, "len reached {most} with ~1000 live");
    let held = since(base);
    assert!(held < 1 << 20, "a map of ~1000 u64 pairs holds {held} B");
    assert_eq!(m.stats().evictions.expired, 2_000_000 - m.len() as u64);
}

#[test]
fn a_weak_value_map_under_churn_is_what_its_footprint_says_and_stays_small() {
    use leakless::WeakValueMap;
    use std::sync::Arc;

    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    const LIVE: u64 = 100_000;
    let keep: Vec<Arc<u64>> = (0..LIVE).map(Arc::new).collect();
    let base = thread_live_bytes();
    let mut m = WeakValueMap::new();
    for v in &keep {
        m.insert(**v, v);
    }
    let settled = since(base);
    for i in 0..400_000u64 {
        let v = Arc::new(i);
        m.insert(LIVE + i, &v);
    }
    // Everything the map holds, dead values' pinned blocks included, is
    // what `footprint` reports (±1%).
    let held = since(base);
    let reported = m.footprint();
    assert!(
        held.abs_diff(reported) * 100 <= held,
        "allocator {held} B, footprint {reported} B"
    );
    // The table may take one doubling (100k live fill 87% of the 2^17
    // bucket table, too full to churn in), and then churn is flat: another
    // 400k inserts add nothing.
    assert!(
        held <= settled * 5 / 2,
        "{held} B after churn, {settled} B before"
    );
    for i in 400_000..800_000u64 {
        let v = Arc::new(i);
        m.insert(LIVE + i, &v);
    }
    let again = since(base);
    assert!(
        again <= held + held / 10,
        "{again} B after more churn, {held} B before"
    );
    m.purge_all();
    assert_eq!(m.len() as u64, LIVE);
}

#[test]
fn a_sync_map_is_what_its_footprint_says_and_stays_bounded() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let base = thread_live_bytes();
    let m = leakless::sync::BoundedMap::<u64, u64>::builder()
        .capacity(100_000)
        .shards(8)
        .build();
    // Past the bound twice over, every shard has filled (and sized its
    // table for churn): from here on memory must stay put.
    for k in 0..200_000 {
        m.insert(k, k);
    }
    let full = since(base);
    for k in 200_000..1_000_000 {
        m.insert(k, k);
    }
    let churned = since(base);
    assert!(m.len() <= 100_000);
    // The shard array is one of the map's allocations: footprint counts it,
    // as the allocator does.
    let reported = m.footprint();
    assert!(
        churned.abs_diff(reported) * 100 <= churned,
        "allocator {churned} B, footprint {reported} B"
    );
    assert!(
        churned <= full + full / 10,
        "{churned} B after churn, {full} B full"
    );
}

/// `sync::BoundedMap::iter` copies one shard at a time: what it holds while
/// iterating is about a shard's worth, not the whole map's.
#[test]
fn sync_iter_holds_one_shard_at_a_time() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let shards = 16;
    let m = leakless::sync::BoundedMap::<u64, String>::builder()
        .capacity(16_000)
        .shards(shards)
        .build();
    for k in 0..16_000 {
        m.insert(k, "v".repeat(100));
    }
    let base = thread_live_bytes();
    let whole = m.snapshot();
    let full_copy = since(base);
    drop(whole);

    let base = thread_live_bytes();
    let mut most = 0;
    let mut seen = 0;
    for (_k, v) in m.iter() {
        most = most.max(since(base));
        seen += v.len();
    }
    assert_eq!(seen, 16_000 * 100);
    assert!(
        most * 4 < full_copy,
        "iterating held {most} B at most; a full copy is {full_copy} B"
    );
}
