//! The `metrics` feature: `registry::publish_metrics()` through the
//! `metrics` facade, read back with metrics-util's debugging recorder.
//! Runs with `cargo test --features metrics`.
#![cfg(feature = "metrics")]

use std::collections::HashMap;

use leakless::{registry, BoundedMap, Tracked};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use metrics_util::MetricKind;

/// Every value published since the last call, by map and metric name (the
/// debugging recorder hands each value out once).
fn published(recorder: &DebuggingRecorder) -> HashMap<(String, String), (MetricKind, f64)> {
    let mut out = HashMap::new();
    for (key, _, _, value) in recorder.snapshotter().snapshot().into_vec() {
        let (kind, key) = key.into_parts();
        let labels: Vec<(String, String)> = key
            .labels()
            .map(|l| (l.key().to_string(), l.value().to_string()))
            .collect();
        let [(label, map)] = &labels[..] else {
            panic!("one label on every series: {labels:?}");
        };
        assert_eq!(label, "map");
        let value = match value {
            DebugValue::Counter(n) => n as f64,
            DebugValue::Gauge(g) => g.into_inner(),
            DebugValue::Histogram(_) => panic!("no histogram is published"),
        };
        out.insert((map.clone(), key.name().to_string()), (kind, value));
    }
    out
}

/// The series of one map, by metric name.
fn of(
    all: &HashMap<(String, String), (MetricKind, f64)>,
    map: &str,
) -> HashMap<String, (MetricKind, f64)> {
    all.iter()
        .filter(|((m, _), _)| m == map)
        .map(|((_, name), v)| (name.clone(), *v))
        .collect()
}

#[test]
fn every_named_map_is_published_with_one_label() {
    let recorder = DebuggingRecorder::new();
    let mut m = BoundedMap::<u64, u64>::builder()
        .capacity(3)
        .name("metrics-bounded")
        .build();
    for i in 0..5 {
        m.insert(i, i);
    }
    let _ = m.get(&4);
    let _ = m.get(&0);
    m.insert(4, 40); // an update; the next write publishes the reads too
    let mut t = Tracked::new(HashMap::<u64, u64>::new(), "metrics-tracked");
    t.extend((0..10).map(|i| (i, i)));
    let _ = t.len();
    metrics::with_local_recorder(&recorder, registry::publish_metrics);

    let all = published(&recorder);
    let b = of(&all, "metrics-bounded");
    let get = |name: &str| {
        b.get(name)
            .unwrap_or_else(|| panic!("{name} missing: {b:?}"))
    };
    assert_eq!(*get("leakless_map_len"), (MetricKind::Gauge, 3.0));
    assert_eq!(*get("leakless_map_capacity"), (MetricKind::Gauge, 3.0));
    assert_eq!(
        *get("leakless_map_bytes"),
        (MetricKind::Gauge, m.stats().bytes as f64)
    );
    assert_eq!(*get("leakless_map_hits_total"), (MetricKind::Counter, 1.0));
    assert_eq!(
        *get("leakless_map_misses_total"),
        (MetricKind::Counter, 1.0)
    );
    assert_eq!(
        *get("leakless_map_inserts_total"),
        (MetricKind::Counter, 5.0)
    );
    assert_eq!(
        *get("leakless_map_evictions_size_total"),
        (MetricKind::Counter, 2.0)
    );
    for cause in ["expired", "collected", "replaced", "explicit"] {
        assert_eq!(
            *get(&format!("leakless_map_evictions_{cause}_total")),
            (MetricKind::Counter, 0.0)
        );
    }
    assert_eq!(b.len(), 11);

    let t = of(&all, "metrics-tracked");
    assert_eq!(t["leakless_map_len"].1, 10.0);
    assert_eq!(t["leakless_map_capacity"].1, f64::INFINITY, "unbounded");
}

#[test]
fn publishing_again_follows_the_maps() {
    let recorder = DebuggingRecorder::new();
    let sync = leakless::sync::BoundedMap::<u64, u64>::builder()
        .capacity(1_000)
        .name("metrics-sync")
        .build();
    sync.insert(1, 1);
    metrics::with_local_recorder(&recorder, registry::publish_metrics);
    assert_eq!(
        of(&published(&recorder), "metrics-sync")["leakless_map_len"].1,
        1.0
    );
    for i in 0..100 {
        sync.insert(i, i);
    }
    metrics::with_local_recorder(&recorder, registry::publish_metrics);
    let s = of(&published(&recorder), "metrics-sync");
    assert_eq!(s["leakless_map_len"].1, 100.0);
    assert_eq!(s["leakless_map_inserts_total"].1, 100.0);
}

#[test]
fn maps_sharing_a_name_share_their_series() {
    let recorder = DebuggingRecorder::new();
    let mut a = BoundedMap::<u64, u64>::builder()
        .capacity(10)
        .name("metrics-shared")
        .build();
    let mut b = a.clone();
    a.insert(1, 1);
    b.extend([(1, 1), (2, 2)]);
    metrics::with_local_recorder(&recorder, registry::publish_metrics);
    let s = of(&published(&recorder), "metrics-shared");
    assert_eq!(s["leakless_map_len"].1, 3.0);
    assert_eq!(s["leakless_map_capacity"].1, 20.0);
}

#[test]
fn without_a_recorder_it_is_a_no_op() {
    let mut m = BoundedMap::<u64, u64>::builder()
        .capacity(10)
        .name("metrics-none")
        .build();
    m.insert(1, 1);
    registry::publish_metrics();
}
