//! Test and benchmark support for leakless: the one counting allocator the
//! tests, examples and benchmarks share. Not published.
//!
//! This is the only `unsafe` in the workspace (a `GlobalAlloc` cannot be
//! written without it); it forwards to the system allocator and counts.
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOC: leakless_testkit::CountingAlloc = leakless_testkit::CountingAlloc;
//! let before = leakless_testkit::live_bytes();
//! ```

#![warn(missing_docs)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

/// Forwards to [`System`] and keeps live and peak byte counts for the whole
/// process. Install it with `#[global_allocator]`.
pub struct CountingAlloc;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // Net bytes this thread allocated minus what it freed. A `const` Cell
    // with no destructor, so touching it from the allocator never registers
    // a TLS destructor or fails during thread teardown.
    static THREAD_NET: Cell<isize> = const { Cell::new(0) };
}

#[inline]
fn grew(by: usize) {
    let now = LIVE.fetch_add(by as isize, Ordering::Relaxed) + by as isize;
    PEAK.fetch_max(now.max(0) as usize, Ordering::Relaxed);
    let _ = THREAD_NET.try_with(|n| n.set(n.get() + by as isize));
}

#[inline]
fn shrank(by: usize) {
    LIVE.fetch_sub(by as isize, Ordering::Relaxed);
    let _ = THREAD_NET.try_with(|n| n.set(n.get() - by as isize));
}

// SAFETY: every method forwards to `System` with the caller's arguments,
// whose contracts are the same as ours; the counting touches only atomics.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            shrank(layout.size());
            grew(new_size);
        }
        p
    }
}

/// Bytes allocated and not yet freed, process-wide.
pub fn live_bytes() -> usize {
    LIVE.load(Ordering::Relaxed).max(0) as usize
}

/// Bytes this thread allocated minus the bytes it freed (may wrap below
/// zero: compare two readings with `wrapping_sub`).
///
/// Unlike [`live_bytes`], allocations by other threads (the test harness
/// collecting results, tests running in parallel) do not show, so a test
/// that builds and drops a value on one thread measures exactly that value.
pub fn thread_live_bytes() -> usize {
    THREAD_NET.with(|n| n.get()) as usize
}

/// The most bytes live at once since the last [`reset_peak`].
pub fn peak_bytes() -> usize {
    PEAK.load(Ordering::Relaxed)
}

/// Starts a new peak measurement from the current live bytes.
pub fn reset_peak() {
    PEAK.store(live_bytes(), Ordering::Relaxed);
}

/// Allocation calls (including reallocations) so far, process-wide.
pub fn allocations() -> usize {
    ALLOCATIONS.load(Ordering::Relaxed)
}

/// What the in-tree benchmarks share: settings from the environment, a
/// fixed-seed key scrambler, medians.
pub mod bench {
    /// `BENCH_QUICK` (any value: sizes / 10, a smoke run) and `BENCH_REPS`
    /// (repetitions, default 5).
    pub struct Settings {
        /// Whether sizes are cut to a tenth.
        pub quick: bool,
        /// Repetitions; every figure reported is their median.
        pub reps: usize,
    }

    impl Settings {
        /// Reads `BENCH_QUICK` and `BENCH_REPS`.
        pub fn from_env() -> Self {
            Settings {
                quick: std::env::var_os("BENCH_QUICK").is_some(),
                reps: std::env::var("BENCH_REPS")
                    .ok()
                    .and_then(|r| r.parse().ok())
                    .unwrap_or(5)
                    .max(1),
            }
        }
    }

    /// splitmix64: fast, fixed-seed, and a bijection, so it also scrambles
    /// keys (no crate gains from sequential ones).
    pub fn mix(mut z: u64) -> u64 {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// `len` keys drawn from Zipf(`s`) over `universe` ranks, each rank
    /// mapped to a scrambled key.
    pub fn zipf_trace(universe: usize, s: f64, len: usize, seed: u64) -> Vec<u64> {
        let mut cdf = Vec::with_capacity(universe);
        let mut total = 0.0;
        for rank in 1..=universe {
            total += 1.0 / (rank as f64).powf(s);
            cdf.push(total);
        }
        (0..len as u64)
            .map(|i| {
                let u = (mix(seed ^ i) >> 11) as f64 / (1u64 << 53) as f64 * total;
                let rank = cdf.partition_point(|&c| c < u).min(universe - 1);
                mix(rank as u64)
            })
            .collect()
    }

    /// The median (mean of the middle two for an even count).
    pub fn median(mut xs: Vec<f64>) -> f64 {
        xs.sort_by(f64::total_cmp);
        let mid = xs.len() / 2;
        match xs.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => xs[mid],
            _ => (xs[mid - 1] + xs[mid]) / 2.0,
        }
    }
}
