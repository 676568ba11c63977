//! [`Configured`]: a map whose configuration lives in its type, so that
//! every way of making one (`Default`, a struct literal with
//! `Default::default()`, `#[derive(Default)]` on the struct holding it)
//! builds it configured. `#[leak_safe]` generates the [`MapConfig`] of each
//! annotated field; it can be written by hand too.

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

use crate::Footprint;

/// How to build one map: the configuration a [`Configured`] field carries in
/// its type. `#[leak_safe]` writes one per `#[bounded_map(..)]` field.
///
/// # Examples
///
/// ```
/// use leakless::{BoundedMap, Configured, MapConfig};
///
/// /// At most 1,000 recent sessions.
/// struct Sessions;
/// impl MapConfig for Sessions {
///     type Map = BoundedMap<u64, String>;
///     fn build() -> Self::Map {
///         BoundedMap::new(1_000)
///     }
/// }
///
/// #[derive(Default)]
/// struct State {
///     sessions: Configured<Sessions>,
/// }
///
/// let mut state = State::default();
/// state.sessions.insert(1, "ann".into());
/// assert_eq!(state.sessions.capacity(), 1_000);
/// ```
pub trait MapConfig {
    /// The configured map's type.
    type Map;

    /// A new, empty, configured map.
    fn build() -> Self::Map;
}

/// A map built by its [`MapConfig`] `C`: `Default` builds it configured, and
/// it dereferences to the map, so `state.sessions.insert(k, v)` reads as it
/// did on the `HashMap` it replaced.
///
/// `Debug`, `Clone` and [`Footprint`] are the map's.
///
/// # Examples
///
/// ```
/// use leakless::{BoundedMap, Configured, MapConfig};
///
/// struct Tiny;
/// impl MapConfig for Tiny {
///     type Map = BoundedMap<&'static str, u32>;
///     fn build() -> Self::Map {
///         BoundedMap::new(2)
///     }
/// }
///
/// let mut m: Configured<Tiny> = Configured::default();
/// m.insert("a", 1);
/// m.insert("b", 2);
/// m.insert("c", 3); // the bound came with the type
/// assert_eq!(m.len(), 2);
/// ```
pub struct Configured<C: MapConfig> {
    map: C::Map,
    config: PhantomData<fn() -> C>,
}

impl<C: MapConfig> Configured<C> {
    /// A new map, built by `C`. Costs what `C::build` costs (nothing is
    /// allocated up front by leakless's maps).
    ///
    /// # Examples
    ///
    /// ```
    /// # use leakless::{BoundedMap, Configured, MapConfig};
    /// # struct Tiny;
    /// # impl MapConfig for Tiny {
    /// #     type Map = BoundedMap<u8, u8>;
    /// #     fn build() -> Self::Map { BoundedMap::new(2) }
    /// # }
    /// let m = Configured::<Tiny>::new();
    /// assert_eq!(m.capacity(), 2);
    /// ```
    pub fn new() -> Self {
        Configured {
            map: C::build(),
            config: PhantomData,
        }
    }

    /// The map, out of its wrapper.
    ///
    /// # Examples
    ///
    /// ```
    /// # use leakless::{BoundedMap, Configured, MapConfig};
    /// # struct Tiny;
    /// # impl MapConfig for Tiny {
    /// #     type Map = BoundedMap<u8, u8>;
    /// #     fn build() -> Self::Map { BoundedMap::new(2) }
    /// # }
    /// let map: BoundedMap<u8, u8> = Configured::<Tiny>::new().into_inner();
    /// assert_eq!(map.capacity(), 2);
    /// ```
    pub fn into_inner(self) -> C::Map {
        self.map
    }
}

impl<C: MapConfig> Default for Configured<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: MapConfig> Deref for Configured<C> {
    type Target = C::Map;

    #[inline]
    fn deref(&self) -> &C::Map {
        &self.map
    }
}

impl<C: MapConfig> DerefMut for Configured<C> {
    #[inline]
    fn deref_mut(&mut self) -> &mut C::Map {
        &mut self.map
    }
}

impl<C: MapConfig> Clone for Configured<C>
where
    C::Map: Clone,
{
    fn clone(&self) -> Self {
        Configured {
            map: self.map.clone(),
            config: PhantomData,
        }
    }
}

impl<C: MapConfig> fmt::Debug for Configured<C>
where
    C::Map: fmt::Debug,
{
    /// The map's own `Debug`: the wrapper is invisible.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.map.fmt(f)
    }
}

impl<C: MapConfig> Footprint for Configured<C>
where
    C::Map: Footprint,
{
    fn footprint(&self) -> usize {
        self.map.footprint()
    }
}

impl<'a, C: MapConfig> IntoIterator for &'a Configured<C>
where
    &'a C::Map: IntoIterator,
{
    type Item = <&'a C::Map as IntoIterator>::Item;
    type IntoIter = <&'a C::Map as IntoIterator>::IntoIter;

    fn into_iter(self) -> Self::IntoIter {
        (&self.map).into_iter()
    }
}

impl<'a, C: MapConfig> IntoIterator for &'a mut Configured<C>
where
    &'a mut C::Map: IntoIterator,
{
    type Item = <&'a mut C::Map as IntoIterator>::Item;
    type IntoIter = <&'a mut C::Map as IntoIterator>::IntoIter;

    fn into_iter(self) -> Self::IntoIter {
        (&mut self.map).into_iter()
    }
}
