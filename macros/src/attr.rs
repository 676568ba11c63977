//! Reading the attributes a macro was given, every mistake reported, each on
//! its token: the keys of a bounded map ([`map`], shared by fields,
//! statics and memoised functions), `#[cached]`'s own keys ([`cached`]),
//! durations ([`duration`]), the annotations of a `#[leak_safe]`
//! field, and `#[footprint(..)]`.

pub(crate) mod cached;
pub(crate) mod duration;
pub(crate) mod map;

use proc_macro2::TokenTree;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Attribute, LitStr, Meta, Token};

use crate::ctxt::Ctxt;
use map::{MapArgs, BOUNDED_MAP};

/// The field attributes `#[leak_safe]` reads.
#[derive(Clone, Copy)]
pub(crate) enum Annotation {
    Bounded,
    Weak,
    Unbounded,
}

impl Annotation {
    /// `bounded_map`, `weak_map` or `unbounded`, bare or under `leakless::`.
    pub(crate) fn of(attr: &Attribute) -> Option<Annotation> {
        let segments = &attr.path().segments;
        let prefixed_ok = match segments.len() {
            1 => true,
            2 => segments[0].ident == "leakless",
            _ => false,
        };
        if !prefixed_ok {
            return None;
        }
        let last = &segments.last()?.ident;
        if last == "bounded_map" {
            Some(Annotation::Bounded)
        } else if last == "weak_map" {
            Some(Annotation::Weak)
        } else if last == "unbounded" {
            Some(Annotation::Unbounded)
        } else {
            None
        }
    }
}

/// A field annotation, read.
pub(crate) enum FieldAttr {
    Bounded(Box<MapArgs>),
    Weak {
        /// Given: the map is registered under it.
        name: Option<LitStr>,
    },
    Unbounded {
        /// Required; checked by `valid`.
        reason: Option<LitStr>,
        /// Given: the field is registered under it, as a `Tracked` map.
        name: Option<LitStr>,
    },
}

impl FieldAttr {
    pub(crate) fn from_attr(cx: &Ctxt, kind: Annotation, attr: &Attribute) -> FieldAttr {
        match kind {
            Annotation::Bounded => {
                let mut args = MapArgs::default();
                match &attr.meta {
                    Meta::List(_) => {
                        let parsed = attr.parse_nested_meta(|meta| {
                            args.parse_key(&meta, &BOUNDED_MAP, cx).map(drop)
                        });
                        if let Err(e) = parsed {
                            cx.syn_error(e);
                        }
                    }
                    Meta::Path(_) => {}
                    Meta::NameValue(nv) => cx.error_at(
                        nv.eq_token.span(),
                        "write the settings in parentheses: `#[bounded_map(capacity = 10_000)]`",
                    ),
                }
                FieldAttr::Bounded(Box::new(args))
            }
            Annotation::Weak => FieldAttr::Weak {
                name: weak_name(cx, attr),
            },
            Annotation::Unbounded => {
                let [reason, name] = match &attr.meta {
                    Meta::List(_) => string_keys(
                        cx,
                        attr,
                        ["reason", "name"],
                        "`#[unbounded]` takes `reason = \"..\"` and, to watch it in reports, `name = \"..\"`",
                    ),
                    _ => [None, None],
                };
                FieldAttr::Unbounded { reason, name }
            }
        }
    }
}

/// The optional `name` of `#[weak_map(name = "..")]`, its only key.
fn weak_name(cx: &Ctxt, attr: &Attribute) -> Option<LitStr> {
    match &attr.meta {
        Meta::Path(_) => None,
        Meta::NameValue(nv) => {
            cx.error_spanned_by(
                nv,
                "write `#[weak_map]`, or `#[weak_map(name = \"..\")]` to watch it in reports",
            );
            None
        }
        Meta::List(_) => {
            let [name] = string_keys(
                cx,
                attr,
                ["name"],
                "a weak map needs no bound (entries leave with their value's last `Arc`); its only key is `name = \"..\"`",
            );
            name
        }
    }
}

/// The `key = "..."` pairs of `attr` for `keys`, each at most once. An
/// unknown key is reported with `hint` and its value consumed, so the
/// mistakes after it are still seen.
fn string_keys<const N: usize>(
    cx: &Ctxt,
    attr: &Attribute,
    keys: [&str; N],
    hint: &str,
) -> [Option<LitStr>; N] {
    let mut found: [Option<LitStr>; N] = core::array::from_fn(|_| None);
    let parsed = attr.parse_nested_meta(|meta| {
        match keys.iter().position(|k| meta.path.is_ident(k)) {
            Some(at) => {
                let lit: LitStr = meta.value()?.parse()?;
                if found[at].is_some() {
                    cx.error_at(
                        lit.span(),
                        format!("`{}` is given twice: keep one", keys[at]),
                    );
                }
                found[at] = Some(lit);
            }
            None => {
                let key = meta.path.to_token_stream().to_string();
                cx.error_spanned_by(&meta.path, format!("unknown key `{key}`: {hint}"));
                if meta.input.peek(Token![=]) {
                    let _value: syn::Expr = meta.value()?.parse()?;
                }
            }
        }
        Ok(())
    });
    if let Err(e) = parsed {
        cx.syn_error(e);
    }
    found
}

/// Whether a field's `#[footprint(..)]` attributes say `skip`; anything
/// else in them is an error.
pub(crate) fn footprint_skip(cx: &Ctxt, attrs: &[Attribute]) -> bool {
    let mut skip = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("footprint")) {
        let list = match &attr.meta {
            Meta::List(list) => list,
            Meta::Path(path) => {
                cx.error_spanned_by(
                    path,
                    "`#[footprint]` needs an argument: write `#[footprint(skip)]` to leave \
                     this field out, or remove the attribute to count it",
                );
                continue;
            }
            Meta::NameValue(nv) => {
                cx.error_spanned_by(
                    nv,
                    "expected `#[footprint(skip)]`: it is the only form this attribute takes",
                );
                continue;
            }
        };
        if list.tokens.is_empty() {
            cx.error_at(
                list.delimiter.span().join(),
                "`#[footprint()]` is empty: write `#[footprint(skip)]` to leave this field \
                 out, or remove the attribute to count it",
            );
            continue;
        }
        let parsed = list.parse_nested_meta(|meta| {
            let known = meta.path.is_ident("skip");
            if !known {
                let key = meta.path.to_token_stream().to_string().replace(' ', "");
                cx.syn_error(meta.error(format_args!(
                    "unknown key `{key}` in `#[footprint(..)]`: the only key is `skip`, \
                     as in `#[footprint(skip)]`"
                )));
            } else if skip {
                cx.syn_error(
                    meta.error("duplicate `skip`: the field is already skipped; remove this one"),
                );
            } else {
                skip = true;
            }
            // Whatever follows the key (`= value` or `(..)`) is consumed so
            // that parsing can go on to the next key.
            if meta.input.peek(Token![=]) {
                let value: syn::Expr = meta.value()?.parse()?;
                if known {
                    cx.error_spanned_by(value, "`skip` takes no value: write `#[footprint(skip)]`");
                }
            } else if meta.input.peek(syn::token::Paren) {
                let group: TokenTree = meta.input.parse()?;
                if known {
                    cx.error_at(
                        group.span(),
                        "`skip` takes no arguments: write `#[footprint(skip)]`",
                    );
                }
            }
            Ok(())
        });
        if let Err(err) = parsed {
            cx.syn_error(err);
        }
    }
    skip
}
