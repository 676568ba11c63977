//! Procedural macros of [leakless](https://docs.rs/leakless). Use them
//! through the `leakless` crate: generated code refers to the runtime only
//! through `::leakless::__private`.
//!
//! Entry points only. Attributes are read in `attr`, the input's syntax tree
//! in `ast`, checked in `valid`, and each macro expands in its module of
//! `expand`. Misuse is reported as spanned compile errors, all of them at
//! once (collected by `ctxt::Ctxt`), and the user's item is kept beside them
//! so IDEs still see it.

#![forbid(unsafe_code)]

mod ast;
mod attr;
mod ctxt;
mod expand;
mod valid;

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
    expand::handle::expand(args.into(), item.into()).into()
}

/// Implements `leakless::Footprint` field by field: the heap bytes a value
/// owns are the sum of what its fields own. Fields marked
/// `#[footprint(skip)]` count as 0; every type parameter gets a
/// `Footprint` bound.
///
/// ```ignore
/// #[derive(leakless::Footprint)]
/// struct Index {
///     names: Vec<String>,
///     #[footprint(skip)]
///     shared: std::sync::Arc<Config>,
/// }
/// ```
#[proc_macro_derive(Footprint, attributes(footprint))]
pub fn derive_footprint(item: TokenStream) -> TokenStream {
    expand::footprint::expand(item.into()).into()
}

/// Makes every map field of a struct say how it is bounded. Each
/// `HashMap`/`HashSet`/`BTreeMap`/`BTreeSet` field takes one of:
///
/// - `#[bounded_map(capacity = N, max_weight = N, weigher = f, ttl = "30s",
///   tti = "5m", on_evict = f, name = "..", policy = "tinylfu")]`: the
///   field becomes a
///   `leakless::Configured` bounded map built with these settings (at least
///   one of capacity, max_weight, ttl, tti). A set becomes a map to `()`.
/// - `#[weak_map]` on a `HashMap<K, Arc<V>>`: the field becomes a
///   `leakless::WeakValueMap<K, V>`.
/// - `#[unbounded(reason = "..")]`: the field is left as it is, on purpose;
///   the reason goes into its docs.
///
/// A map field with none of them is a compile error that names the three.
///
/// ```ignore
/// #[leakless::leak_safe]
/// #[derive(Default)]
/// struct AppState {
///     #[bounded_map(capacity = 10_000, ttl = "30m")]
///     sessions: HashMap<u64, Session>,
/// }
/// ```
#[proc_macro_attribute]
pub fn leak_safe(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::leak_safe::expand(args.into(), item.into()).into()
}

/// On a `static HashMap<K, V>` (no initializer): a lazily built
/// `leakless::sync::BoundedMap<K, V>` configured by the same keys as the
/// field attribute. (On a field, `#[bounded_map]` is read by
/// `#[leak_safe]`.)
///
/// ```ignore
/// #[leakless::bounded_map(capacity = 1_000, ttl = "5m")]
/// static USERS: HashMap<String, User>;
/// ```
#[proc_macro_attribute]
pub fn bounded_map(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::static_map::expand(args.into(), item.into()).into()
}

/// Memoises a function in a bounded, concurrent map: the body runs once per
/// key (concurrent callers of one key share one run), later calls get a
/// clone of the stored value.
///
/// ```ignore
/// #[leakless::cached(capacity = 10_000, ttl = "5m")]
/// fn user_name(id: u64) -> String { slow_lookup(id) }
///
/// user_name_cache().stats(); // &'static leakless::sync::BoundedMap<u64, String>
/// ```
///
/// - **Keys**: the map keys of `#[bounded_map]` (`capacity`, `max_weight`
///   with `weigher`, `ttl`, `tti`, `on_evict`, `name`, `policy`), at least
///   one of capacity, max_weight, ttl or tti; `refresh = "20s"`
///   (refresh-after-write: a stale value is served while one caller
///   reloads); `key = "a, b"` (the parameters to key on, by default all);
///   `clock = expr` (anything `Into<leakless::Clock>`, e.g. a
///   `ManualClock` in tests); `shared = url` (below).
/// - **The key** is the parameters' owned form (`&str` → `String`, `&[T]`
///   → `Vec<T>`, `&T` → `T`, others cloned): one parameter as itself,
///   several as a tuple. It needs `Hash + Eq + Clone + Send + Sync`, the
///   stored value `Clone + Send + Sync`.
/// - **Return types**: a `Result<T, E>` stores only `Ok` and an
///   `Option<T>` only `Some` (recognized by the last path segment, so
///   `io::Result<T>` and `anyhow::Result<T>` work); an error or `None`
///   goes back to the caller whose call produced it and is stored nowhere.
/// - **Single-flight**: a sync fn loads through `get_or_insert_with`, an
///   async fn through `get_or_insert_async` (no executor involved).
///   Recursion on other keys works; a call for the same key from inside
///   its own body panics (it would wait for itself).
/// - **The accessor** `<fn>_cache()` has the function's visibility and
///   returns the `&'static sync::BoundedMap`; the map registers in
///   `leakless::registry` as `name`, by default the module path and the
///   function's name.
/// - **Methods** need `key = ".."` (the receiver is never hashed: one map
///   serves every instance); the accessor is then an associated function,
///   `Self::<fn>_cache()`. An associated function without `self` belongs
///   outside the `impl` (its accessor would be called without `Self::`),
///   and trait impls cannot take the extra accessor.
/// - **Refused**: generic functions and `impl Trait` parameters (one map
///   needs one key type), patterns as parameters (the key is built by
///   name), `const fn`, a reference or `impl Trait` as the stored type.
/// - **Shared across replicas**: `shared = url` (any expression giving a
///   `&str` or `String`, e.g. `std::env::var("REDIS_URL").unwrap()`, read
///   on the first call) puts a `leakless::tier::Tier` between the memo map
///   (now its L1) and the body, so N replicas run the body about once per
///   key. It needs `leakless` with `features = ["redis"]`, an `async fn`,
///   a `ttl` (every key written to Redis carries it; at most a year), and
///   key and stored types that are also `serde::Serialize +
///   DeserializeOwned`. The namespace is the module path and the
///   function's name. `<fn>_cache()` returns the `&'static Tier<K, V>`,
///   built on the first call, which must run inside a tokio runtime.
///   Redis down or slow is no error (the tier runs the body); what is
///   left behaves so: building the tier fails (outside a runtime, a URL
///   the client rejects) or a key or value cannot be encoded → a panic
///   naming the function (a failed build is tried again by the next
///   call); for a `Result` fn, whose error type must then be
///   `From<leakless::tier::Error>`, an encode failure is an `Err` instead.
#[proc_macro_attribute]
pub fn cached(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::cached::expand(args.into(), item.into()).into()
}
