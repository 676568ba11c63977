//! Recognizing the std maps a user writes (`HashMap<K, V>`,
//! `std::collections::HashSet<K>`, ...) by the last segment of their path.

use syn::{GenericArgument, Ident, PathArguments, Type};

/// The std map and set types `#[leak_safe]` watches.
pub(crate) const FAMILIES: [&str; 4] = ["HashMap", "HashSet", "BTreeMap", "BTreeSet"];

/// A map type's name (its last path segment) and its generic arguments.
pub(crate) struct MapType<'a> {
    pub(crate) name: &'a Ident,
    pub(crate) args: Vec<&'a Type>,
}

impl MapType<'_> {
    pub(crate) fn is_set(&self) -> bool {
        self.name == "HashSet" || self.name == "BTreeSet"
    }
}

/// The last segment of a plain type path, with its type arguments.
pub(crate) fn last_segment(ty: &Type) -> Option<(&Ident, Vec<&Type>)> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    let args = match &last.arguments {
        PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|a| match a {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    Some((&last.ident, args))
}

/// The std map or set `ty` names, if it names one.
pub(crate) fn map_type(ty: &Type) -> Option<MapType<'_>> {
    let (name, args) = last_segment(ty)?;
    FAMILIES
        .iter()
        .any(|f| name == f)
        .then_some(MapType { name, args })
}

/// Types a map is often kept inside: a field of one of these around a map
/// can leak just the same.
const WRAPPERS: [&str; 8] = [
    "Mutex", "RwLock", "Arc", "Rc", "Box", "Option", "RefCell", "Cell",
];

/// The std map inside wrappers like `Arc<Mutex<HashMap<K, V>>>`, with the
/// outermost wrapper's name, if `ty` is such a type.
pub(crate) fn wrapped_map(ty: &Type) -> Option<(&Ident, MapType<'_>)> {
    let (outer, args) = last_segment(ty)?;
    if !WRAPPERS.iter().any(|w| outer == w) || args.len() != 1 {
        return None;
    }
    let mut inner = args[0];
    for _ in 0..4 {
        if let Some(map) = map_type(inner) {
            return Some((outer, map));
        }
        match last_segment(inner) {
            Some((name, args)) if WRAPPERS.iter().any(|w| name == w) && args.len() == 1 => {
                inner = args[0];
            }
            _ => return None,
        }
    }
    None
}
