//! The checks that need more than one attribute or token: that a map says
//! how it is bounded, that an annotation fits its field's type, that a
//! static or a handle is of the shape its macro rewrites; a `#[cached]`
//! function's checks are in [`memo`].

pub(crate) mod memo;

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::spanned::Spanned;
use syn::{Attribute, Fields, ItemStruct, Type};

use crate::ast::{self, Annotated, MapType, StaticMap};
use crate::attr::map::MapArgs;
use crate::attr::FieldAttr;
use crate::ctxt::Ctxt;

/// `#[leak_safe]` is configured on its fields, not on itself.
pub(crate) fn leak_safe_args(cx: &Ctxt, args: &TokenStream) {
    if !args.is_empty() {
        cx.error_spanned_by(
            args,
            "`#[leak_safe]` takes no arguments: settings go on each map field, e.g. `#[bounded_map(capacity = 10_000)]`",
        );
    }
}

/// A map key list bounds the map (unless a key was unknown: it may have
/// been the misspelt bound).
pub(crate) fn map_bounded(cx: &Ctxt, args: &MapArgs, at: impl ToTokens) {
    if !args.unknown && !args.gives_a_bound() {
        cx.error_spanned_by(
            at,
            "`#[bounded_map]` needs a bound, or the map could still grow forever: add `capacity = ..`, `max_weight = ..`, `ttl = \"..\"` or `tti = \"..\"`",
        );
    }
}

/// A `#[leak_safe]` field: a map says what it is, and what it says fits it.
pub(crate) fn field(cx: &Ctxt, field: &ast::Field) {
    let Some(Annotated { attr, parsed }) = &field.annotation else {
        unannotated(cx, field);
        return;
    };
    match parsed {
        FieldAttr::Bounded(args) => {
            map_bounded(cx, args, attr);
            bounded_type(cx, &field.ty, field.map.as_ref());
        }
        FieldAttr::Weak { .. } => weak_type(cx, &field.ty, field.map.as_ref()),
        FieldAttr::Unbounded { reason, .. } => match reason {
            Some(r) if !r.value().trim().is_empty() => {}
            Some(r) => cx.error_at(
                r.span(),
                "the reason is empty: say why this map cannot grow without bound",
            ),
            None => cx.error_spanned_by(
                attr,
                "`#[unbounded]` needs the reason this map cannot grow without bound: `#[unbounded(reason = \"one entry per configured region\")]`",
            ),
        },
    }
}

/// A map field nobody said anything about, bare or inside a `Mutex` or the
/// like.
fn unannotated(cx: &Ctxt, field: &ast::Field) {
    let name = match field.ident {
        Some(_) => format!("`{}`", field.name),
        None => "this field".to_string(),
    };
    if let Some(map) = &field.map {
        cx.error_spanned_by(
            &field.ty,
            format!(
                "{name} is a `{}` with no bound, the map that leaks: add `#[bounded_map(capacity = ..)]` to bound it, `#[weak_map]` if its values are `Arc`s owned elsewhere, or `#[unbounded(reason = \"..\")]` to say why it cannot grow forever",
                map.name
            ),
        );
    } else if let Some((wrapper, map)) = MapType::wrapped(&field.ty) {
        cx.error_spanned_by(
            &field.ty,
            format!(
                "{name} keeps a `{}` inside `{wrapper}` with no bound, the shared cache that only grows: use a `leakless::sync::BoundedMap` (sharded and bounded, it needs no `Mutex`), or mark the field `#[unbounded(reason = \"..\")]` to say why it cannot grow forever",
                map.name
            ),
        );
    }
}

/// A field `#[bounded_map]` can bound: a std map with its key and value.
fn bounded_type(cx: &Ctxt, ty: &Type, map: Option<&MapType>) {
    let Some(map) = map else {
        cx.error_spanned_by(
            ty,
            format!(
                "`#[bounded_map]` goes on a `HashMap<K, V>`, `HashSet<K>`, `BTreeMap<K, V>` or `BTreeSet<K>` field, and `{}` is none of them",
                written(ty)
            ),
        );
        return;
    };
    let wanted = map.arity();
    if map.args.len() > wanted {
        cx.error_spanned_by(
            &map.args[wanted],
            "leakless maps hash with their own randomly seeded hasher: drop the hasher parameter",
        );
    } else if map.args.len() < wanted {
        cx.error_spanned_by(
            ty,
            format!(
                "write the `{}`'s type arguments out (`{}`), so the bounded map knows them",
                map.name,
                if map.is_set() {
                    "HashSet<K>"
                } else {
                    "HashMap<K, V>"
                }
            ),
        );
    }
}

/// A field `#[weak_map]` can hold: a `HashMap<K, Arc<V>>`.
fn weak_type(cx: &Ctxt, ty: &Type, map: Option<&MapType>) {
    let Some(value) = map.and_then(MapType::hash_map_value) else {
        cx.error_spanned_by(
            ty,
            format!(
                "`#[weak_map]` goes on a `HashMap<K, Arc<V>>` field, and `{}` is not one",
                written(ty)
            ),
        );
        return;
    };
    if ast::arc_inner(value).is_none() {
        cx.error_spanned_by(
            value,
            format!(
                "`#[weak_map]` holds its values weakly, so they must be `Arc<V>` owned elsewhere; `{}` is not an `Arc`",
                written(value)
            ),
        );
    }
}

/// A `#[bounded_map]` static: not `mut`, no initializer, a std map with
/// its key and value.
pub(crate) fn static_map(cx: &Ctxt, item: &StaticMap) {
    if let Some(m) = item.mutability {
        cx.error_at(
            m.span(),
            "a `static mut` map needs `unsafe` at every use, and two threads could still race on it; a `#[bounded_map]` static is already safe to share and to change through `&self`: remove `mut`",
        );
    }
    if let Some((eq, init)) = &item.init {
        cx.error_spanned_by(
            quote! { #eq #init },
            "the map is built from the attribute's settings: remove the initializer and write `static NAME: HashMap<K, V>;`",
        );
    }
    match &item.map {
        Some(map) if map.args.len() == map.arity() => {}
        Some(map) => cx.error_spanned_by(
            &item.ty,
            format!(
                "write the `{}`'s key{} type{} and no hasher: the bounded map brings its own",
                map.name,
                if map.is_set() { "" } else { " and value" },
                if map.is_set() { "" } else { "s" }
            ),
        ),
        None => cx.error_spanned_by(
            &item.ty,
            "`#[bounded_map]` makes a `HashMap<K, V>`, `HashSet<K>`, `BTreeMap<K, V>` or `BTreeSet<K>` static bounded, and this type is none of them",
        ),
    }
}

/// `#[handle]`'s input: no arguments, a unit struct, not generic.
pub(crate) fn handle(cx: &Ctxt, args: &TokenStream, item: &ItemStruct) {
    if !args.is_empty() {
        cx.error_at(
            args.span(),
            "`#[handle]` takes no arguments: write `#[handle]`",
        );
    }
    if !item.generics.params.is_empty() {
        cx.error_at(
            item.generics.span(),
            "a handle type cannot be generic: declare one handle type per arena, e.g. `#[handle] struct NodeId;`",
        );
    }
    if !matches!(item.fields, Fields::Unit) {
        cx.error_at(
            item.fields.span(),
            "`#[handle]` needs a unit struct (`struct NodeId;`): it adds the index and version field itself",
        );
    }
}

/// `#[footprint(..)]` where it means nothing: on the type or a variant.
pub(crate) fn footprint_misplaced(cx: &Ctxt, attrs: &[Attribute], place: &str) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("footprint")) {
        cx.error_spanned_by(
            attr,
            format_args!(
                "`#[footprint(..)]` goes on a field, not on {place}: put \
                 `#[footprint(skip)]` on each field to leave out"
            ),
        );
    }
}

/// A type as the user wrote it, without the token stream's spaces
/// (`Vec<String>`, not `Vec < String >`).
fn written(ty: &Type) -> String {
    let mut s = ty.to_token_stream().to_string();
    for (from, to) in [
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
        (" :: ", "::"),
        (":: ", "::"),
        ("& ", "&"),
    ] {
        s = s.replace(from, to);
    }
    s
}
