//! `#[cached(..)]`'s arguments: the map keys of `#[bounded_map]`, read by
//! the same parser, plus the memo's own `key`, `refresh`, `clock` and
//! `shared`.

use proc_macro2::{Span, TokenStream};
use syn::{Expr, Ident, Lit, LitStr};

use super::map::{parse_duration, Key, KeySet, MapArgs, MAP_KEYS, PURGE_EVERY};
use crate::ctxt::Ctxt;

/// What `#[cached(..)]` takes: every map key, then its own.
const CACHED: KeySet<'static> = KeySet {
    map: &MAP_KEYS,
    own: &[
        Key {
            name: "key",
            example: "key = \"id\"",
        },
        Key {
            name: "refresh",
            example: "refresh = \"20s\"",
        },
        Key {
            name: "clock",
            example: "clock = my_clock()",
        },
        PURGE_EVERY,
        Key {
            name: "shared",
            example: "shared = \"redis://127.0.0.1:6379/\"",
        },
    ],
};

/// `#[cached(..)]`'s arguments, read.
#[derive(Default)]
pub(crate) struct CachedArgs {
    pub(crate) map: MapArgs,
    /// The parameters named by `key = "a, b"`, each spanned on the literal.
    pub(crate) key: Option<(Vec<Ident>, LitStr)>,
    /// `refresh = ".."` in milliseconds, spanned on the literal.
    pub(crate) refresh: Option<(u64, Span)>,
    /// `clock = expr`: anything `Into<leakless::Clock>`, for tests.
    pub(crate) clock: Option<Expr>,
    /// `shared = expr`: the Redis URL (`&str` or `String`) of a shared tier
    /// between the memo map and the body.
    pub(crate) shared: Option<Expr>,
}

impl CachedArgs {
    pub(crate) fn from_tokens(cx: &Ctxt, args: TokenStream) -> Self {
        let mut parsed = CachedArgs::default();
        let parser = syn::meta::parser(|meta| {
            let Some(own) = parsed.map.parse_key(&meta, &CACHED, cx)? else {
                return Ok(());
            };
            if !meta.input.peek(syn::Token![=]) {
                let example = CACHED.own.iter().find(|k| k.name == own).map(|k| k.example);
                cx.syn_error(meta.error(format!(
                    "`{own}` needs a value: `{}`",
                    example.unwrap_or_default()
                )));
                return Ok(());
            }
            if own == PURGE_EVERY.name {
                parsed.map.purge_every = parsed.map.own_duration(&meta, &PURGE_EVERY, cx)?;
                return Ok(());
            }
            let value: Expr = meta.value()?.parse()?;
            match own {
                "key" => parsed.key = key_names(&value, cx),
                "refresh" => parsed.refresh = parse_duration(&value, "refresh", cx),
                "clock" => parsed.clock = Some(value),
                _ => parsed.shared = Some(value),
            }
            Ok(())
        });
        if let Err(e) = syn::parse::Parser::parse2(parser, args) {
            cx.syn_error(e);
        }
        parsed
    }
}

/// The parameter names of `key = "a, b"`, or an error on the value.
fn key_names(value: &Expr, cx: &Ctxt) -> Option<(Vec<Ident>, LitStr)> {
    let Expr::Lit(syn::ExprLit {
        lit: Lit::Str(lit), ..
    }) = value
    else {
        cx.error_spanned_by(
            value,
            "`key` names the parameters to key on, in a string: `key = \"id\"` or `key = \"user, page\"`",
        );
        return None;
    };
    let mut names = Vec::new();
    for part in lit.value().split(',') {
        if part.trim() == "self" {
            cx.error_at(
                lit.span(),
                "the receiver cannot be part of the key: the memo map is shared by every instance, \
                 so key on the parameters (or fields passed as parameters) that identify the value",
            );
            return None;
        }
        match syn::parse_str::<Ident>(part.trim()) {
            Ok(name) => names.push(Ident::new(&name.to_string(), lit.span())),
            Err(_) => {
                cx.error_at(
                    lit.span(),
                    format!(
                        "`{}` is not a parameter name: `key` lists parameters, e.g. `key = \"user, page\"`",
                        part.trim()
                    ),
                );
                return None;
            }
        }
    }
    Some((names, lit.clone()))
}
