//! The syntax tree of what a macro was given: the std map a type names,
//! the fields of a `#[leak_safe]` struct with their annotations read, a
//! `#[bounded_map]` static and a `#[cached]` function ([`memo`]).

pub(crate) mod memo;

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::{
    parse_quote_spanned, Attribute, Expr, GenericArgument, Ident, PathArguments, Token, Type,
    Visibility,
};

use crate::attr::{Annotation, FieldAttr};
use crate::ctxt::Ctxt;

/// The std map and set types `#[leak_safe]` watches.
const FAMILIES: [&str; 4] = ["HashMap", "HashSet", "BTreeMap", "BTreeSet"];

/// Types a map is often kept inside: a field of one of these around a map
/// can leak just the same. Sequences count (`Vec<HashMap<..>>` is
/// hand-rolled sharding), and so do arrays and slices, below.
const WRAPPERS: [&str; 10] = [
    "Mutex", "RwLock", "Arc", "Rc", "Box", "Option", "RefCell", "Cell", "Vec", "VecDeque",
];

/// The one type a wrapper holds, and how to name the wrapper in a message:
/// `Mutex<T>`, `[T; N]`, `[T]` (so `Box<[T]>` too), parentheses.
fn wrapped_one(ty: &Type) -> Option<(String, &Type)> {
    match ty {
        Type::Array(a) => Some(("[..; N]".to_string(), &a.elem)),
        Type::Slice(s) => Some(("[..]".to_string(), &s.elem)),
        Type::Paren(p) => wrapped_one(&p.elem),
        Type::Group(g) => wrapped_one(&g.elem),
        _ => match last_segment(ty)? {
            (name, args) if WRAPPERS.iter().any(|w| name == w) && args.len() == 1 => {
                Some((format!("{name}<..>"), args[0]))
            }
            _ => None,
        },
    }
}

/// A std map or set type, recognized by the last segment of its path
/// (`HashMap<K, V>`, `std::collections::HashSet<K>`, ...).
pub(crate) struct MapType {
    pub(crate) name: Ident,
    /// Its type arguments, as written.
    pub(crate) args: Vec<Type>,
}

impl MapType {
    /// The std map or set `ty` names, if it names one.
    pub(crate) fn of(ty: &Type) -> Option<MapType> {
        let (name, args) = last_segment(ty)?;
        FAMILIES.iter().any(|f| name == f).then(|| MapType {
            name: name.clone(),
            args: args.into_iter().cloned().collect(),
        })
    }

    /// The std map inside wrappers like `Arc<Mutex<HashMap<K, V>>>` or
    /// `Vec<HashMap<K, V>>`, with the outermost wrapper as a message names
    /// it (`Arc<..>`, `[..; N]`), if `ty` is such a type. A map behind a
    /// type alias is not seen: the macro reads tokens, not types.
    pub(crate) fn wrapped(ty: &Type) -> Option<(String, MapType)> {
        let (outer, mut inner) = wrapped_one(ty)?;
        for _ in 0..4 {
            if let Some(map) = MapType::of(inner) {
                return Some((outer, map));
            }
            inner = wrapped_one(inner)?.1;
        }
        None
    }

    pub(crate) fn is_set(&self) -> bool {
        self.name == "HashSet" || self.name == "BTreeSet"
    }

    /// How many type arguments a bounded map needs: a key, and a value
    /// unless it is a set.
    pub(crate) fn arity(&self) -> usize {
        if self.is_set() {
            1
        } else {
            2
        }
    }

    /// The key and value of the bounded map this type becomes (a set's
    /// value is `()`, spanned on `ty`), if it has exactly its key and value.
    pub(crate) fn entry(&self, span: Span) -> Option<(Type, Type)> {
        if self.args.len() != self.arity() {
            return None;
        }
        let value = if self.is_set() {
            parse_quote_spanned! { span=> () }
        } else {
            self.args[1].clone()
        };
        Some((self.args[0].clone(), value))
    }

    /// The value type of a `HashMap<K, V>`, the only map `#[weak_map]`
    /// takes.
    pub(crate) fn hash_map_value(&self) -> Option<&Type> {
        (self.name == "HashMap" && self.args.len() == 2).then(|| &self.args[1])
    }

    /// The key and the `V` of a `HashMap<K, Arc<V>>`, for `#[weak_map]`.
    pub(crate) fn weak_entry(&self) -> Option<(Type, Type)> {
        let arc_of = arc_inner(self.hash_map_value()?)?;
        Some((self.args[0].clone(), arc_of.clone()))
    }
}

/// The `V` of `Arc<V>`.
pub(crate) fn arc_inner(ty: &Type) -> Option<&Type> {
    match last_segment(ty) {
        Some((name, args)) if name == "Arc" && args.len() == 1 => Some(args[0]),
        _ => None,
    }
}

/// The last segment of a plain type path, with its type arguments.
fn last_segment(ty: &Type) -> Option<(&Ident, Vec<&Type>)> {
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

/// A field of a `#[leak_safe]` struct.
pub(crate) struct Field {
    /// Its name, or its position in a tuple struct.
    pub(crate) name: String,
    /// `None` for a tuple struct's field.
    pub(crate) ident: Option<Ident>,
    pub(crate) ty: Type,
    pub(crate) map: Option<MapType>,
    /// The first annotation, read; a field takes one.
    pub(crate) annotation: Option<Annotated>,
}

/// A field's annotation and what it says.
pub(crate) struct Annotated {
    pub(crate) attr: Attribute,
    pub(crate) parsed: FieldAttr,
}

impl Field {
    /// Reads `field`'s annotations, removing them from it (they are not
    /// attributes rustc knows).
    pub(crate) fn from_syn(cx: &Ctxt, index: usize, field: &mut syn::Field) -> Field {
        let (ours, theirs): (Vec<Attribute>, Vec<Attribute>) = core::mem::take(&mut field.attrs)
            .into_iter()
            .partition(|a| Annotation::of(a).is_some());
        field.attrs = theirs;
        let mut ours = ours.into_iter();
        let annotation = ours.next().and_then(|attr| {
            for extra in ours {
                cx.error_spanned_by(
                    extra,
                    "a field takes one of `#[bounded_map(..)]`, `#[weak_map]` or `#[unbounded(..)]`: keep the one that says what this map is",
                );
            }
            let kind = Annotation::of(&attr)?;
            let parsed = FieldAttr::from_attr(cx, kind, &attr);
            Some(Annotated { attr, parsed })
        });
        Field {
            name: field
                .ident
                .as_ref()
                .map_or_else(|| index.to_string(), unraw),
            ident: field.ident.clone(),
            ty: field.ty.clone(),
            map: MapType::of(&field.ty),
            annotation,
        }
    }
}

/// An identifier without its `r#`.
pub(crate) fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map_or(s.clone(), str::to_string)
}

/// `#[attrs] vis static [mut] NAME: Type [= init];`, as written (rustc
/// accepts a static without a body in an attribute's input).
pub(crate) struct StaticMap {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) mutability: Option<Token![mut]>,
    pub(crate) ident: Ident,
    pub(crate) ty: Type,
    pub(crate) init: Option<(Token![=], Expr)>,
    pub(crate) map: Option<MapType>,
}

impl Parse for StaticMap {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        input.parse::<Token![static]>()?;
        let mutability = input.parse()?;
        let ident = input.parse()?;
        input.parse::<Token![:]>()?;
        let ty: Type = input.parse()?;
        let init = if input.peek(Token![=]) {
            Some((input.parse()?, input.parse()?))
        } else {
            None
        };
        input.parse::<Token![;]>()?;
        let map = MapType::of(&ty);
        Ok(StaticMap {
            attrs,
            vis,
            mutability,
            ident,
            ty,
            init,
            map,
        })
    }
}
