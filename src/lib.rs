//! # leakless
//!
//! Maps that cannot leak. Long-running programs leak memory through maps far
//! more often than through anything else: a cache that only grows, a field
//! that keeps short-lived values forever, a map that never gives memory back
//! after mass deletes. leakless makes each of these impossible or loud.
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
//! Every map reports what it holds ([`Stats`], [`Footprint`]). The library
//! has no `unsafe` code (`#![forbid(unsafe_code)]` in every crate).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use leakless_collections::arena;
pub use leakless_collections::bounded;
pub use leakless_collections::registry;
pub use leakless_collections::sync;
pub use leakless_collections::{
    Arena, BoundedMap, Clock, Configured, DefaultHashBuilder, EvictionCause, Evictions, Footprint,
    Handle, Inspect, Listeners, ManualClock, MapConfig, Policy, SideTable, StaleHandle, Staleness,
    Stats, Subscription, Tracked, WeakKeyMap, WeakValueMap,
};
pub use leakless_macros::{bounded_map, handle, leak_safe, Footprint};

/// Paths the macros' generated code uses. Not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use leakless_collections;
    pub use leakless_collections::RawHandle;
    pub use leakless_collections::{
        sync, BoundedMap, Configured, MapConfig, Policy, Tracked, WeakValueMap,
    };
    pub use std::sync::LazyLock;
}

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The examples of `docs/design.md`, compiled and run as doc tests (the
/// other pages under `docs/` hold no Rust code).
#[cfg(doctest)]
#[doc = include_str!("../docs/design.md")]
struct DesignDoctests;
