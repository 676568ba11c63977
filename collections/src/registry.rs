//! "Which map is growing?": every map given a name (`.name("..")` on a
//! builder, `name = ".."` in the macros) shows up here, with its size,
//! bytes, evictions and growth since the last report.
//!
//! A named map publishes its counters into a probe it shares with the
//! registry; the registry holds only a `Weak` to it, so a dropped map leaves
//! the registry by itself and the registry cannot keep anything alive.
//! Unnamed maps pay one branch per call and publish nothing.
//!
//! Publishing is a handful of relaxed stores at the end of a mutating call
//! (two, the use counts, after a `get_or_insert_with` hit; per shard, in
//! cache lines of their own, for the sync map), so a report
//! sees each map as of its last write: reads since then (hits, misses) show
//! up after the next one.
//!
//! # Examples
//!
//! ```
//! use leakless::{registry, BoundedMap};
//!
//! let mut sessions = BoundedMap::<u64, u64>::builder()
//!     .capacity(1_000)
//!     .name("registry-doc-sessions")
//!     .build();
//! for i in 0..100 {
//!     sessions.insert(i, i);
//! }
//! let report = registry::report();
//! let row = report.get("registry-doc-sessions").unwrap();
//! assert_eq!((row.len, row.capacity), (100, 1_000));
//! println!("{report}"); // a table, the fastest-growing map first
//! drop(sessions);
//! assert!(registry::report().get("registry-doc-sessions").is_none());
//! ```

use core::fmt;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use crate::{Evictions, Stats};

mod history;
mod leak_check;
#[cfg(feature = "metrics")]
mod metrics;

pub use history::History;
pub use leak_check::{assert_no_growth, assert_no_growth_among};
#[cfg(feature = "metrics")]
pub use metrics::publish_metrics;

/// One shard's published counters, in a cache line pair of its own so that
/// shards of a sync map never write to each other's lines.
#[repr(align(128))]
#[derive(Default)]
struct Cells {
    len: AtomicU64,
    capacity: AtomicU64,
    bytes: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
    inserts: AtomicU64,
    updates: AtomicU64,
    evictions: [AtomicU64; 5],
}

/// What a named map shares with the registry: its name, its kind and the
/// counters it last published, per shard.
pub(crate) struct Probe {
    id: u64,
    name: Arc<str>,
    kind: &'static str,
    shards: Box<[Cells]>,
    /// Set when the map is dropped: a report running at that moment may
    /// still hold the probe, and must not show a map that is gone.
    dropped: AtomicBool,
}

impl Probe {
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Publishes shard `shard`'s counters: relaxed stores, no read-modify-
    /// write, because each shard has one writer at a time.
    #[inline]
    pub(crate) fn publish(&self, shard: usize, stats: &Stats) {
        let Some(c) = self.shards.get(shard) else {
            return;
        };
        c.len.store(stats.len as u64, Relaxed);
        c.capacity.store(stats.capacity as u64, Relaxed);
        c.bytes.store(stats.bytes as u64, Relaxed);
        c.hits.store(stats.hits, Relaxed);
        c.misses.store(stats.misses, Relaxed);
        c.inserts.store(stats.inserts, Relaxed);
        c.updates.store(stats.updates, Relaxed);
        let e = &stats.evictions;
        for (cell, n) in
            c.evictions
                .iter()
                .zip([e.size, e.expired, e.collected, e.replaced, e.explicit])
        {
            cell.store(n, Relaxed);
        }
    }

    /// Publishes shard `shard`'s hit and miss counts alone: all that a
    /// hit, and the `&self` lookups before it, change.
    #[inline]
    pub(crate) fn publish_uses(&self, shard: usize, hits: u64, misses: u64) {
        if let Some(c) = self.shards.get(shard) {
            c.hits.store(hits, Relaxed);
            c.misses.store(misses, Relaxed);
        }
    }

    /// The shards' counters added up into one row.
    fn row(&self) -> Row {
        let mut row = Row {
            name: Arc::clone(&self.name),
            kind: self.kind,
            len: 0,
            capacity: 0,
            bytes: 0,
            hits: 0,
            misses: 0,
            inserts: 0,
            updates: 0,
            evictions: Evictions::default(),
            len_growth: 0,
            bytes_growth: 0,
            id: self.id,
        };
        for c in self.shards.iter() {
            row.len += c.len.load(Relaxed) as usize;
            row.capacity = row
                .capacity
                .saturating_add(c.capacity.load(Relaxed) as usize);
            row.bytes += c.bytes.load(Relaxed) as usize;
            row.hits += c.hits.load(Relaxed);
            row.misses += c.misses.load(Relaxed);
            row.inserts += c.inserts.load(Relaxed);
            row.updates += c.updates.load(Relaxed);
            let e = &mut row.evictions;
            for (total, cell) in [
                &mut e.size,
                &mut e.expired,
                &mut e.collected,
                &mut e.replaced,
                &mut e.explicit,
            ]
            .into_iter()
            .zip(&c.evictions)
            {
                *total += cell.load(Relaxed);
            }
        }
        row
    }
}

impl fmt::Debug for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Probe")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A map's link to the registry: none for an unnamed map, else the probe
/// it publishes to and as which shard. A clone of a map is a second map, so
/// cloning registers anew under the same name.
#[derive(Default)]
pub(crate) struct Registration(Option<(Arc<Probe>, usize)>);

impl Registration {
    pub(crate) fn new(probe: Arc<Probe>, shard: usize) -> Self {
        Registration(Some((probe, shard)))
    }

    pub(crate) fn name(&self) -> Option<&str> {
        self.0.as_ref().map(|(p, _)| p.name())
    }

    /// Whether the map is named (publishes to the registry).
    #[inline]
    pub(crate) fn is_named(&self) -> bool {
        self.0.is_some()
    }

    /// Publishes what `stats` says, if the map is named; one branch if not.
    #[inline]
    pub(crate) fn publish(&self, stats: impl FnOnce() -> Stats) {
        if let Some((probe, shard)) = &self.0 {
            probe.publish(*shard, &stats());
        }
    }

    /// Publishes the hit and miss counts alone, if the map is named: after
    /// a call that changed nothing else.
    #[inline]
    pub(crate) fn publish_uses(&self, hits: u64, misses: u64) {
        if let Some((probe, shard)) = &self.0 {
            probe.publish_uses(*shard, hits, misses);
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some((probe, _)) = &self.0 {
            probe.dropped.store(true, Relaxed);
        }
    }
}

impl Clone for Registration {
    fn clone(&self) -> Self {
        Registration(
            self.0
                .as_ref()
                .map(|(p, _)| (register(Arc::clone(&p.name), p.kind, 1), 0)),
        )
    }
}

/// The registry: weak references to every named map's probe, and what the
/// last [`report`] saw of each, for growth.
struct Registry {
    probes: Vec<Weak<Probe>>,
    next_id: u64,
    /// Live probes at the last prune: the list is pruned again when it has
    /// doubled, so registering is amortized *O*(1) and dead entries never
    /// outnumber live ones by more than that.
    pruned_len: usize,
    last_report: Option<HashMap<u64, (usize, usize)>>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    probes: Vec::new(),
    next_id: 0,
    pruned_len: 0,
    last_report: None,
});

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    // Every update below leaves the registry valid, so a panic elsewhere
    // while it was held poisons nothing that matters.
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Registers a map named `name` of `kind`, made of `shards` shards.
pub(crate) fn register(name: Arc<str>, kind: &'static str, shards: usize) -> Arc<Probe> {
    let mut reg = registry();
    let probe = Arc::new(Probe {
        id: reg.next_id,
        name,
        kind,
        shards: (0..shards.max(1)).map(|_| Cells::default()).collect(),
        dropped: AtomicBool::new(false),
    });
    reg.next_id += 1;
    reg.probes.push(Arc::downgrade(&probe));
    if reg.probes.len() >= 2 * reg.pruned_len.max(32) {
        reg.probes.retain(|p| p.strong_count() > 0);
        reg.pruned_len = reg.probes.len();
    }
    probe
}

/// One named map in a [`Report`].
///
/// With the `serde` feature it serializes as an object of its public
/// fields (it does not deserialize: `kind` names a type of this process).
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Row {
    /// The name the map was given (names need not be unique).
    pub name: Arc<str>,
    /// What kind of map: `"BoundedMap"`, `"sync::BoundedMap"`,
    /// `"WeakValueMap"`, `"WeakKeyMap"`, or the std type a
    /// [`Tracked`](crate::Tracked) map wraps.
    pub kind: &'static str,
    /// Entries stored, as of the map's last write.
    pub len: usize,
    /// The count bound (`usize::MAX` for none).
    pub capacity: usize,
    /// Bytes the map itself has allocated (see [`Stats::bytes`]).
    pub bytes: usize,
    /// Lookups that found a live entry.
    pub hits: u64,
    /// Lookups that found nothing.
    pub misses: u64,
    /// Writes that added a key.
    pub inserts: u64,
    /// Writes that replaced a value.
    pub updates: u64,
    /// Evictions by cause.
    pub evictions: Evictions,
    /// Change in `len` since the previous report (or the older report given
    /// to [`Report::diff`]); a map new since then counts from 0.
    pub len_growth: i64,
    /// Change in `bytes`, likewise.
    pub bytes_growth: i64,
    #[cfg_attr(feature = "serde", serde(skip))]
    id: u64,
}

/// Every live named map, the fastest-growing first. `Display` prints a
/// table; with the `serde` feature it serializes as `{"rows": [..]}`.
///
/// # Examples
///
/// ```
/// use leakless::{registry, BoundedMap};
///
/// let mut small = BoundedMap::<u64, u64>::builder().capacity(10).name("report-doc-small").build();
/// let mut big = BoundedMap::<u64, u64>::builder().capacity(10_000).name("report-doc-big").build();
/// let before = registry::snapshot();
/// for i in 0..5_000 {
///     small.insert(i, i);
///     big.insert(i, i);
/// }
/// let growth = registry::snapshot().diff(&before);
/// let names: Vec<&str> = growth.rows().iter().map(|r| &*r.name).collect();
/// let big_at = names.iter().position(|n| *n == "report-doc-big").unwrap();
/// let small_at = names.iter().position(|n| *n == "report-doc-small").unwrap();
/// assert!(big_at < small_at, "the map that grew more comes first");
/// ```
#[derive(Clone, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Report {
    rows: Vec<Row>,
}

impl Report {
    /// The rows, the fastest-growing map first (by bytes, then entries).
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The first row for a map named `name`.
    pub fn get(&self, name: &str) -> Option<&Row> {
        self.rows.iter().find(|r| &*r.name == name)
    }

    /// This report with growth measured from `old` instead: a map in both
    /// grew by the difference, a map new since `old` by all it has. Sorted
    /// again, fastest-growing first; take the first N rows for the top N.
    ///
    /// *O*(n) in the rows of both reports.
    pub fn diff(&self, old: &Report) -> Report {
        let before: HashMap<u64, &Row> = old.rows.iter().map(|r| (r.id, r)).collect();
        let rows = self
            .rows
            .iter()
            .map(|r| {
                let (len0, bytes0) = before.get(&r.id).map_or((0, 0), |o| (o.len, o.bytes));
                Row {
                    len_growth: r.len as i64 - len0 as i64,
                    bytes_growth: r.bytes as i64 - bytes0 as i64,
                    ..r.clone()
                }
            })
            .collect();
        sorted(rows)
    }

    /// Only the first `n` rows.
    pub fn top(mut self, n: usize) -> Report {
        self.rows.truncate(n);
        self
    }
}

fn sorted(mut rows: Vec<Row>) -> Report {
    rows.sort_by(|a, b| {
        (b.bytes_growth, b.len_growth, b.bytes)
            .cmp(&(a.bytes_growth, a.len_growth, a.bytes))
            .then_with(|| a.name.cmp(&b.name))
    });
    Report { rows }
}

/// Every live named map now, growth measured since the previous `report()`
/// (a map first seen counts from 0), fastest-growing first. The next
/// report measures from this one.
///
/// *O*(n log n) in the named maps; no map is locked or touched, only read
/// from what it published.
///
/// # Examples
///
/// ```
/// use leakless::{registry, BoundedMap};
///
/// let mut m = BoundedMap::<u64, u64>::builder().capacity(100).name("doc-report").build();
/// m.insert(1, 1);
/// assert!(registry::report().get("doc-report").is_some());
/// ```
pub fn report() -> Report {
    let rows = live_rows();
    let mut reg = registry();
    let rows = rows
        .into_iter()
        .map(|mut r| {
            let (len0, bytes0) = reg
                .last_report
                .as_ref()
                .and_then(|last| last.get(&r.id).copied())
                .unwrap_or((0, 0));
            r.len_growth = r.len as i64 - len0 as i64;
            r.bytes_growth = r.bytes as i64 - bytes0 as i64;
            r
        })
        .collect::<Vec<_>>();
    reg.last_report = Some(rows.iter().map(|r| (r.id, (r.len, r.bytes))).collect());
    sorted(rows)
}

/// Every live named map now, without touching what [`report`] measures
/// growth from; compare two with [`Report::diff`]. Growth fields are 0.
///
/// # Examples
///
/// ```
/// use leakless::{registry, BoundedMap};
///
/// let mut m = BoundedMap::<u64, u64>::builder().capacity(100).name("doc-snapshot").build();
/// let before = registry::snapshot();
/// m.insert(1, 1);
/// let after = registry::snapshot();
/// assert_eq!(after.diff(&before).get("doc-snapshot").unwrap().len_growth, 1);
/// ```
pub fn snapshot() -> Report {
    sorted(live_rows())
}

fn live_rows() -> Vec<Row> {
    let mut reg = registry();
    reg.probes.retain(|p| p.strong_count() > 0);
    reg.pruned_len = reg.probes.len();
    let probes: Vec<Arc<Probe>> = reg.probes.iter().filter_map(Weak::upgrade).collect();
    drop(reg);
    probes
        .iter()
        .filter(|p| !p.dropped.load(Relaxed))
        .map(|p| p.row())
        .collect()
}

impl fmt::Display for Report {
    /// A table: name, kind, len, capacity, bytes, growth, evictions by
    /// cause.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .rows
            .iter()
            .map(|r| r.name.len())
            .max()
            .unwrap_or(4)
            .max(4);
        writeln!(
            f,
            "{:<width$}  {:<18} {:>10} {:>10} {:>12} {:>12}  evicted (size/expired/collected/replaced/explicit)",
            "name", "kind", "len", "capacity", "bytes", "growth"
        )?;
        for r in &self.rows {
            let capacity = if r.capacity == usize::MAX {
                "-".to_string()
            } else {
                r.capacity.to_string()
            };
            let e = &r.evictions;
            writeln!(
                f,
                "{:<width$}  {:<18} {:>10} {:>10} {:>12} {:>+12}  {}/{}/{}/{}/{}",
                r.name,
                r.kind,
                r.len,
                capacity,
                r.bytes,
                r.bytes_growth,
                e.size,
                e.expired,
                e.collected,
                e.replaced,
                e.explicit
            )?;
        }
        Ok(())
    }
}
