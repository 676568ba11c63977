//! The runtime types of [leakless](https://docs.rs/leakless): maps that
//! cannot leak. Use them through the `leakless` crate, which re-exports
//! everything here next to the macros.
//!
//! Every type keeps its bound after every call, gives memory back after mass
//! removal, and reports what it holds ([`Stats`], [`Footprint`]). The crate
//! has no `unsafe` code.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod arena;
pub mod bounded;
mod clock;
mod compact;
mod configured;
mod eviction;
mod expiry;
mod footprint;
mod list;
mod listeners;
mod maintenance;
mod policy;
pub mod registry;
mod relaxed;
mod shrink;
mod slots;
mod stats;
pub mod sync;
#[cfg(feature = "redis")]
pub mod tier;
mod tracked;
pub mod weak;

pub use arena::{Arena, Handle, RawHandle, SideTable, StaleHandle, Staleness};
pub use bounded::BoundedMap;
pub use clock::{Clock, ManualClock};
pub use configured::{Configured, MapConfig};
pub use eviction::EvictionCause;
pub use footprint::Footprint;
pub use hashbrown::DefaultHashBuilder;
pub use listeners::{Listeners, Subscription};
pub use policy::Policy;
pub use stats::{Evictions, Stats};
pub use tracked::{Inspect, Tracked};
pub use weak::{WeakKeyMap, WeakValueMap};
