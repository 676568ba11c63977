//! Procedural macros of [leakless](https://docs.rs/leakless). Use them
//! through the `leakless` crate: generated code refers to the runtime only
//! through `::leakless::__private`.
//!
//! The macros (`#[leak_safe]`, `#[bounded_map]`, `#[handle]`,
//! `#[derive(Footprint)]`) land here with the issues that define them.

#![forbid(unsafe_code)]
