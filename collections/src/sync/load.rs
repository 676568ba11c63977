//! The loading calls: `get_or_insert_with`, its fallible twin, and their
//! async pair, all single-flight on the same per-key [`Flight`]s, so a
//! blocking caller and an async caller may wait on each other.

use core::convert::Infallible;
use core::future::Future;
use core::hash::{BuildHasher, Hash};
use std::sync::Arc;

use super::flight::{Flight, FlightId, Landing, Leading, Wait};
use super::BoundedMap;

/// What a loading caller is to do.
enum Role<V> {
    /// Return this value: present and fresh, or stale while another caller
    /// refreshes it.
    Hit(V),
    /// Run the loader: this caller leads the key's flight.
    Lead(FlightId),
    /// The entry is stale and this caller reloads it; the old value is
    /// returned if the reload fails.
    Refresh(FlightId, V),
    /// Another run is loading the key: wait for it.
    Wait(Arc<Flight<V>>),
    /// This thread is inside the key's own loader.
    Reentrant,
}

/// What the read-locked fast path found.
enum Found<V> {
    Fresh(V),
    Stale(V),
    Missing,
}

impl<K, V, S> BoundedMap<K, V, S>
where
    K: Hash + Eq + Clone,
    V: Clone,
    S: BuildHasher,
{
    /// A hit under the read lock, the common case of every loading call (not
    /// with a TTI: see `exclusive_reads`). A miss is counted by
    /// [`claim`](Self::claim), which looks again under the write lock.
    #[inline]
    fn loaded(&self, hash: u64, key: &K) -> Found<V> {
        if self.exclusive_reads {
            return Found::Missing;
        }
        let cell = self.shard_at(hash);
        let shard = cell.read();
        let Some(i) = shard.map.find_shared(hash, key, false) else {
            return Found::Missing;
        };
        cell.record_hit(&shard, i);
        let v = shard.map.value_at(i).clone();
        if shard.map.is_stale(i) {
            Found::Stale(v)
        } else {
            Found::Fresh(v)
        }
    }

    /// A fresh hit under the read lock, counted as one, or `None` (absent,
    /// stale or a TTI map) for the caller to go on to a loading call: the
    /// Redis tier's fast path, which skips building its loading future.
    #[cfg(feature = "redis")]
    #[inline]
    pub(crate) fn get_fresh(&self, key: &K) -> Option<V> {
        match self.loaded(self.hasher.hash_one(key), key) {
            Found::Fresh(v) => Some(v),
            Found::Stale(_) | Found::Missing => None,
        }
    }

    /// The role for a caller that found `key` stale under the read lock
    /// (and holds its old value): reload it, unless another caller is
    /// already loading it or it was rewritten meanwhile.
    fn claim_refresh(&self, hash: u64, key: &K, old: V) -> Role<V> {
        let mut shard = self.shard_at(hash).write();
        if shard.map.staleness(hash, key) != Some(true) || shard.flights.contains(hash, key) {
            return Role::Hit(old);
        }
        let id = FlightId::next();
        shard.flights.start(hash, key.clone(), id);
        Role::Refresh(id, old)
    }

    /// Under the write lock of `key` (of hash `hash`): its value, or the
    /// flight to lead or to wait on, or a refresh to run.
    fn claim(&self, hash: u64, key: &K) -> Role<V> {
        let mut shard = self.shard_at(hash).write();
        let present = shard
            .map
            .get_aging(hash, key)
            .map(|(v, stale)| (v.clone(), stale));
        let in_flight = shard.flights.get_mut(hash, key);
        match (present, in_flight) {
            // Stale while another caller reloads it (or this thread's own
            // loader asks for it): served as it is.
            (Some((v, false)), _) | (Some((v, true)), Some(_)) => Role::Hit(v),
            (None, Some(in_flight)) if in_flight.id.is_running_here() => Role::Reentrant,
            (None, Some(in_flight)) => Role::Wait(in_flight.join()),
            (present, None) => {
                let id = FlightId::next();
                shard.flights.start(hash, key.clone(), id);
                match present {
                    Some((old, _)) => Role::Refresh(id, old),
                    None => Role::Lead(id),
                }
            }
        }
    }

    /// The role of a loading caller: the fast path first, then the shard's
    /// write lock.
    #[inline]
    fn role(&self, hash: u64, key: &K) -> Role<V> {
        match self.loaded(hash, key) {
            Found::Fresh(v) => Role::Hit(v),
            Found::Stale(old) => self.claim_refresh(hash, key, old),
            Found::Missing => self.claim(hash, key),
        }
    }

    /// The value of `key`, inserting `make()` first if it is absent; either
    /// way a use. Single-flight: when several callers ask for the same
    /// absent key at once, one runs `make` (with no lock held) and the
    /// others wait for its value, threads here and async tasks in
    /// [`get_or_insert_async`](Self::get_or_insert_async) alike. If `make`
    /// panics, the waiters wake and one of them runs its own.
    ///
    /// This blocks the thread while another caller loads the key: in async
    /// code use [`get_or_insert_async`](Self::get_or_insert_async), which
    /// waits without blocking.
    ///
    /// *O*(1) for a hit, plus `make` for a miss.
    ///
    /// # Panics
    ///
    /// If `make` panics (after waking the waiters), and if `make` itself
    /// asks this map for the same key: that would wait for itself forever,
    /// so it panics instead, saying so. Asking for other keys is fine.
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
        let mut make = Some(make);
        let hash = self.hasher.hash_one(&key);
        let mut role = self.role(hash, &key);
        loop {
            match role {
                Role::Hit(v) => return Ok(v),
                Role::Reentrant => reentrant(),
                Role::Wait(flight) => {
                    if let Some(v) = flight.wait() {
                        return Ok(v);
                    }
                }
                Role::Lead(id) | Role::Refresh(id, _) => {
                    let landing = Landing::new(self, &key, hash, id);
                    let Some(make) = make.take() else {
                        unreachable!("a caller leads at most once: it returns either way")
                    };
                    return landed(landing, id.enter(make), role);
                }
            }
            role = self.claim(hash, &key);
        }
    }

    /// The value of `key`, awaiting `load` first if it is absent; either
    /// way a use. The async form of
    /// [`get_or_insert_with`](Self::get_or_insert_with), on the same flights:
    /// when several callers ask for the same absent key, one awaits its
    /// `load` and the others wait for its value without blocking their
    /// thread (their `Waker` is registered on the flight), whether the
    /// leader is a task or a thread.
    ///
    /// Runtime-agnostic: no executor is involved, and no lock is held
    /// across an `.await`. The future is `Send` when the key, the value and
    /// `load` are, so it can be spawned on a multi-thread runtime.
    ///
    /// Cancellation-safe: if the leading future is dropped before `load`
    /// finishes (a timeout, a `select!`, a client that went away) or `load`
    /// panics, the waiters wake and one of them leads with its own `load`.
    /// A `load` that is never polled costs nothing.
    ///
    /// *O*(1) for a hit, plus `load` for a miss.
    ///
    /// # Panics
    ///
    /// If `load` panics, and if `load` itself awaits this map for the same
    /// key (it would wait for itself forever): a panic saying so. Awaiting
    /// other keys is fine, so recursive memoisation works.
    ///
    /// # Examples
    ///
    /// ```
    /// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// # rt.block_on(async {
    /// let users = leakless::sync::BoundedMap::new(1_000);
    /// let name = users.get_or_insert_async(7, async { format!("user {}", 7) }).await;
    /// assert_eq!(name, "user 7");
    /// // Present now: `load` is not polled.
    /// let again = users.get_or_insert_async(7, async { unreachable!() }).await;
    /// assert_eq!(again, "user 7");
    /// # });
    /// ```
    pub async fn get_or_insert_async<F>(&self, key: K, load: F) -> V
    where
        F: Future<Output = V>,
    {
        let load = async { Ok::<V, Infallible>(load.await) };
        match self.try_get_or_insert_async(key, load).await {
            Ok(v) => v,
            Err(never) => match never {},
        }
    }

    /// [`get_or_insert_async`](Self::get_or_insert_async) with a fallible
    /// `load`: an error is returned to this caller, stores nothing, and lets
    /// a waiting caller try its own `load`.
    ///
    /// # Examples
    ///
    /// ```
    /// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// # rt.block_on(async {
    /// let m: leakless::sync::BoundedMap<u8, u8> = leakless::sync::BoundedMap::new(10);
    /// let down = m.try_get_or_insert_async(1, async { Err("offline") }).await;
    /// assert_eq!(down, Err("offline"));
    /// assert!(m.is_empty()); // nothing stored
    /// let up = m.try_get_or_insert_async(1, async { Ok::<_, &str>(7) }).await;
    /// assert_eq!(up, Ok(7));
    /// # });
    /// ```
    pub async fn try_get_or_insert_async<F, E>(&self, key: K, load: F) -> Result<V, E>
    where
        F: Future<Output = Result<V, E>>,
    {
        let mut load = Some(load);
        let hash = self.hasher.hash_one(&key);
        let mut role = self.role(hash, &key);
        loop {
            match role {
                Role::Hit(v) => return Ok(v),
                Role::Reentrant => reentrant(),
                Role::Wait(flight) => {
                    if let Some(v) = Wait::new(flight).await {
                        return Ok(v);
                    }
                }
                Role::Lead(id) | Role::Refresh(id, _) => {
                    let landing = Landing::new(self, &key, hash, id);
                    let Some(load) = load.take() else {
                        unreachable!("a caller leads at most once: it returns either way")
                    };
                    let load = core::pin::pin!(load);
                    return landed(landing, Leading { id, load }.await, role);
                }
            }
            role = self.claim(hash, &key);
        }
    }
}

/// What a leader's load leaves: the value, stored and handed to the
/// waiters; for a failed refresh, the old value (it stays, for everyone);
/// else the error, with nothing stored.
fn landed<K, V, S, E>(
    landing: Landing<'_, K, V, S>,
    loaded: Result<V, E>,
    role: Role<V>,
) -> Result<V, E>
where
    K: Hash + Eq + Clone,
    V: Clone,
    S: BuildHasher,
{
    match (loaded, role) {
        (Ok(value), _) => Ok(landing.finish(value)),
        (Err(_), Role::Refresh(_, old)) => Ok(old),
        (Err(e), _) => Err(e),
    }
}

#[cold]
fn reentrant() -> ! {
    panic!(
        "leakless::sync::BoundedMap: get_or_insert_with or get_or_insert_async was called for \
         a key from inside its own initializer (the loader of that same key), which would wait \
         for itself forever; load the value without the map, or ask for a different key"
    )
}
