//! `#[cached(..)]` on a function: the function keeps its signature and asks
//! a lazily built `sync::BoundedMap` first, through the single-flight
//! loading calls (`get_or_insert_with` for a sync fn,
//! `get_or_insert_async` for an async one, their `try_` twins for a
//! `Result` or an `Option`); the body runs only for a missing (or stale)
//! key. The map is a static inside a generated `<fn>_cache()` accessor.
//! With `shared = url`, the accessor holds a Redis `tier::Tier` instead,
//! whose L1 is that map, and the body runs on a miss in both.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, ItemFn, Type};

use super::{beside_errors, builder_settings, first_token_span, with_errors};
use crate::ast::memo::{MemoFn, Param, Stored};
use crate::ast::unraw;
use crate::attr::cached::CachedArgs;
use crate::ctxt::Ctxt;
use crate::valid;

/// Checks the arguments and the function, then expands it; on misuse,
/// every error beside the function as written.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let config = CachedArgs::from_tokens(&cx, args.clone());
    let Ok(parsed) = syn::parse2::<ItemFn>(item.clone()) else {
        cx.error_at(
            first_token_span(&item),
            "`#[cached(..)]` goes on a function: `#[leakless::cached(capacity = 10_000)] fn user_name(id: u64) -> String`",
        );
        return beside_errors(cx, item);
    };
    let f = MemoFn::from_item(parsed);
    let at = if args.is_empty() {
        quote!(#item).into_iter().take(2).collect()
    } else {
        args
    };
    valid::memo::check(&cx, &config, &f, at);
    match (cx.check(), &f.output.value) {
        (Ok(()), Some(value)) => generate(&config, &f, value),
        (Err(errors), _) => with_errors(errors, item),
        // `valid` reports a value type it cannot name.
        (Ok(()), None) => item,
    }
}

/// The key type a parameter contributes and the expression that makes it:
/// a reference's owned form (`&str` → `String`, `&[T]` → `Vec<T>`, `&T` →
/// `T`), anything else cloned. Spanned on the parameter's type, so a
/// missing bound points there.
fn owned(p: &Param, name: &Ident) -> (TokenStream, TokenStream) {
    let span = p.ty.span();
    match &p.ty {
        Type::Reference(r) => {
            let ty = match &*r.elem {
                Type::Path(path) if path.qself.is_none() && path.path.is_ident("str") => {
                    quote_spanned! { span=> ::std::string::String }
                }
                Type::Slice(s) => {
                    let elem = &s.elem;
                    quote_spanned! { span=> ::std::vec::Vec<#elem> }
                }
                other => quote_spanned! { span=> #other },
            };
            let expr = quote_spanned! { span=> ::std::borrow::ToOwned::to_owned(&*#name) };
            (ty, expr)
        }
        ty => (
            quote_spanned! { span=> #ty },
            quote_spanned! { span=> ::core::clone::Clone::clone(&#name) },
        ),
    }
}

fn generate(args: &CachedArgs, f: &MemoFn, value: &Type) -> TokenStream {
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = &f.item;
    let name = &sig.ident;
    let accessor = format_ident!("{}_cache", unraw(name), span = name.span());
    let keyed: Vec<&Param> = match &args.key {
        Some((names, _)) => names.iter().filter_map(|n| f.param(n)).collect(),
        None => f.params.iter().collect(),
    };
    let (key_tys, key_exprs): (Vec<_>, Vec<_>) = keyed
        .iter()
        .filter_map(|p| Some(owned(p, p.ident.as_ref()?)))
        .unzip();
    let (key_ty, key_expr) = match (key_tys.as_slice(), key_exprs.as_slice()) {
        ([ty], [expr]) => (ty.clone(), expr.clone()),
        _ => (quote!((#(#key_tys,)*)), quote!((#(#key_exprs,)*))),
    };
    let l1_ty = quote! { ::leakless::__private::sync::BoundedMap<#key_ty, #value> };
    let map_ty = match args.shared {
        Some(_) => quote! { ::leakless::__private::tier::Tier<#key_ty, #value> },
        None => l1_ty.clone(),
    };
    let map = if f.receiver.is_some() {
        quote! { Self::#accessor() }
    } else {
        quote! { #accessor() }
    };
    let key = Ident::new("__leakless_key", Span::mixed_site());
    let load = match args.shared {
        Some(_) => load_shared(f, &map, &key, block),
        None => load(f, &map, &key, block),
    };
    let calls = builder(args, name);
    let map_static = Ident::new("MEMO", Span::mixed_site());
    let init = match &args.shared {
        Some(url) => shared_init(args, url, name, &map_ty, &l1_ty, &calls, &map_static),
        None => {
            let lazy = quote! { ::leakless::__private::LazyLock };
            quote! {
                static #map_static: #lazy<#map_ty> = #lazy::new(|| <#map_ty>::builder() #calls);
                &#map_static
            }
        }
    };
    let key_bound = Ident::new("memo_key", Span::mixed_site());
    let value_bound = Ident::new("memo_value", Span::mixed_site());
    let key_checks = key_tys.iter().map(|ty| {
        let span = ty.span();
        quote_spanned! { span=> #key_bound::<#ty>(); }
    });
    let value_check = quote_spanned! { value.span()=> #value_bound::<#value>(); };
    let doc = match args.shared {
        Some(_) => format!(
            "The shared memo of `{fn_name}`: a `leakless::tier::Tier` (Redis, namespace: its \
             module path and `{fn_name}`) in front of a bounded L1 map, built on the first call, \
             which must run inside a tokio runtime. Use it for `stats()`, `l1().clear()`, \
             `remove(&key).await`.",
            fn_name = unraw(name)
        ),
        None => format!(
            "The memo map of `{fn_name}`: a bounded `leakless::sync::BoundedMap` from its key to \
             the values it returned, built on first use and listed in `leakless::registry` (as \
             `name = \"..\"`, else its module path and `{fn_name}`). Use it for `stats()`, \
             `clear()`, `remove(&key)`.",
            fn_name = unraw(name)
        ),
    };
    // The accessor first: its bound checks, spanned on the parameters, are
    // then the first errors a missing bound gives.
    quote! {
        #[doc = #doc]
        #[allow(dead_code)]
        #vis fn #accessor() -> &'static #map_ty {
            fn #key_bound<K>()
            where
                K: ::core::hash::Hash + ::core::cmp::Eq + ::core::clone::Clone
                    + ::core::marker::Send + ::core::marker::Sync + 'static,
            {
            }
            fn #value_bound<V>()
            where
                V: ::core::clone::Clone + ::core::marker::Send + ::core::marker::Sync + 'static,
            {
            }
            #(#key_checks)*
            #value_check
            #init
        }

        #(#attrs)*
        #vis #sig {
            let #key = #key_expr;
            #load
        }
    }
}

/// The call that returns the memoised value, running `block` on a miss.
fn load(f: &MemoFn, map: &TokenStream, key: &Ident, block: &syn::Block) -> TokenStream {
    let ret = &f.output.ty;
    let private = quote! { ::leakless::__private };
    if f.item.sig.asyncness.is_some() {
        let body = quote! { #private::memo_body::<#ret, _>(async move #block) };
        match f.output.stored {
            Stored::All => quote! { #map.get_or_insert_async(#key, #body).await },
            Stored::Ok => quote! { #map.try_get_or_insert_async(#key, #body).await },
            Stored::Some => quote! {
                ::core::result::Result::ok(
                    #map.try_get_or_insert_async(#key, async move {
                        ::core::option::Option::ok_or(#body.await, ())
                    })
                    .await,
                )
            },
        }
    } else {
        let body = quote! { move || -> #ret #block };
        match f.output.stored {
            Stored::All => quote! { #map.get_or_insert_with(#key, #body) },
            Stored::Ok => quote! { #map.try_get_or_insert_with(#key, #body) },
            Stored::Some => quote! {
                ::core::result::Result::ok(#map.try_get_or_insert_with(#key, move || {
                    ::core::option::Option::ok_or((#body)(), ())
                }))
            },
        }
    }
}

/// The shared accessor's body: a `OnceLock` tier, built on the first call
/// with the memo's TTL, its namespace the module path and the function's
/// name, and the memo map as its L1. Without the facade's `redis` feature,
/// `require_redis!` is a `compile_error!` that says so.
fn shared_init(
    args: &CachedArgs,
    url: &syn::Expr,
    name: &Ident,
    tier_ty: &TokenStream,
    l1_ty: &TokenStream,
    calls: &TokenStream,
    tier_static: &Ident,
) -> TokenStream {
    let private = quote! { ::leakless::__private };
    let fn_name = unraw(name);
    let namespace = quote! { ::core::concat!(::core::module_path!(), "::", #fn_name) };
    // `valid` refuses `shared` without a `ttl`.
    let ttl = args.map.ttl.map_or(0, |(ms, _)| ms);
    let url = quote_spanned! { url.span()=>
        ::core::convert::AsRef::<str>::as_ref(&(#url))
    };
    let require = quote_spanned! { url.span()=> #private::require_redis!(); };
    quote! {
        #require
        static #tier_static: #private::OnceLock<#tier_ty> = #private::OnceLock::new();
        #tier_static.get_or_init(|| {
            #private::tier::built(
                #namespace,
                <#tier_ty>::builder(#url)
                    .namespace(#namespace)
                    .ttl(::core::time::Duration::from_millis(#ttl))
                    .l1(<#l1_ty>::builder() #calls)
                    .build(),
            )
        })
    }
}

/// The shared call: `get_or_load`, its only error (a key or value that
/// cannot be encoded) a panic naming the function; a `Result` function's
/// error through `E: From<tier::Error>` (`try_get_or_load`); an `Option`'s
/// `None` through the tier's `Miss`.
fn load_shared(f: &MemoFn, tier: &TokenStream, key: &Ident, block: &syn::Block) -> TokenStream {
    let ret = &f.output.ty;
    let private = quote! { ::leakless::__private };
    let fn_name = unraw(&f.item.sig.ident);
    let namespace = quote! { ::core::concat!(::core::module_path!(), "::", #fn_name) };
    let body = quote! { #private::memo_body::<#ret, _>(async move #block) };
    match f.output.stored {
        Stored::All => quote! {
            #private::tier::value(#namespace, #tier.get_or_load(#key, #body).await)
        },
        Stored::Ok => quote! { #tier.try_get_or_load(#key, #body).await },
        Stored::Some => quote! {
            #private::tier::some(
                #namespace,
                #tier.try_get_or_load(#key, async move {
                    ::core::option::Option::ok_or(#body.await, #private::tier::Miss::None)
                })
                .await,
            )
        },
    }
}

/// The builder calls: the map keys, then `refresh`, `clock`, the default
/// registry name and `.build()`.
fn builder(args: &CachedArgs, name: &Ident) -> TokenStream {
    let mut calls = builder_settings(&args.map);
    if let Some((ms, span)) = args.refresh {
        calls.extend(quote_spanned! { span=>
            .refresh_after(::core::time::Duration::from_millis(#ms))
        });
    }
    if let Some(clock) = &args.clock {
        calls.extend(quote_spanned! { clock.span()=> .clock(#clock) });
    }
    if args.map.name.is_none() {
        let fn_name = unraw(name);
        calls.extend(quote! {
            .name(::core::concat!(::core::module_path!(), "::", #fn_name))
        });
    }
    calls.extend(quote! { .build() });
    calls
}
