//! # leakless
//!
//! Maps that cannot leak. Long-running programs leak memory through maps far
//! more often than through anything else: a cache that only grows, a field
//! that keeps short-lived values forever, entries that outlive their owner,
//! listeners never unregistered, `Rc` cycles, a map that never gives memory
//! back after mass deletes. leakless makes each of these impossible or loud.
//!
//! [`BoundedMap`] is a `HashMap` with a bound on entries and/or total weight
//! that holds after every call, evicting the least recently used entry:
//!
//! ```
//! use leakless::BoundedMap;
//!
//! let mut cache: BoundedMap<u64, String> = BoundedMap::new(10_000);
//! for request in 0..1_000_000u64 {
//!     cache.insert(request, format!("response {request}"));
//! }
//! assert_eq!(cache.len(), 10_000); // a plain HashMap would hold 1,000,000
//! assert_eq!(cache.get(&999_999).map(String::as_str), Some("response 999999"));
//! ```
//!
//! # Which map do I need?
//!
//! | you have | use |
//! |---|---|
//! | a global cache, `static CACHE: LazyLock<Mutex<HashMap<..>>>` | [`bounded_map`] on the `static`: a lazily built [`sync::BoundedMap`] |
//! | a long-lived struct with map fields | [`leak_safe`] on the struct, a bound on each field |
//! | a cache owned by one thread (or behind your own lock) | [`BoundedMap`]: std's `HashMap` API, bounded by count, weight, TTL or TTI |
//! | a cache shared by threads | [`sync::BoundedMap`]: `&self` everywhere, values out as clones, single-flight `get_or_insert_with` |
//! | a hit ratio hurt by scans or loops larger than the cache | either map with [`Policy::TinyLfu`] |
//! | entries that should vanish when their `Arc` owner dies | [`WeakValueMap`]; data attached to an object: [`WeakKeyMap`] |
//! | objects that point at each other (trees, graphs, `Rc` cycles) | [`Arena`] with [`handle`] ids; extra data per id: [`SideTable`] |
//! | callbacks that must not outlive their subscriber | [`Listeners`] and its [`Subscription`] guard |
//! | a std map you cannot replace yet, and a question "which map grows?" | [`Tracked`] and the [`registry`] |
//!
//! # A tour
//!
//! - **Macros.** [`leak_safe`] makes every `HashMap`, `HashSet`, `BTreeMap`
//!   and `BTreeSet` field of a struct say how it is bounded:
//!   `#[bounded_map(capacity = .., ttl = "..")]`, `#[weak_map]` or
//!   `#[unbounded(reason = "..")]`; an unannotated one is a compile error.
//!   [`bounded_map`] on a `static` makes the global cache bounded and
//!   concurrent. [`handle`] makes a unit struct a typed generational handle,
//!   and `#[derive(Footprint)]` sums a type's heap bytes.
//! - **[`BoundedMap`]** keeps std's shape (`get(&self) -> Option<&V>`, an
//!   Entry API, `retain`, `drain`, iterators most recent first) and adds a
//!   weight bound, TTL, TTI and per-entry TTL ([`ManualClock`] for tests),
//!   an eviction listener told the [`EvictionCause`], `peek`, `pop_lru`, and
//!   a choice of [`Policy`].
//! - **[`sync::BoundedMap`]** shards the same engine behind read-write
//!   locks; values come out as clones or through a closure, never as guards.
//! - **[`WeakValueMap`] / [`WeakKeyMap`]**: dead entries are invisible at once
//!   and purged in amortized *O*(1).
//! - **[`Arena`]**: a stale handle returns `None` or [`StaleHandle`], never
//!   another object, even after 2³¹ reuses of its slot.
//! - **[`Listeners`]**: `subscribe` returns a `#[must_use]` [`Subscription`]
//!   that unsubscribes on drop.
//! - **[`Stats`], [`Footprint`](trait@Footprint) and the [`registry`]** say
//!   what each map holds and which one is growing.
//!
//! ```
//! use std::collections::HashMap;
//!
//! #[leakless::leak_safe]
//! #[derive(Default)]
//! struct AppState {
//!     #[bounded_map(capacity = 10_000, ttl = "30m", name = "sessions")]
//!     sessions: HashMap<u64, String>, // a BoundedMap configured as written
//!     #[unbounded(reason = "one entry per configured region")]
//!     regions: HashMap<String, u32>,  // left alone, on purpose
//! }
//!
//! #[leakless::bounded_map(capacity = 1_000, ttl = "5m")]
//! static USERS: HashMap<String, u64>; // a lazily built sync::BoundedMap
//!
//! let mut state = AppState::default();
//! state.sessions.insert(1, "ann".into());
//! assert_eq!(state.sessions.capacity(), 10_000);
//! USERS.insert("ann".into(), 1);
//! assert_eq!(USERS.get("ann"), Some(1));
//! ```
//!
//! # What you can rely on
//!
//! - The bound holds after every call: `len() <= capacity()`, total weight
//!   `<= max_weight`; memory after millions of inserts is the memory at
//!   capacity, and the maps give memory back after mass removal.
//! - An expired or collected entry is never returned by a lookup, an
//!   iterator or the Entry API, even before it is purged; `len()` counts what
//!   is stored, and `purge_expired()` makes it the live count.
//! - Every value inserted is dropped exactly once; the eviction listener
//!   receives owned values, least recent first, before the evicting call
//!   returns.
//! - A panicking `Hash`, `Eq`, weigher, listener or init closure leaves the
//!   map consistent and leaks nothing. Capacity 0, `Duration::ZERO`,
//!   `Duration::MAX` and a value heavier than `max_weight` have documented
//!   meanings; none panics.
//! - Iteration goes most recent first; `get`, `get_mut`, `entry` and
//!   `get_or_insert_with` count as a use, `peek`, `contains_key` and
//!   iteration do not. Each method states its cost.
//! - The unsync maps are `Send` when their contents are; the sync maps are
//!   `Send + Sync` and run no user code under a lock but `get_with`'s closure.
//!
//! The full list, how it is built and what was measured are in the
//! repository's [design notes](https://github.com/leakless/leakless/blob/main/docs/design.md);
//! [benchmarks](https://github.com/leakless/leakless/blob/main/docs/benchmarks.md)
//! against lru, hashlink, schnellru, quick_cache, moka, weak-table and
//! slotmap, the [tests behind each guarantee](https://github.com/leakless/leakless/blob/main/docs/testing.md)
//! and [every compile error the macros give](https://github.com/leakless/leakless/blob/main/docs/compile-errors.md)
//! are beside them. The library has no `unsafe` code
//! (`#![forbid(unsafe_code)]` in every crate).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use leakless_collections::arena;
pub use leakless_collections::bounded;
pub use leakless_collections::registry;
pub use leakless_collections::sync;
#[cfg(feature = "redis")]
pub use leakless_collections::tier;
pub use leakless_collections::{
    Arena, BoundedMap, Clock, Configured, DefaultHashBuilder, EvictionCause, Evictions, Footprint,
    Handle, Inspect, Listeners, ManualClock, MapConfig, Policy, SideTable, StaleHandle, Staleness,
    Stats, Subscription, Tracked, WeakKeyMap, WeakValueMap,
};
pub use leakless_macros::{bounded_map, cached, handle, leak_safe, Footprint};

/// Paths the macros' generated code uses. Not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use leakless_collections;
    pub use leakless_collections::RawHandle;
    pub use leakless_collections::{
        sync, BoundedMap, Configured, MapConfig, Policy, Tracked, WeakValueMap,
    };
    pub use std::sync::{LazyLock, OnceLock};

    /// `#[cached(shared = ..)]`'s check that the `redis` feature is on:
    /// without it, a `compile_error!` that says how to turn it on.
    pub use crate::__leakless_require_redis as require_redis;

    /// What `#[cached(shared = ..)]` expands to: the tier, and the calls
    /// that turn its errors into the documented panics.
    #[cfg(feature = "redis")]
    pub mod tier {
        pub use leakless_collections::tier::{Error, Tier};

        /// The tier of the memoised `function` from its builder's
        /// `build()`, or a panic saying which function and why (outside a
        /// tokio runtime, a URL the client rejects). Called inside a
        /// `OnceLock` initialiser, so a later call tries again.
        #[track_caller]
        pub fn built<K, V>(function: &str, built: Result<Tier<K, V>, Error>) -> Tier<K, V> {
            match built {
                Ok(tier) => tier,
                Err(e) => panic!(
                    "#[cached(shared = ..)] fn {function}: cannot build its Redis tier (the first \
                     call must run inside a tokio runtime): {e}"
                ),
            }
        }

        /// The value of a shared memo's call, or a panic naming `function`:
        /// the tier already answers Redis faults by running the body, so
        /// what is left is a key or value that cannot be encoded.
        #[track_caller]
        pub fn value<V>(function: &str, result: Result<V, Error>) -> V {
            match result {
                Ok(v) => v,
                Err(e) => failed(function, e),
            }
        }

        /// [`value`] for a function returning `Option`: `None` is returned,
        /// never stored.
        #[track_caller]
        pub fn some<V>(function: &str, result: Result<V, Miss>) -> Option<V> {
            match result {
                Ok(v) => Some(v),
                Err(Miss::None) => None,
                Err(Miss::Tier(e)) => failed(function, e),
            }
        }

        /// Why an `Option` function's shared call gave no value.
        pub enum Miss {
            /// The body returned `None`.
            None,
            /// The tier failed.
            Tier(Error),
        }

        impl From<Error> for Miss {
            fn from(e: Error) -> Self {
                Miss::Tier(e)
            }
        }

        #[track_caller]
        fn failed(function: &str, e: Error) -> ! {
            panic!("#[cached(shared = ..)] fn {function}: {e}")
        }
    }

    /// Gives a `#[cached]` async body its declared return type, so `?` and
    /// `return` in it are checked against the function's signature.
    #[inline(always)]
    pub fn memo_body<R, F: ::core::future::Future<Output = R>>(body: F) -> F {
        body
    }
}

/// Expands to nothing: `#[cached(shared = ..)]` can use the Redis tier.
#[cfg(feature = "redis")]
#[doc(hidden)]
#[macro_export]
macro_rules! __leakless_require_redis {
    () => {};
}

/// `#[cached(shared = ..)]` without the Redis tier: says how to get it.
#[cfg(not(feature = "redis"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __leakless_require_redis {
    () => {
        ::core::compile_error!(
            "`#[cached(shared = ..)]` needs leakless's Redis tier: enable the `redis` feature \
             (`leakless = { version = \"0.1\", features = [\"redis\"] }`)"
        );
    };
}

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The examples of `docs/design.md`, compiled and run as doc tests (the
/// other pages under `docs/`, but `production.md`, hold no Rust code).
#[cfg(doctest)]
#[doc = include_str!("../docs/design.md")]
struct DesignDoctests;

/// The examples of `docs/production.md`, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../docs/production.md")]
struct ProductionDoctests;
