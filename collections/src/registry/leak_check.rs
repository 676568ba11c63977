//! [`assert_no_growth`]: a leak check a test runs in one line.

use core::fmt::Write as _;
use std::collections::HashMap;

use super::{snapshot, Report, Row};

/// Runs `workload` `rounds` times and panics if a registered map grew in
/// every round after the first; otherwise returns the last round's report
/// (growth measured over that round).
///
/// The first round is a warm-up (caches fill, tables reach their working
/// size); each later round is compared with the one before it, and a map
/// whose length or bytes went up in every one of them is reported as a
/// leak. A bounded map at its plateau, or one that grew for a while and
/// then stopped, passes; choose `rounds` so that the working set is reached
/// within the first round or two. The panic message names each growing map
/// and gives its length and bytes after every round, then the last report's
/// table.
///
/// Every named map counts: [`BoundedMap`](crate::BoundedMap),
/// [`sync::BoundedMap`](crate::sync::BoundedMap) (and memo caches, which are
/// sync maps), [`WeakValueMap`](crate::WeakValueMap),
/// [`WeakKeyMap`](crate::WeakKeyMap) and [`Tracked`](crate::Tracked) std
/// collections. A map is judged only if it is alive from the end of the first
/// round to the end of the last, so maps made and dropped inside the
/// workload never alarm. A `Tracked` collection is seen as of its previous
/// access, which still shows a leak: it grows between accesses.
///
/// # Scoping
///
/// The registry is process-wide: a map another thread grows while the check
/// runs is judged too. Test harnesses run tests on several threads, so
/// either give the leak checks a test binary of their own (a file under
/// `tests/`), take one `Mutex` in every test of that binary, or use
/// [`assert_no_growth_among`] to judge only the maps your workload owns
/// (for example by a name prefix).
///
/// # Panics
///
/// If a map grew in every round after the first, and if `rounds < 2` (there
/// would be no round to judge).
///
/// *O*(`rounds` × maps) beyond the workload itself.
///
/// # Examples
///
/// ```
/// use leakless::{registry, BoundedMap};
///
/// let mut cache = BoundedMap::<u64, u64>::builder()
///     .capacity(1_000)
///     .name("doc-no-growth-cache")
///     .build();
/// let mut next = 0;
/// let report = registry::assert_no_growth_among(
///     5,
///     |row| row.name.starts_with("doc-no-growth"),
///     || {
///         for _ in 0..2_000 {
///             cache.insert(next, next); // new keys every round, but bounded
///             next += 1;
///         }
///     },
/// );
/// assert_eq!(report.get("doc-no-growth-cache").unwrap().len, 1_000);
/// ```
///
/// A map that grows every round fails the test, naming it:
///
/// ```should_panic
/// use leakless::{registry, Tracked};
/// use std::collections::HashMap;
///
/// let mut by_request = Tracked::new(HashMap::new(), "doc-no-growth-leak");
/// let mut request = 0u64;
/// registry::assert_no_growth(3, || {
///     for _ in 0..100 {
///         by_request.insert(request, "eu"); // keyed by request id: a leak
///         request += 1;
///     }
/// });
/// ```
#[track_caller]
pub fn assert_no_growth(rounds: usize, workload: impl FnMut()) -> Report {
    assert_no_growth_among(rounds, |_| true, workload)
}

/// [`assert_no_growth`], judging only the maps `only` accepts (by name,
/// kind or anything else in the [`Row`]); the report returned holds only
/// those maps too.
///
/// This is how a test scopes the check when other tests in its binary run
/// at the same time: give the maps under test a name prefix and accept
/// only that.
///
/// # Panics
///
/// As [`assert_no_growth`].
///
/// # Examples
///
/// ```
/// use leakless::{registry, BoundedMap};
///
/// let mut mine = BoundedMap::<u64, u64>::builder().capacity(10).name("among-doc-mine").build();
/// let report = registry::assert_no_growth_among(
///     3,
///     |row| row.name.starts_with("among-doc-"),
///     || {
///         mine.insert(1, 1);
///     },
/// );
/// assert!(report.rows().iter().all(|r| r.name.starts_with("among-doc-")));
/// ```
#[track_caller]
pub fn assert_no_growth_among(
    rounds: usize,
    mut only: impl FnMut(&Row) -> bool,
    mut workload: impl FnMut(),
) -> Report {
    assert!(
        rounds >= 2,
        "assert_no_growth needs at least 2 rounds (the first is a warm-up), got {rounds}"
    );
    let before = taken(&mut only);
    let mut rounds_seen: Vec<Report> = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        workload();
        rounds_seen.push(taken(&mut only));
    }
    let (last, previous) = (&rounds_seen[rounds - 1], &rounds_seen[rounds - 2]);
    let report = last.diff(previous);

    // Figures by map id, one per round; `None` where the map was not alive.
    let figures = |id: u64, r: &Report| {
        r.rows
            .iter()
            .find(|row| row.id == id)
            .map(|row| (row.len, row.bytes))
    };
    let by_id: Vec<HashMap<u64, (usize, usize)>> = rounds_seen
        .iter()
        .map(|r| {
            r.rows
                .iter()
                .map(|row| (row.id, (row.len, row.bytes)))
                .collect()
        })
        .collect();
    let growing: Vec<&Row> = report
        .rows
        .iter()
        .filter(|row| {
            let series: Option<Vec<(usize, usize)>> =
                by_id.iter().map(|m| m.get(&row.id).copied()).collect();
            series.is_some_and(|s| s.windows(2).all(|w| w[1].0 > w[0].0 || w[1].1 > w[0].1))
        })
        .collect();
    if growing.is_empty() {
        return report;
    }

    let mut msg = format!(
        "assert_no_growth: {} grew in every one of rounds 2 to {rounds}: ",
        if growing.len() == 1 { "a map" } else { "maps" }
    );
    let names: Vec<String> = growing
        .iter()
        .map(|r| format!("`{}` ({})", r.name, r.kind))
        .collect();
    msg += &names.join(", ");
    msg += "\n\nlen / bytes after each round:\n";
    for row in &growing {
        let _ = write!(msg, "  {}:", row.name);
        if let Some((len, bytes)) = figures(row.id, &before) {
            let _ = write!(msg, " before {len} / {bytes},");
        }
        for (i, r) in rounds_seen.iter().enumerate() {
            if let Some((len, bytes)) = figures(row.id, r) {
                let sep = if i + 1 == rounds { "" } else { "," };
                let _ = write!(msg, " round {} {len} / {bytes}{sep}", i + 1);
            }
        }
        msg.push('\n');
    }
    let _ = write!(msg, "\nthe last round's report:\n{report}");
    panic!("{msg}");
}

/// A snapshot of the maps `only` accepts.
fn taken(only: &mut impl FnMut(&Row) -> bool) -> Report {
    let mut report = snapshot();
    report.rows.retain(|r| only(r));
    report
}
