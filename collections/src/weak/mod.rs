//! Maps that hold one side weakly, so entries die with their owners:
//! [`WeakValueMap`] (values by `Weak`) and [`WeakKeyMap`] (keys by `Arc`
//! identity). One engine serves both (`table`): a dense slab behind a hash
//! table of indices, purged incrementally, grown only for live entries.

mod key;
mod table;
mod value;

pub use key::WeakKeyMap;
pub use value::WeakValueMap;
