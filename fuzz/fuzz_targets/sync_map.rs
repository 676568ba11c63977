//! `cargo +nightly fuzz run sync_map`: the `sync_map` driver of
//! `tests/fuzz_drivers` (a reference model checked after every step)
//! under libFuzzer. A crash found here goes to `fuzz/regressions/sync_map/`,
//! where `cargo test --test fuzz_replay` replays it on stable.
#![no_main]

#[path = "../../tests/fuzz_drivers/mod.rs"]
mod fuzz_drivers;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_drivers::sync_map(data));
