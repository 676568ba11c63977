//! Shared test machinery: a value type that accounts for its drops, and a
//! structural check of a map seen only through its public API.
#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::{BuildHasher, Hash};

use leakless::BoundedMap;

thread_local! {
    static LIVE: RefCell<HashMap<u64, u32>> = RefCell::new(HashMap::new());
    static NEXT_ID: RefCell<u64> = const { RefCell::new(0) };
}

/// A value that records its creation and every drop, so a test can check that
/// each value was dropped exactly once.
#[derive(Debug, PartialEq, Eq)]
pub struct Tracked(pub u64);

impl Tracked {
    pub fn new() -> Self {
        let id = NEXT_ID.with(|n| {
            let mut n = n.borrow_mut();
            *n += 1;
            *n
        });
        LIVE.with(|l| l.borrow_mut().insert(id, 0));
        Tracked(id)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        LIVE.with(|l| {
            let mut l = l.borrow_mut();
            let count = l.get_mut(&self.0).expect("dropped a value never created");
            *count += 1;
            assert_eq!(*count, 1, "value {} dropped twice", self.0);
        });
    }
}

/// Panics unless every `Tracked` created on this thread was dropped exactly
/// once; then forgets them, ready for the next case.
pub fn assert_all_dropped_once() {
    LIVE.with(|l| {
        let mut l = l.borrow_mut();
        let undropped: Vec<_> = l
            .iter()
            .filter(|(_, &c)| c != 1)
            .map(|(id, _)| *id)
            .collect();
        l.clear();
        assert!(
            undropped.is_empty(),
            "values never dropped (leaked): {undropped:?}"
        );
    });
}

/// Values created and not yet dropped on this thread.
pub fn live_tracked() -> usize {
    LIVE.with(|l| l.borrow().values().filter(|&&c| c == 0).count())
}

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
