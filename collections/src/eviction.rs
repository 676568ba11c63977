//! Why an entry left a map, and the listener that hears about it.

use std::sync::Arc;

/// Why an entry was handed to the eviction listener.
///
/// # Examples
///
/// ```
/// use leakless::{BoundedMap, EvictionCause};
/// use std::sync::{Arc, Mutex};
///
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let log = Arc::clone(&seen);
/// let mut m = BoundedMap::builder()
///     .capacity(1)
///     .on_evict(move |k: u32, _v: &str, cause| log.lock().unwrap().push((k, cause)))
///     .build();
/// m.insert(1, "a");
/// m.insert(2, "b"); // 1 is the least recent and makes room
/// assert_eq!(*seen.lock().unwrap(), [(1, EvictionCause::Size)]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EvictionCause {
    /// Pushed out by the count or weight bound (including `set_capacity`), or
    /// refused because it could never fit (capacity 0, heavier than
    /// `max_weight`).
    Size,
    /// Its time-to-live or time-to-idle ran out.
    Expired,
    /// Its referent was dropped (weak maps).
    Collected,
    /// Its key was written again by an operation that does not hand the old
    /// value back to the caller (`extend`).
    Replaced,
    /// Removed by `clear` or `retain`, which drop what they remove.
    Explicit,
}

/// A shared eviction listener. `Fn + Send + Sync` so that a map holding one
/// stays `Send`, can be cloned (clones share the listener) and can live in
/// the sharded map later; use a `Mutex` or an atomic to collect.
pub(crate) type Listener<K, V> = Arc<dyn Fn(K, V, EvictionCause) + Send + Sync>;
