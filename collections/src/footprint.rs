//! Heap bytes a value owns: the question "which map is growing?" is answered
//! in these units.

use core::mem::size_of;

/// Heap bytes a value owns, beyond its own `size_of`.
///
/// Counts allocations this value alone keeps alive: a `String`'s buffer, a
/// `Vec`'s capacity (plus what its elements own), a map's table and slab plus
/// what its keys and values own. Shared allocations (`Arc`, `Rc`) are not
/// counted, because dropping one owner frees nothing.
///
/// # Examples
///
/// ```
/// use leakless::{BoundedMap, Footprint};
///
/// let s = String::with_capacity(100);
/// assert_eq!(s.footprint(), 100);
/// assert_eq!(42u64.footprint(), 0);
///
/// let mut m: BoundedMap<u64, String> = BoundedMap::new(10);
/// let empty = m.footprint();
/// m.insert(1, "x".repeat(1000));
/// assert!(m.footprint() >= empty + 1000);
/// ```
pub trait Footprint {
    /// Heap bytes owned, not counting `size_of_val(self)`.
    fn footprint(&self) -> usize;
}

macro_rules! no_heap {
    ($($t:ty),* $(,)?) => {
        $(impl Footprint for $t {
            #[inline]
            fn footprint(&self) -> usize { 0 }
        })*
    };
}

no_heap!(
    (),
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    &str,
    core::time::Duration,
    std::time::Instant,
    std::time::SystemTime,
);

impl Footprint for String {
    fn footprint(&self) -> usize {
        self.capacity()
    }
}

impl<T: Footprint> Footprint for Vec<T> {
    fn footprint(&self) -> usize {
        self.capacity() * size_of::<T>() + self.iter().map(Footprint::footprint).sum::<usize>()
    }
}

impl<T: Footprint> Footprint for Box<T> {
    fn footprint(&self) -> usize {
        size_of::<T>() + (**self).footprint()
    }
}

impl Footprint for Box<str> {
    fn footprint(&self) -> usize {
        self.len()
    }
}

impl<T: Footprint> Footprint for Box<[T]> {
    fn footprint(&self) -> usize {
        self.len() * size_of::<T>() + self.iter().map(Footprint::footprint).sum::<usize>()
    }
}

impl<T: Footprint> Footprint for Option<T> {
    fn footprint(&self) -> usize {
        self.as_ref().map_or(0, Footprint::footprint)
    }
}

impl<T: ?Sized> Footprint for std::sync::Arc<T> {
    /// Shared: zero, see the trait docs.
    fn footprint(&self) -> usize {
        0
    }
}

impl<T: ?Sized> Footprint for std::rc::Rc<T> {
    /// Shared: zero, see the trait docs.
    fn footprint(&self) -> usize {
        0
    }
}

impl<T: Footprint, const N: usize> Footprint for [T; N] {
    fn footprint(&self) -> usize {
        self.iter().map(Footprint::footprint).sum()
    }
}

macro_rules! tuples {
    ($(($($n:tt $t:ident),+)),* $(,)?) => {
        $(impl<$($t: Footprint),+> Footprint for ($($t,)+) {
            fn footprint(&self) -> usize { 0 $(+ self.$n.footprint())+ }
        })*
    };
}

tuples!((0 A), (0 A, 1 B), (0 A, 1 B, 2 C), (0 A, 1 B, 2 C, 3 D));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_containers_add_up() {
        let v: Vec<String> = vec![String::with_capacity(10), String::with_capacity(20)];
        assert_eq!(v.footprint(), v.capacity() * size_of::<String>() + 30);
        let b: Box<u64> = Box::new(1);
        assert_eq!(b.footprint(), 8);
        assert_eq!(Some(String::with_capacity(7)).footprint(), 7);
        assert_eq!((1u8, String::with_capacity(3)).footprint(), 3);
    }
}
