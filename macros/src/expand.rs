//! Expansion, one module per macro, and what they share: the builder calls
//! of a configured map, and the user's item kept beside the errors.

pub(crate) mod cached;
pub(crate) mod footprint;
pub(crate) mod handle;
pub(crate) mod leak_safe;
pub(crate) mod static_map;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Error;

use crate::attr::map::MapArgs;
use crate::ctxt::Ctxt;

/// The item as written, beside every error: IDEs still see it.
fn with_errors(errors: Error, item: TokenStream) -> TokenStream {
    let errors = errors.into_compile_error();
    quote! { #errors #item }
}

/// The item beside `cx`'s errors, for an input known to be wrong.
fn beside_errors(cx: Ctxt, item: TokenStream) -> TokenStream {
    match cx.check() {
        Ok(()) => item,
        Err(errors) => with_errors(errors, item),
    }
}

/// Where to report an input that is not the item a macro rewrites.
fn first_token_span(item: &TokenStream) -> Span {
    item.clone()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |t| t.span())
}

/// The builder calls after `::builder()` up to and including `.build()`.
fn builder_calls(args: &MapArgs) -> TokenStream {
    let mut calls = builder_settings(args);
    calls.extend(quote! { .build() });
    calls
}

/// The builder calls the map keys make, without `.build()`.
fn builder_settings(args: &MapArgs) -> TokenStream {
    let mut calls = TokenStream::new();
    if let Some(c) = &args.capacity {
        calls.extend(quote_spanned! { c.span()=> .capacity(#c) });
    }
    if let Some(w) = &args.max_weight {
        calls.extend(quote_spanned! { w.span()=> .max_weight(#w) });
    }
    if let Some(f) = &args.weigher {
        calls.extend(quote_spanned! { f.span()=> .weigher(#f) });
    }
    for (method, d) in [("ttl", args.ttl), ("tti", args.tti)] {
        if let Some((ms, span)) = d {
            let method = syn::Ident::new(method, span);
            calls.extend(quote_spanned! { span=>
                .#method(::core::time::Duration::from_millis(#ms))
            });
        }
    }
    if let Some(f) = &args.on_evict {
        calls.extend(quote_spanned! { f.span()=> .on_evict(#f) });
    }
    if let Some(n) = &args.name {
        calls.extend(quote! { .name(#n) });
    }
    if let Some((variant, span)) = args.policy {
        let variant = syn::Ident::new(variant, span);
        calls.extend(quote_spanned! { span=>
            .policy(::leakless::__private::Policy::#variant)
        });
    }
    // Last: the sync builder's `hasher` (which none of these calls) would
    // reset it.
    if let Some((ms, span)) = args.purge_every {
        calls.extend(quote_spanned! { span=>
            .purge_expired_every(::core::time::Duration::from_millis(#ms))
        });
    }
    calls
}
