//! Cells for state that `&self` methods update: relaxed atomics with
//! `Cell`'s `get`/`set` shape.
//!
//! A relaxed load or store compiles to a plain `mov` on the targets we run
//! on, so the single-threaded maps pay what a `Cell` costs, and the engine
//! they share with the sync map is `Sync`: the sync map can look entries up
//! under a shared read lock. Relaxed ordering is enough because every value
//! here is published to other threads by the lock that guards the map; the
//! atomics only make concurrent readers' stores (a use time, a hit count)
//! well-defined.
//!
//! What stays single-threaded is decided by the map types, not by
//! these cells: the public unsync map is a wrapper that is not `Sync`.

use core::fmt;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering::Relaxed};

macro_rules! relaxed {
    ($(#[$doc:meta])* $name:ident, $atomic:ty, $t:ty) => {
        $(#[$doc])*
        #[derive(Default)]
        pub(crate) struct $name($atomic);

        impl $name {
            #[inline]
            pub(crate) const fn new(v: $t) -> Self {
                $name(<$atomic>::new(v))
            }

            #[inline]
            pub(crate) fn get(&self) -> $t {
                self.0.load(Relaxed)
            }

            #[inline]
            pub(crate) fn set(&self, v: $t) {
                self.0.store(v, Relaxed)
            }
        }

        impl Clone for $name {
            fn clone(&self) -> Self {
                $name::new(self.get())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.get().fmt(f)
            }
        }
    };
}

relaxed!(
    /// A `u8` cell (per-entry policy bits).
    RelaxedU8,
    AtomicU8,
    u8
);
relaxed!(
    /// A `u32` cell (list links).
    RelaxedU32,
    AtomicU32,
    u32
);
relaxed!(
    /// A `u64` cell (times, counters).
    RelaxedU64,
    AtomicU64,
    u64
);
relaxed!(
    /// A `bool` cell (flags).
    RelaxedBool,
    AtomicBool,
    bool
);

impl RelaxedU64 {
    /// Adds 1 with a read-modify-write, for counters that several readers
    /// bump at once (the sync map's shared reads). Single-threaded paths use
    /// `set(get() + 1)`, which is cheaper.
    #[inline]
    pub(crate) fn bump_shared(&self) {
        self.0.fetch_add(1, Relaxed);
    }

    /// Raises the value to `v` if `v` is larger, atomically; returns the
    /// value before.
    #[inline]
    pub(crate) fn max_shared(&self, v: u64) -> u64 {
        self.0.fetch_max(v, Relaxed)
    }
}
