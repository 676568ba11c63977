//! Single-flight: when several callers ask for the same absent key, one (the
//! leader) runs its loader with no lock held and the others wait for its
//! value, blocking on a `Condvar` or as a future that registered its
//! `Waker`, both on the same [`Flight`]. The per-key bookkeeping
//! ([`Flights`]) lives in the key's shard, filed under the hash the shard
//! was chosen by; a `Flight` is allocated only once a second caller has to
//! wait.
//!
//! The leader holds a [`Landing`]: finishing it stores the value and hands
//! it to the waiters; dropping it unfinished (the loader failed or panicked,
//! or an async leader's future was dropped mid-load) wakes them to try
//! again, and one of them leads with its own loader. No waiter can be left
//! waiting on a leader that is gone.

use core::cell::{Cell, RefCell};
use core::future::Future;
use core::hash::{BuildHasher, Hash};
use core::pin::Pin;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use core::task::{Context, Poll, Waker};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use super::BoundedMap;

/// The keys of one shard being loaded, each with its [`InFlight`]: a
/// `HashTable` filed by the hash the caller already has (the map's, which
/// also chose the shard), so no operation hashes a key again.
pub(super) struct Flights<K, V> {
    table: hashbrown::HashTable<InFlight<K, V>>,
}

/// A table of more buckets than this is given back when it empties: a
/// burst of concurrent loads does not keep its table for the map's
/// lifetime, and one load at a time does not allocate each time.
const KEEP_SLOTS: usize = 64;

impl<K: Eq, V> Flights<K, V> {
    pub(super) fn new() -> Self {
        Flights {
            table: hashbrown::HashTable::new(),
        }
    }

    /// `key`'s flight, if it is being loaded. *O*(1).
    #[inline]
    pub(super) fn get_mut(&mut self, hash: u64, key: &K) -> Option<&mut InFlight<K, V>> {
        self.table.find_mut(hash, |f| f.key == *key)
    }

    /// Whether `key` is being loaded. *O*(1).
    pub(super) fn contains(&self, hash: u64, key: &K) -> bool {
        self.table.find(hash, |f| f.key == *key).is_some()
    }

    /// Files run `id` as `key`'s loader; the key has no flight (the caller
    /// looked under the same lock). *O*(1) amortized.
    #[inline]
    pub(super) fn start(&mut self, hash: u64, key: K, id: FlightId) {
        self.table.insert_unique(
            hash,
            InFlight {
                hash,
                key,
                id,
                flight: None,
            },
            |f| f.hash,
        );
    }

    /// Removes `key`'s flight if it is still run `id`'s, returning its
    /// waiters' side (`None` also when no caller waited). *O*(1).
    #[inline]
    pub(super) fn take(&mut self, hash: u64, key: &K, id: FlightId) -> Option<Arc<Flight<V>>> {
        let entry = self.table.find_entry(hash, |f| f.key == *key).ok()?;
        if entry.get().id != id {
            return None;
        }
        let (ended, _) = entry.remove();
        // Buckets, not `capacity`: removals leave tombstones that lower the
        // capacity of a table that still holds its buckets.
        if self.table.is_empty() && self.table.num_buckets() > KEEP_SLOTS {
            self.table = hashbrown::HashTable::new();
        }
        ended.flight
    }

    /// Heap bytes of the table.
    pub(super) fn allocation_size(&self) -> usize {
        self.table.allocation_size()
    }
}

/// A key being loaded: which run leads it, and the flight its waiters wait
/// on (made by the first waiter).
pub(super) struct InFlight<K, V> {
    hash: u64,
    key: K,
    pub(super) id: FlightId,
    flight: Option<Arc<Flight<V>>>,
}

impl<K, V> InFlight<K, V> {
    /// The flight to wait on, made if this is its first waiter.
    pub(super) fn join(&mut self) -> Arc<Flight<V>> {
        Arc::clone(self.flight.get_or_insert_with(|| {
            Arc::new(Flight {
                state: Mutex::new(State {
                    outcome: Outcome::Running,
                    wakers: Vec::new(),
                    free: Vec::new(),
                }),
                ended: Condvar::new(),
            })
        }))
    }
}

/// A load that others wait for.
pub(super) struct Flight<V> {
    state: Mutex<State<V>>,
    /// Wakes the blocking waiters; async ones are woken through `wakers`.
    ended: Condvar,
}

struct State<V> {
    outcome: Outcome<V>,
    /// Async waiters' wakers, by the slot each waiter was given; a waiter
    /// dropped before the end clears its slot for the next to reuse.
    wakers: Vec<Option<Waker>>,
    free: Vec<usize>,
}

enum Outcome<V> {
    Running,
    Done(V),
    /// The leader failed, panicked or was dropped: every waiter tries again.
    Abandoned,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A flight's state is plain data, changed in single assignments: a
    // panic elsewhere cannot leave it half made.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<V: Clone> Flight<V> {
    /// Ends the flight: every waiter, blocking or async, wakes.
    fn end(&self, outcome: Outcome<V>) {
        let wakers = {
            let mut state = lock(&self.state);
            state.outcome = outcome;
            state.free.clear();
            core::mem::take(&mut state.wakers)
        };
        self.ended.notify_all();
        // Wakers run executor code: outside the flight's lock.
        for waker in wakers.into_iter().flatten() {
            waker.wake();
        }
    }

    /// Blocks until the flight ends: its value, or `None` to try again.
    pub(super) fn wait(&self) -> Option<V> {
        let mut state = lock(&self.state);
        loop {
            match &state.outcome {
                Outcome::Running => {
                    state = self
                        .ended
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                Outcome::Done(v) => return Some(v.clone()),
                Outcome::Abandoned => return None,
            }
        }
    }
}

/// Waits for a flight without blocking: `Pending` with the task's `Waker`
/// registered, then the value, or `None` to try again.
pub(super) struct Wait<V> {
    flight: Arc<Flight<V>>,
    slot: Option<usize>,
}

impl<V> Wait<V> {
    pub(super) fn new(flight: Arc<Flight<V>>) -> Self {
        Wait { flight, slot: None }
    }
}

impl<V: Clone> Future for Wait<V> {
    type Output = Option<V>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<V>> {
        let this = &mut *self;
        let mut state = lock(&this.flight.state);
        match &state.outcome {
            Outcome::Done(v) => {
                let v = v.clone();
                this.slot = None;
                return Poll::Ready(Some(v));
            }
            Outcome::Abandoned => {
                this.slot = None;
                return Poll::Ready(None);
            }
            Outcome::Running => {}
        }
        let state = &mut *state;
        match this.slot {
            Some(i) => match &mut state.wakers[i] {
                Some(w) if w.will_wake(cx.waker()) => {}
                w => *w = Some(cx.waker().clone()),
            },
            None => {
                let waker = Some(cx.waker().clone());
                let i = match state.free.pop() {
                    Some(i) => {
                        state.wakers[i] = waker;
                        i
                    }
                    None => {
                        state.wakers.push(waker);
                        state.wakers.len() - 1
                    }
                };
                this.slot = Some(i);
            }
        }
        Poll::Pending
    }
}

impl<V> Drop for Wait<V> {
    fn drop(&mut self) {
        // A waiter that went away (a timeout, a `select!`) leaves no waker
        // behind: a long flight with many cancelled waiters stays small.
        if let Some(i) = self.slot {
            let mut state = lock(&self.flight.state);
            if let Outcome::Running = state.outcome {
                state.wakers[i] = None;
                state.free.push(i);
            }
        }
    }
}

/// Names one leader's run, so that a loader asking for its own key is
/// caught instead of waiting for itself.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct FlightId(u64);

/// Ids are handed out in blocks, so a thread takes the shared counter once
/// per block, not once per miss.
const ID_BLOCK: u64 = 1 << 20;
static NEXT_ID_BLOCK: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The next id this thread hands out, and the end of its block.
    static IDS: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
    /// The runs this thread is inside right now (a loader's call, or a
    /// leading future's poll), innermost last.
    static LEADING: RefCell<Vec<FlightId>> = const { RefCell::new(Vec::new()) };
}

impl FlightId {
    pub(super) fn next() -> Self {
        IDS.with(|ids| {
            let (mut next, mut end) = ids.get();
            if next == end {
                next = NEXT_ID_BLOCK.fetch_add(1, Relaxed) * ID_BLOCK;
                end = next + ID_BLOCK;
            }
            ids.set((next + 1, end));
            FlightId(next)
        })
    }

    /// Whether this thread is inside this run's loader: then waiting for
    /// the flight would wait for itself.
    pub(super) fn is_running_here(self) -> bool {
        LEADING.with(|l| l.borrow().contains(&self))
    }

    /// Runs `f` (a loader, or one poll of a leader's future) marked as
    /// inside this run.
    pub(super) fn enter<R>(self, f: impl FnOnce() -> R) -> R {
        struct Exit;
        impl Drop for Exit {
            fn drop(&mut self) {
                LEADING.with(|l| l.borrow_mut().pop());
            }
        }
        LEADING.with(|l| l.borrow_mut().push(self));
        let _exit = Exit;
        f()
    }
}

/// The leader's future, polled inside its run (see [`FlightId::enter`]).
pub(super) struct Leading<'a, F> {
    pub(super) id: FlightId,
    pub(super) load: Pin<&'a mut F>,
}

impl<F: Future> Future for Leading<'_, F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        this.id.enter(|| this.load.as_mut().poll(cx))
    }
}

/// The leader's side of a flight: [`finish`](Landing::finish) stores the
/// value and hands it to the waiters; dropped unfinished (the loader
/// failed or panicked, or the leading future was dropped), it wakes them
/// to try again.
pub(super) struct Landing<'a, K, V, S>
where
    K: Hash + Eq,
    V: Clone,
    S: BuildHasher,
{
    map: &'a BoundedMap<K, V, S>,
    key: &'a K,
    /// `key`'s hash, the map's.
    hash: u64,
    id: FlightId,
}

impl<'a, K, V, S> Landing<'a, K, V, S>
where
    K: Hash + Eq + Clone,
    V: Clone,
    S: BuildHasher,
{
    pub(super) fn new(map: &'a BoundedMap<K, V, S>, key: &'a K, hash: u64, id: FlightId) -> Self {
        Landing { map, key, hash, id }
    }

    /// Stores `value` (replacing whatever a plain `insert` wrote meanwhile)
    /// and hands it to the waiters.
    pub(super) fn finish(self, value: V) -> V {
        let stored = value.clone();
        let cell = self.map.shard_at(self.hash);
        let (replaced, flight) = self.map.locked(cell, |s| {
            let replaced =
                self.map
                    .insert_locked(cell, &mut s.map, self.hash, self.key.clone(), stored, None);
            (replaced, s.flights.take(self.hash, self.key, self.id))
        });
        core::mem::forget(self);
        // The replaced value is the user's: dropped here, after the lock.
        drop(replaced);
        if let Some(flight) = flight {
            flight.end(Outcome::Done(value.clone()));
        }
        value
    }
}

impl<K, V, S> Drop for Landing<'_, K, V, S>
where
    K: Hash + Eq,
    V: Clone,
    S: BuildHasher,
{
    fn drop(&mut self) {
        let flight = {
            let mut shard = self.map.shard_at(self.hash).write();
            shard.flights.take(self.hash, self.key, self.id)
        };
        if let Some(flight) = flight {
            flight.end(Outcome::Abandoned);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_knows_every_run_it_is_inside_and_leaves_each_even_by_panic() {
        let [a, b, c] = [FlightId::next(), FlightId::next(), FlightId::next()];
        assert!(!a.is_running_here());
        a.enter(|| {
            assert!(a.is_running_here() && !b.is_running_here());
            b.enter(|| {
                c.enter(|| {
                    assert!(a.is_running_here() && b.is_running_here() && c.is_running_here());
                });
                assert!(a.is_running_here() && b.is_running_here() && !c.is_running_here());
            });
            let panicked = std::panic::catch_unwind(|| b.enter(|| panic!("the loader's")));
            assert!(panicked.is_err());
            assert!(a.is_running_here() && !b.is_running_here());
            std::thread::scope(|s| {
                s.spawn(|| assert!(!a.is_running_here(), "another thread is not inside"));
            });
        });
        assert!(![a, b, c].iter().any(|id| id.is_running_here()));
    }

    #[test]
    fn a_flight_is_taken_only_by_its_own_run_and_an_emptied_big_table_is_given_back() {
        let mut flights: Flights<u64, u64> = Flights::new();
        let ids: Vec<FlightId> = (0..200).map(|_| FlightId::next()).collect();
        // Colliding hashes on purpose: the key decides, not the hash.
        for (k, &id) in ids.iter().enumerate() {
            flights.start(k as u64 % 3, k as u64, id);
        }
        let joined = flights.get_mut(1, &4).expect("filed").join();
        assert!(flights.contains(2, &5));
        assert!(flights.take(1, &4, ids[5]).is_none(), "another run's id");
        assert!(flights.contains(1, &4), "and the flight stays");
        let taken = flights.take(1, &4, ids[4]).expect("its waiters' side");
        assert!(Arc::ptr_eq(&taken, &joined));
        assert!(flights.allocation_size() > 0);
        for (k, &id) in ids.iter().enumerate() {
            let _ = flights.take(k as u64 % 3, &(k as u64), id);
        }
        assert!(!flights.contains(1, &4));
        assert_eq!(flights.allocation_size(), 0, "200 slots are not kept");
    }
}
