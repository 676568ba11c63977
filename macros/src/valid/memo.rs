//! `#[cached]`'s checks: the memo is bounded, its key is one the map can
//! hold, and the function is of a shape that can be memoised.

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{GenericParam, Type};

use crate::ast::memo::{is_impl_trait, MemoFn, Stored};
use crate::attr::cached::CachedArgs;
use crate::ctxt::Ctxt;

/// Every check of a `#[cached]` function and its arguments.
pub(crate) fn check(cx: &Ctxt, args: &CachedArgs, f: &MemoFn, at: impl ToTokens) {
    bounded(cx, args, at);
    refresh(cx, args);
    shared(cx, args, f);
    shape(cx, f);
    key(cx, args, f);
    output(cx, f);
}

fn bounded(cx: &Ctxt, args: &CachedArgs, at: impl ToTokens) {
    if !args.map.unknown && !args.map.gives_a_bound() {
        cx.error_spanned_by(
            at,
            "a memo with no bound keeps every key it is ever called with, for the life of the \
             process (the leak `#[cached]` exists to stop): add `capacity = ..`, \
             `max_weight = ..`, `ttl = \"..\"` or `tti = \"..\"`, e.g. \
             `#[leakless::cached(capacity = 10_000)]`",
        );
    }
}

/// A refresh after the TTL would never happen: the entry is gone first.
fn refresh(cx: &Ctxt, args: &CachedArgs) {
    if let (Some((refresh, span)), Some((ttl, _))) = (args.refresh, args.map.ttl) {
        if refresh >= ttl {
            cx.error_at(
                span,
                "entries expire (`ttl`) before they would be refreshed: give a `refresh` \
                 shorter than the `ttl`, e.g. `ttl = \"1m\", refresh = \"20s\"`",
            );
        }
    }
}

/// The longest TTL the Redis tier accepts (its `MAX_TTL`), in milliseconds.
const MAX_SHARED_TTL_MS: u64 = 365 * 24 * 60 * 60 * 1000;

/// `shared` puts a Redis tier behind the memo map: the tier is async, and
/// every key it writes has the memo's TTL.
fn shared(cx: &Ctxt, args: &CachedArgs, f: &MemoFn) {
    let Some(url) = &args.shared else {
        return;
    };
    if f.item.sig.asyncness.is_none() {
        cx.error_spanned_by(
            url,
            "`shared` memoises through a Redis tier, whose calls are async (a network round \
             trip the caller awaits): make this an `async fn`, or drop `shared` for a \
             per-process memo",
        );
    }
    match args.map.ttl {
        None if !args.map.given("ttl") => cx.error_spanned_by(
            url,
            "`shared` writes every value to Redis with the memo's `ttl`, and no key may live \
             there without one: add `ttl = \"..\"`, e.g. \
             `#[cached(capacity = 10_000, ttl = \"5m\", shared = \"redis://127.0.0.1:6379/\")]`",
        ),
        Some((ms, span)) if ms > MAX_SHARED_TTL_MS => cx.error_at(
            span,
            "`shared` writes keys to Redis with this `ttl`, and the tier refuses one over a \
             year (a key meant to outlive that is not bounded by its TTL): give a shorter `ttl`",
        ),
        _ => {}
    }
}

/// What the function may not be: generic, `const`, with an `impl Trait` or
/// a pattern for a parameter.
fn shape(cx: &Ctxt, f: &MemoFn) {
    let sig = &f.item.sig;
    if let Some(c) = &sig.constness {
        cx.error_at(
            c.span(),
            "a `const fn` is evaluated at compile time, where there is no memo map to ask: \
             remove `const`, or remove `#[cached]`",
        );
    }
    for param in &sig.generics.params {
        if !matches!(param, GenericParam::Lifetime(_)) {
            cx.error_spanned_by(
                param,
                "a generic function cannot be memoised: its one memo map would need one key \
                 and value type for every instantiation; memoise a non-generic function per \
                 type (`fn user_name(id: u64)`), and call it from the generic one",
            );
        }
    }
    for p in &f.params {
        if is_impl_trait(&p.ty) {
            cx.error_spanned_by(
                &p.ty,
                "an `impl Trait` parameter makes the function generic, and the memo map needs \
                 one key type: take a concrete type (`&str`, `u64`, your own key struct)",
            );
        } else if p.ident.is_none() {
            cx.error_spanned_by(
                &p.pat,
                "the key is built from the parameters by name: bind this parameter to a name \
                 (`pair: (u8, u8)`) and destructure it in the body",
            );
        }
    }
}

/// The receiver is never hashed: without `key`, a method is refused;
/// `key` names parameters that exist.
fn key(cx: &Ctxt, args: &CachedArgs, f: &MemoFn) {
    if let (Some(receiver), false) = (&f.receiver, args.map.given("key")) {
        cx.error_spanned_by(
            receiver,
            "`self` is not part of the key: one memo map is shared by every instance, so two \
             instances asked the same arguments would share one answer; if the result depends \
             only on the other parameters, say so with `key = \"..\"` naming them, e.g. \
             `#[cached(capacity = 500, key = \"id\")]`, otherwise memoise a free function of \
             what it depends on",
        );
    }
    let Some((names, lit)) = &args.key else {
        return;
    };
    let valid: Vec<String> = f
        .params
        .iter()
        .filter_map(|p| p.ident.as_ref().map(|i| format!("`{i}`")))
        .collect();
    for name in names {
        if f.param(name).is_none() {
            cx.error_at(
                lit.span(),
                format!(
                    "`key` names `{name}`, which is not a parameter of this function (its \
                     parameters: {})",
                    if valid.is_empty() {
                        "none".to_string()
                    } else {
                        valid.join(", ")
                    }
                ),
            );
        }
    }
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            cx.error_at(lit.span(), format!("`key` names `{name}` twice: keep one"));
        }
    }
}

/// The memo stores what it returns, so it must own it and be able to name
/// it.
fn output(cx: &Ctxt, f: &MemoFn) {
    let out = &f.output;
    let Some(value) = &out.value else {
        cx.error_spanned_by(
            &out.ty,
            "write the `Result`'s value type out (`Result<(), fmt::Error>`): `#[cached]` stores \
             only `Ok` values, and needs their type to build the memo map",
        );
        return;
    };
    let what = match out.stored {
        Stored::All => "the return type",
        Stored::Ok => "the `Ok` type",
        Stored::Some => "the `Some` type",
    };
    if is_impl_trait(value) {
        cx.error_spanned_by(
            value,
            format!(
                "{what} is an `impl Trait`, which the memo map cannot name: return a concrete \
                 type (a `Vec`, an `Arc<..>`)"
            ),
        );
    } else if let Type::Reference(r) = value {
        cx.error_spanned_by(
            r,
            format!(
                "{what} is a reference, but the memo map outlives every call and hands each \
                 caller a clone of what it stores: return an owned type (`String`, `Vec<T>`, \
                 `Arc<T>`)"
            ),
        );
    }
}
