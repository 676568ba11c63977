//! `#[bounded_map(..)]` on a `static`: the global cache that only grows,
//! made a lazily built, sharded, concurrent bounded map.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Error;

use super::{beside_errors, builder_calls, first_token_span};
use crate::ast::StaticMap;
use crate::attr::map::MapArgs;
use crate::ctxt::Ctxt;
use crate::valid;

/// Checks the arguments and the static, then expands it; on misuse, every
/// error and a declaration of the static that IDEs can still see.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let config = MapArgs::from_tokens(&cx, args.clone());
    if args.is_empty() {
        valid::map_bounded(&cx, &config, item.clone().into_iter().next());
    } else {
        valid::map_bounded(&cx, &config, &args);
    }
    let Ok(parsed) = syn::parse2::<StaticMap>(item.clone()) else {
        cx.error_at(
            first_token_span(&item),
            "`#[bounded_map(..)]` goes on a `static` map (`static USERS: HashMap<K, V>;`), or on a field of a `#[leak_safe]` struct",
        );
        return beside_errors(cx, item);
    };
    valid::static_map(&cx, &parsed);
    let StaticMap {
        attrs,
        vis,
        ident,
        ty,
        ..
    } = &parsed;
    let lazy = quote! { ::leakless::__private::LazyLock };
    let entry = parsed.map.as_ref().and_then(|m| m.entry(ty.span()));
    match (cx.check(), entry) {
        (Ok(()), Some((key, value))) => {
            let map = quote_spanned! { ty.span()=> ::leakless::__private::sync::BoundedMap<#key, #value> };
            let calls = builder_calls(&config);
            quote! {
                #(#attrs)*
                #vis static #ident: #lazy<#map> = #lazy::new(|| <#map>::builder() #calls);
                // The type as written stays named, so the user's import of
                // it (`use std::collections::HashMap;`) is not reported unused.
                const _: ::core::marker::PhantomData<#ty> = ::core::marker::PhantomData;
            }
        }
        // Keep the name declared, so that uses of it report only the
        // errors above.
        (checked, _) => {
            let errors = checked.err().map(Error::into_compile_error);
            quote! {
                #errors
                #(#attrs)*
                #vis static #ident: #lazy<#ty> = #lazy::new(|| ::core::unreachable!());
            }
        }
    }
}
