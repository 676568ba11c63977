//! `#[bounded_map(..)]` on a `static`: the global cache that only grows,
//! made a lazily built, sharded, concurrent bounded map.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Attribute, Error, Expr, Ident, Token, Type, Visibility};

use crate::config::BoundedArgs;
use crate::ctxt::Ctxt;
use crate::leak_safe::{beside_errors, first_token_span};
use crate::map_type::map_type;

/// `#[attrs] vis static [mut] NAME: Type [= init];`, as written (rustc
/// accepts a static without a body in an attribute's input).
struct StaticMap {
    attrs: Vec<Attribute>,
    vis: Visibility,
    mutability: Option<Token![mut]>,
    ident: Ident,
    ty: Type,
    init: Option<(Token![=], Expr)>,
}

impl Parse for StaticMap {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        input.parse::<Token![static]>()?;
        let mutability = input.parse()?;
        let ident = input.parse()?;
        input.parse::<Token![:]>()?;
        let ty = input.parse()?;
        let init = if input.peek(Token![=]) {
            Some((input.parse()?, input.parse()?))
        } else {
            None
        };
        input.parse::<Token![;]>()?;
        Ok(StaticMap {
            attrs,
            vis,
            mutability,
            ident,
            ty,
            init,
        })
    }
}

/// Checks the arguments and the static, then expands it; on misuse, every
/// error and a declaration of the static that IDEs can still see.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let mut config = BoundedArgs::default();
    let parser = syn::meta::parser(|meta| config.parse_key(&meta, &cx));
    if let Err(e) = syn::parse::Parser::parse2(parser, args.clone()) {
        cx.syn_error(e);
    }
    if args.is_empty() {
        config.check_bounded(item.clone().into_iter().next(), &cx);
    } else {
        config.check_bounded(&args, &cx);
    }
    let Ok(item_parsed) = syn::parse2::<StaticMap>(item.clone()) else {
        cx.error_at(
            first_token_span(&item),
            "`#[bounded_map(..)]` goes on a `static` map (`static USERS: HashMap<K, V>;`), or on a field of a `#[leak_safe]` struct",
        );
        return beside_errors(cx, item);
    };
    let StaticMap {
        attrs,
        vis,
        mutability,
        ident,
        ty,
        init,
    } = item_parsed;
    if let Some(m) = mutability {
        cx.error_at(
            m.span(),
            "a `static mut` map needs `unsafe` at every use, and two threads could still race on it; a `#[bounded_map]` static is already safe to share and to change through `&self`: remove `mut`",
        );
    }
    if let Some((eq, init)) = &init {
        cx.error_spanned_by(
            quote! { #eq #init },
            "the map is built from the attribute's settings: remove the initializer and write `static NAME: HashMap<K, V>;`",
        );
    }
    let types = match map_type(&ty) {
        Some(map) if map.args.len() == if map.is_set() { 1 } else { 2 } => {
            let key = map.args[0].clone();
            let value = if map.is_set() {
                syn::parse_quote! { () }
            } else {
                map.args[1].clone()
            };
            Some((key, value))
        }
        Some(map) => {
            cx.error_spanned_by(
                &ty,
                format!(
                    "write the `{}`'s key{} type{} and no hasher: the bounded map brings its own",
                    map.name,
                    if map.is_set() { "" } else { " and value" },
                    if map.is_set() { "" } else { "s" }
                ),
            );
            None
        }
        None => {
            cx.error_spanned_by(
                &ty,
                "`#[bounded_map]` makes a `HashMap<K, V>`, `HashSet<K>`, `BTreeMap<K, V>` or `BTreeSet<K>` static bounded, and this type is none of them",
            );
            None
        }
    };
    let checked = cx.check();
    let ok = checked.is_ok();
    let lazy = quote! { ::leakless::__private::LazyLock };
    match types {
        Some((key, value)) if ok => {
            let map = quote_spanned! { ty.span()=> ::leakless::__private::sync::BoundedMap<#key, #value> };
            let calls = config.builder_calls();
            quote! {
                #(#attrs)*
                #vis static #ident: #lazy<#map> = #lazy::new(|| <#map>::builder() #calls);
            }
        }
        // Keep the name declared, so that uses of it report only the
        // errors above.
        _ => {
            let errors = checked.err().map(Error::into_compile_error);
            quote! {
                #errors
                #(#attrs)*
                #vis static #ident: #lazy<#ty> = #lazy::new(|| ::core::unreachable!());
            }
        }
    }
}
