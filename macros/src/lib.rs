//! Procedural macros of [leakless](https://docs.rs/leakless). Use them
//! through the `leakless` crate: generated code refers to the runtime only
//! through `::leakless::__private`.
//!
//! Entry points only; each macro's parsing, validation and expansion live in
//! its own module. Misuse is reported as spanned compile errors, and the
//! user's item is kept beside them so IDEs still see it.

#![forbid(unsafe_code)]

mod handle;

use proc_macro::TokenStream;

/// Turns a unit struct into a typed generational handle for
/// `leakless::Arena`: `Copy`, `Eq`, `Hash`, `Ord`, a `Debug` that prints its
/// name, index and version, 8 bytes (`Option` of it too).
///
/// ```ignore
/// #[leakless::handle]
/// /// A node of the graph.
/// pub struct NodeId;
/// ```
///
/// Visibility, docs and other attributes are kept. It is an attribute and
/// not a derive because it gives the struct its (private) field.
#[proc_macro_attribute]
pub fn handle(args: TokenStream, item: TokenStream) -> TokenStream {
    handle::expand(args.into(), item.into()).into()
}
