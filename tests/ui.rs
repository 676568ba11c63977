//! The mistakes leakless refuses to compile, each with the error a user sees.
//! Every `tests/ui/*.rs` starts with a comment saying what the user did and
//! what to do instead; its `.stderr` is reviewed like documentation.
//! `tests/ui/pass/` holds the happy paths, which must compile and run.
//!
//! The `.stderr` files match the pinned stable toolchain (rust-toolchain.toml);
//! regenerate with `TRYBUILD=overwrite cargo test --test ui` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    // What `#[cached(shared = ..)]` says when the tier is not compiled in.
    #[cfg(not(feature = "redis"))]
    t.compile_fail("tests/ui/without_redis/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
