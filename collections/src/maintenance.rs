//! The maintenance thread: one per process, started when the first map asks
//! for background expiry (`sync::Builder::purge_expired_every`), serving
//! every such map on its own period. It holds the maps weakly, so a dropped
//! map leaves it and nothing is kept alive; it exits when no map is left
//! (the next map to enrol starts a new one).
//!
//! A map's purge runs its listener on this thread, after the shard locks
//! are released (as every sync-map call does). A listener that panics is
//! caught: that purge stops there (what it had removed is still delivered
//! or dropped, as after any panicking listener), and the thread goes on
//! serving the other maps. With the `metrics` feature, each pass also
//! refreshes `registry::publish_metrics()`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::thread;
use std::time::{Duration, Instant};

/// A map the thread can purge.
pub(crate) trait Maintained: Send + Sync {
    /// Removes every expired entry; how many.
    fn purge_expired(&self) -> usize;
}

struct Enrolled {
    map: Weak<dyn Maintained>,
    period: Duration,
    due: Instant,
}

#[derive(Default)]
struct Schedule {
    maps: Vec<Enrolled>,
    /// Whether a thread is serving `maps` (it clears this as it exits,
    /// under the lock, so an enrolment never finds a thread on its way out).
    running: bool,
}

static SCHEDULE: Mutex<Schedule> = Mutex::new(Schedule {
    maps: Vec::new(),
    running: false,
});
/// Wakes the thread when a map enrols (its period may be due sooner).
static ENROLLED: Condvar = Condvar::new();

fn schedule() -> MutexGuard<'static, Schedule> {
    // The schedule is plain data changed in single steps, and no user code
    // runs under its lock: a poisoned lock still guards a valid schedule.
    SCHEDULE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Has `map` purged every `period` (at least 1 ms) from now on, starting
/// the thread if none is running.
pub(crate) fn enroll(map: Weak<dyn Maintained>, period: Duration) {
    let period = period.max(Duration::from_millis(1));
    let mut s = schedule();
    s.maps.push(Enrolled {
        map,
        period,
        due: next_due(Instant::now(), period),
    });
    if !s.running {
        let spawned = thread::Builder::new()
            .name("leakless-maintenance".into())
            .spawn(serve);
        // Without a thread (the process is out of them) the map still
        // purges as it is used; it is enrolled for the next thread.
        s.running = spawned.is_ok();
    }
    drop(s);
    ENROLLED.notify_one();
}

/// Whether the maintenance thread is running, and how many maps it serves
/// (dropped maps leave at its next pass).
pub(crate) fn status() -> (bool, usize) {
    let s = schedule();
    (s.running, s.maps.len())
}

fn serve() {
    let mut s = schedule();
    loop {
        s.maps.retain(|m| m.map.strong_count() > 0);
        if s.maps.is_empty() {
            s.running = false;
            return;
        }
        let now = Instant::now();
        let due: Vec<_> = s
            .maps
            .iter_mut()
            .filter(|m| m.due <= now)
            .map(|m| {
                m.due = next_due(now, m.period);
                m.map.clone()
            })
            .collect();
        if due.is_empty() {
            let next = s.maps.iter().map(|m| m.due).min().unwrap_or(now);
            s = ENROLLED
                .wait_timeout(s, next.saturating_duration_since(now))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            continue;
        }
        // Purge with the schedule unlocked: maps may enrol meanwhile, and
        // listeners may build maps.
        drop(s);
        for map in due {
            if let Some(map) = map.upgrade() {
                let _ = catch_unwind(AssertUnwindSafe(|| map.purge_expired()));
            }
        }
        // Where a metrics exporter reads them, the named maps' figures
        // follow each pass (reading what the maps published; no map lock).
        #[cfg(feature = "metrics")]
        crate::registry::publish_metrics();
        s = schedule();
    }
}

/// When a map purged at `now` is next due: `period` on, or (a period so
/// long that `Instant` cannot hold it, `Duration::MAX`) a year on, which
/// comes round again a year later.
fn next_due(now: Instant, period: Duration) -> Instant {
    now.checked_add(period)
        .unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 3600))
}
