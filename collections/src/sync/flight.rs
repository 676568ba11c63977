//! Single-flight loading: when several callers ask for the same absent key,
//! one (the leader) runs its initializer with no lock held and the others
//! wait for its value. The per-key bookkeeping lives in the key's shard
//! (`Shard::flights`); a `Flight` is made only once a second caller has to
//! wait.

use core::convert::Infallible;
use core::hash::{BuildHasher, Hash};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, ThreadId};

use super::BoundedMap;

/// A key being initialized: by which thread, and the flight its waiters
/// wait on (made by the first waiter).
pub(super) struct InFlight<V> {
    leader: ThreadId,
    flight: Option<Arc<Flight<V>>>,
}

/// A `get_or_insert_with` initialization that others wait for: how it
/// ended.
struct Flight<V> {
    state: Mutex<FlightState<V>>,
    ended: Condvar,
}

impl<V> Flight<V> {
    fn end(&self, state: FlightState<V>) {
        *lock(&self.state) = state;
        self.ended.notify_all();
    }
}

enum FlightState<V> {
    Running,
    Done(V),
    /// The initializer panicked or failed: a waiter retries.
    Failed,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A flight's state is a plain value: a panic cannot leave it half made.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<K, V, S> BoundedMap<K, V, S>
where
    K: Hash + Eq + Clone,
    V: Clone,
    S: BuildHasher,
{
    /// The value of `key`, inserting `make()` first if it is absent; either
    /// way a use. Single-flight: when several threads ask for the same
    /// absent key at once, one runs `make` (with no lock held) and the
    /// others wait for its value. If `make` panics, the waiters wake and one
    /// of them runs its own `make`.
    ///
    /// # Panics
    ///
    /// If `make` panics (after waking the waiters), and if `make` itself
    /// calls this for the same key on the same map: that would wait for
    /// itself forever, so it panics instead, saying so.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = leakless::sync::BoundedMap::new(10);
    /// assert_eq!(m.get_or_insert_with(1, || "computed"), "computed");
    /// assert_eq!(m.get_or_insert_with(1, || unreachable!()), "computed");
    /// ```
    pub fn get_or_insert_with(&self, key: K, make: impl FnOnce() -> V) -> V {
        match self.try_get_or_insert_with(key, || Ok::<V, Infallible>(make())) {
            Ok(v) => v,
            Err(never) => match never {},
        }
    }

    /// [`get_or_insert_with`](Self::get_or_insert_with) with a fallible
    /// `make`: an error is returned to this caller, stores nothing, and
    /// lets a waiting caller try its own `make`.
    ///
    /// # Examples
    ///
    /// ```
    /// let m: leakless::sync::BoundedMap<u8, u8> = leakless::sync::BoundedMap::new(10);
    /// assert_eq!(m.try_get_or_insert_with(1, || Err("offline")), Err("offline"));
    /// assert_eq!(m.try_get_or_insert_with(1, || Ok::<_, &str>(7)), Ok(7));
    /// ```
    pub fn try_get_or_insert_with<E>(
        &self,
        key: K,
        make: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        // A hit needs only the read lock (not with a TTI: see
        // `exclusive_reads`); a miss is counted by the locked lookup below.
        if !self.exclusive_reads {
            if let Some(v) = self.read_with(&key, false, V::clone) {
                return Ok(v);
            }
        }
        let mut make = Some(make);
        loop {
            enum Role<V> {
                Leader,
                Waiter(Arc<Flight<V>>),
                Reentrant,
            }
            let shard = self.shard_of(&key);
            let role = {
                let mut guard = shard.write();
                if let Some(v) = guard.map.get(&key) {
                    return Ok(v.clone());
                }
                // Only a miss needs to know who is asking.
                let me = thread::current().id();
                match guard.flights.get_mut(&key) {
                    Some(in_flight) if in_flight.leader == me => Role::Reentrant,
                    // Someone else is initializing: wait on its flight,
                    // making it if we are the first to wait.
                    Some(in_flight) => {
                        Role::Waiter(Arc::clone(in_flight.flight.get_or_insert_with(|| {
                            Arc::new(Flight {
                                state: Mutex::new(FlightState::Running),
                                ended: Condvar::new(),
                            })
                        })))
                    }
                    None => {
                        let in_flight = InFlight {
                            leader: me,
                            flight: None,
                        };
                        guard.flights.insert(key.clone(), in_flight);
                        Role::Leader
                    }
                }
            };
            match role {
                Role::Reentrant => panic!(
                    "leakless::sync::BoundedMap::get_or_insert_with called again for the same key \
                     from inside its own initializer: it would wait for itself"
                ),
                Role::Waiter(flight) => {
                    let mut state = lock(&flight.state);
                    loop {
                        match &*state {
                            FlightState::Running => {
                                state = flight
                                    .ended
                                    .wait(state)
                                    .unwrap_or_else(PoisonError::into_inner);
                            }
                            FlightState::Done(v) => return Ok(v.clone()),
                            FlightState::Failed => break,
                        }
                    }
                }
                Role::Leader => {
                    let mut landing = Landing {
                        map: self,
                        key: &key,
                        done: false,
                    };
                    let Some(make) = make.take() else {
                        unreachable!("a caller leads at most once: it returns either way")
                    };
                    let value = make()?;
                    landing.complete(value.clone());
                    return Ok(value);
                }
            }
        }
    }
}

/// The leader's side of a flight: stores the value and wakes the waiters,
/// or, if dropped unfinished (the initializer panicked or failed), wakes
/// them to retry.
struct Landing<'a, K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    map: &'a BoundedMap<K, V, S>,
    key: &'a K,
    done: bool,
}

impl<K, V, S> Landing<'_, K, V, S>
where
    K: Hash + Eq + Clone,
    V: Clone,
    S: BuildHasher,
{
    fn complete(&mut self, value: V) {
        let key = self.key.clone();
        let stored = value.clone();
        // A plain `insert` of this key may have landed while `make` ran: the
        // value it wrote is replaced, and dropped here, after the lock.
        let (replaced, flight) = self.map.with_shard(self.key, |s| {
            let replaced = s.map.insert(key, stored);
            (replaced, s.flights.remove(self.key).and_then(|f| f.flight))
        });
        drop(replaced);
        self.done = true;
        if let Some(flight) = flight {
            flight.end(FlightState::Done(value));
        }
    }
}

impl<K, V, S> Drop for Landing<'_, K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let in_flight = self.map.shard_of(self.key).write().flights.remove(self.key);
        if let Some(flight) = in_flight.and_then(|f| f.flight) {
            flight.end(FlightState::Failed);
        }
    }
}
