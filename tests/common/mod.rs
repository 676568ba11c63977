//! Shared test machinery: a value type that accounts for its drops
//! ([`counted`]), the model layer of the bounded-map tests ([`model`]), and
//! a structural check of a map seen only through its public API. Only std
//! and `leakless`: the fuzz targets include this module too.
#![allow(dead_code)]

pub mod counted;
pub mod model;

#[allow(unused_imports)] // not every test binary uses all of them
pub use counted::{assert_all_dropped_once, live_counted, DropCounted, Ledger};

use std::fmt::Debug;
use std::hash::{BuildHasher, Hash};

use leakless::BoundedMap;

/// Checks, through the public API only, that the map is internally
/// consistent: both iteration directions agree with each other and with
/// `len` (which may also count expired entries not yet purged), every
/// iterated key is found by lookup with the same value, and the bound holds.
pub fn assert_consistent<K, V, S>(m: &BoundedMap<K, V, S>)
where
    K: Hash + Eq + Debug,
    V: PartialEq + Debug,
    S: BuildHasher,
{
    let forward: Vec<_> = m.iter().collect();
    let mut backward: Vec<_> = m.iter().rev().collect();
    backward.reverse();
    assert_eq!(m.iter().len(), forward.len());
    assert!(forward.len() <= m.len());
    assert_eq!(forward, backward);
    for (k, v) in &forward {
        assert_eq!(m.peek(*k), Some(*v), "iterated key {k:?} is not found");
    }
    assert!(m.len() <= m.capacity());
    if let Some(max) = m.max_weight() {
        assert!(m.weight() <= max);
    }
}

/// Installs, once per test binary, a panic hook that stays quiet for the
/// panics tests inject on purpose (messages starting with "injected", and
/// "init failed") and prints every other one as usual.
pub fn quiet_injected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied())
                .unwrap_or("");
            if !msg.starts_with("injected") && msg != "init failed" {
                default(info);
            }
        }));
    });
}
