//! The one drop-counting value type of the tests (not to be confused with
//! `leakless::Tracked`, the registry's wrapper of a plain map).

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

/// The values of one ledger that are alive: each is entered when made and
/// struck off when dropped, so a second drop of the same value is caught
/// at once and a leak shows as an entry left at the end. Shared by `Arc`,
/// so values may be dropped on any thread.
#[derive(Default)]
pub struct Ledger {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    made: u64,
    live: HashSet<u64>,
}

impl Ledger {
    pub fn new() -> Arc<Ledger> {
        Arc::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A failed assertion elsewhere must not hide the count behind a
        // poisoned lock.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new value entered in this ledger.
    pub fn make<T>(self: &Arc<Self>, value: T) -> DropCounted<T> {
        let id = {
            let mut state = self.state();
            state.made += 1;
            let id = state.made;
            state.live.insert(id);
            id
        };
        DropCounted {
            value,
            id,
            ledger: Arc::clone(self),
        }
    }

    /// Values made and not yet dropped.
    pub fn live(&self) -> usize {
        self.state().live.len()
    }

    /// Panics unless every value made was dropped (exactly once: a second
    /// drop already panicked); then forgets them, ready for the next case.
    pub fn assert_all_dropped_once(&self) {
        let mut leaked: Vec<u64> = std::mem::take(&mut self.state().live).into_iter().collect();
        leaked.sort_unstable();
        assert!(
            leaked.is_empty(),
            "values never dropped (leaked): {leaked:?}"
        );
    }
}

thread_local! {
    static THREAD: Arc<Ledger> = Ledger::new();
}

/// A value entered in a [`Ledger`] (this thread's, for [`DropCounted::new`])
/// that strikes itself off when dropped. `Debug` and `PartialEq` see only
/// the `value`; a clone is a new value with the same `value`.
pub struct DropCounted<T = ()> {
    pub value: T,
    id: u64,
    ledger: Arc<Ledger>,
}

impl<T> DropCounted<T> {
    /// A value in this thread's ledger.
    pub fn new(value: T) -> Self {
        THREAD.with(|l| l.make(value))
    }

    /// Which value this is: unique within its ledger.
    pub fn id(&self) -> u64 {
        self.id
    }
}

impl DropCounted {
    /// A `()` value in this thread's ledger (for `or_insert_with` and the like).
    pub fn unit() -> Self {
        DropCounted::new(())
    }
}

impl<T> Drop for DropCounted<T> {
    fn drop(&mut self) {
        let fresh = self.ledger.state().live.remove(&self.id);
        assert!(fresh, "value {} dropped twice", self.id);
    }
}

impl<T: Clone> Clone for DropCounted<T> {
    fn clone(&self) -> Self {
        self.ledger.make(self.value.clone())
    }
}

impl<T: fmt::Debug> fmt::Debug for DropCounted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T: PartialEq> PartialEq for DropCounted<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for DropCounted<T> {}

/// Panics unless every value made on this thread's ledger was dropped
/// exactly once; then forgets them.
pub fn assert_all_dropped_once() {
    THREAD.with(|l| l.assert_all_dropped_once());
}

/// Values made on this thread's ledger and not yet dropped.
pub fn live_counted() -> usize {
    THREAD.with(|l| l.live())
}
