//! [`publish_metrics`]: every named map through the `metrics` facade.

use std::collections::HashMap;
use std::sync::Arc;

use super::{live_rows, Row};

/// Publishes every live named map to the installed `metrics` recorder, each
/// series labelled `map` = the map's name:
///
/// | metric | kind | what |
/// |---|---|---|
/// | `leakless_map_len` | gauge | entries stored |
/// | `leakless_map_capacity` | gauge | the count bound (`+Inf` for none) |
/// | `leakless_map_bytes` | gauge | bytes the map itself has allocated |
/// | `leakless_map_hits_total`, `leakless_map_misses_total` | counter | lookups that found a live entry, or nothing |
/// | `leakless_map_inserts_total` | counter | writes that added a key |
/// | `leakless_map_evictions_size_total`, `_expired_total`, `_collected_total`, `_replaced_total`, `_explicit_total` | counter | evictions by [`EvictionCause`](crate::EvictionCause) |
///
/// Maps that share a name share their series (their figures are added up),
/// so dropping one of them can show as a counter reset. A dropped map's
/// series keep their last values in the recorder; how long the recorder
/// keeps a series nobody updates is its own setting (the Prometheus
/// exporter's idle timeout, for one).
///
/// Call it at an interval, or just before a scrape. It reads what the maps
/// published (no map is locked) and makes 11 recorder calls per name, with
/// no allocation per call beyond what the recorder does: *O*(n) in the named
/// maps.
///
/// # Examples
///
/// ```
/// use leakless::{registry, BoundedMap};
///
/// let mut m = BoundedMap::<u64, u64>::builder().capacity(10).name("metrics-doc").build();
/// m.insert(1, 1);
/// registry::publish_metrics(); // without a recorder installed, a no-op
/// ```
pub fn publish_metrics() {
    let rows = live_rows();
    let mut by_name: HashMap<Arc<str>, Row> = HashMap::with_capacity(rows.len());
    for row in rows {
        match by_name.get_mut(&row.name) {
            Some(sum) => add(sum, &row),
            None => {
                by_name.insert(Arc::clone(&row.name), row);
            }
        }
    }
    for (name, r) in by_name {
        let capacity = if r.capacity == usize::MAX {
            f64::INFINITY
        } else {
            r.capacity as f64
        };
        let label = |n: &Arc<str>| [("map", Arc::clone(n))];
        let gauge = |key: &'static str, v: f64| {
            metrics::gauge!(key, &label(&name)).set(v);
        };
        gauge("leakless_map_len", r.len as f64);
        gauge("leakless_map_capacity", capacity);
        gauge("leakless_map_bytes", r.bytes as f64);
        let e = &r.evictions;
        for (key, value) in [
            ("leakless_map_hits_total", r.hits),
            ("leakless_map_misses_total", r.misses),
            ("leakless_map_inserts_total", r.inserts),
            ("leakless_map_evictions_size_total", e.size),
            ("leakless_map_evictions_expired_total", e.expired),
            ("leakless_map_evictions_collected_total", e.collected),
            ("leakless_map_evictions_replaced_total", e.replaced),
            ("leakless_map_evictions_explicit_total", e.explicit),
        ] {
            metrics::counter!(key, &label(&name)).absolute(value);
        }
    }
}

/// `row`'s figures added into `sum` (two maps under one name).
fn add(sum: &mut Row, row: &Row) {
    sum.len += row.len;
    sum.capacity = sum.capacity.saturating_add(row.capacity);
    sum.bytes += row.bytes;
    sum.hits += row.hits;
    sum.misses += row.misses;
    sum.inserts += row.inserts;
    sum.updates += row.updates;
    let (s, e) = (&mut sum.evictions, &row.evictions);
    s.size += e.size;
    s.expired += e.expired;
    s.collected += e.collected;
    s.replaced += e.replaced;
    s.explicit += e.explicit;
}
