//! The `serde` feature: reports, rows, stats and evictions as JSON.
//! Runs with `cargo test --features serde`.
#![cfg(feature = "serde")]

use leakless::{registry, BoundedMap, Evictions, Stats};

#[test]
fn stats_round_trip_through_json() {
    let mut m = BoundedMap::<u64, u64>::new(2);
    for i in 0..5 {
        m.insert(i, i);
    }
    let _ = m.get(&4);
    let _ = m.get(&0);
    let stats = m.stats();
    let json = serde_json::to_value(stats).unwrap();
    assert_eq!(json["hits"], 1);
    assert_eq!(json["misses"], 1);
    assert_eq!(json["inserts"], 5);
    assert_eq!(json["len"], 2);
    assert_eq!(json["capacity"], 2);
    assert_eq!(json["evictions"]["size"], 3);
    let back: Stats = serde_json::from_value(json).unwrap();
    assert_eq!(back, stats);
    let e: Evictions =
        serde_json::from_str(r#"{"size":1,"expired":2,"collected":3,"replaced":4,"explicit":5}"#)
            .unwrap();
    assert_eq!(e.total(), 15);
}

#[test]
fn a_report_serializes_its_rows() {
    let mut m = BoundedMap::<u64, u64>::builder()
        .capacity(100)
        .name("serde-report")
        .build();
    let before = registry::snapshot();
    m.extend((0..40).map(|i| (i, i)));
    let report = registry::snapshot().diff(&before);
    let json = serde_json::to_value(&report).unwrap();
    let rows = json["rows"].as_array().unwrap();
    let row = rows
        .iter()
        .find(|r| r["name"] == "serde-report")
        .expect("the map is in the report");
    assert_eq!(row["kind"], "BoundedMap");
    assert_eq!(row["len"], 40);
    assert_eq!(row["capacity"], 100);
    assert_eq!(row["inserts"], 40);
    assert_eq!(row["len_growth"], 40);
    assert_eq!(row["evictions"]["size"], 0);
    assert!(row["bytes"].as_u64().unwrap() > 0);
    assert!(row.get("id").is_none(), "the registry's id stays private");
    let one = serde_json::to_string(report.get("serde-report").unwrap()).unwrap();
    assert!(one.starts_with("{\"name\":\"serde-report\",\"kind\":\"BoundedMap\""));
}
