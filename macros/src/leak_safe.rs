//! `#[leak_safe]`: every map field of a struct is bounded, weak, or
//! unbounded on purpose, and says which.
//!
//! A `#[bounded_map(..)]` field's type becomes `Configured<Config>`, where
//! `Config` is a generated type whose `MapConfig::build` applies the
//! attribute's settings: the configuration lives in the field's type, so
//! every way of constructing the struct (`Default`, a struct literal with
//! `Default::default()`) builds the map configured.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{
    parse_quote_spanned, Attribute, Error, Field, GenericParam, Generics, Ident, ItemStruct,
    LitStr, Meta, Type,
};

use crate::config::BoundedArgs;
use crate::ctxt::Ctxt;
use crate::map_type::{last_segment, map_type, wrapped_map};

/// The field attributes `#[leak_safe]` reads.
#[derive(Clone, Copy, PartialEq)]
enum Annotation {
    Bounded,
    Weak,
    Unbounded,
}

/// What to do with one annotated field, once every field checked out.
enum Plan {
    Bounded {
        args: Box<BoundedArgs>,
        key: Type,
        value: Type,
        written: String,
    },
    Weak {
        key: Type,
        value: Type,
        /// Given: the map is registered under it.
        name: Option<LitStr>,
        written: String,
    },
    Unbounded {
        reason: LitStr,
        /// Given: the field is registered under it, as a `Tracked` map.
        name: Option<LitStr>,
        written: String,
    },
}

/// `bounded_map`, `weak_map` or `unbounded`, bare or under `leakless::`.
fn annotation_of(attr: &Attribute) -> Option<Annotation> {
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

/// Checks every field, then rewrites the annotated ones; on any mistake,
/// all of them as errors and the struct without the field attributes.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    if !args.is_empty() {
        cx.error_spanned_by(
            &args,
            "`#[leak_safe]` takes no arguments: settings go on each map field, e.g. `#[bounded_map(capacity = 10_000)]`",
        );
    }
    let mut item: ItemStruct = match syn::parse2(item.clone()) {
        Ok(s) => s,
        Err(_) => {
            cx.error_at(
                first_token_span(&item),
                "`#[leak_safe]` goes on a struct: it checks that every map field is bounded, weak, or unbounded on purpose",
            );
            return beside_errors(cx, item);
        }
    };
    let mut plans = Vec::new();
    for (index, field) in item.fields.iter_mut().enumerate() {
        let (ours, theirs): (Vec<Attribute>, Vec<Attribute>) = core::mem::take(&mut field.attrs)
            .into_iter()
            .partition(|a| annotation_of(a).is_some());
        field.attrs = theirs;
        match ours.split_first() {
            None => {
                if let Some(map) = map_type(&field.ty) {
                    cx.error_spanned_by(&field.ty, unannotated(field, &map.name.to_string()));
                } else if let Some((wrapper, map)) = wrapped_map(&field.ty) {
                    cx.error_spanned_by(
                        &field.ty,
                        unannotated_wrapped(field, &wrapper.to_string(), &map.name.to_string()),
                    );
                }
            }
            Some((attr, rest)) => {
                for extra in rest {
                    cx.error_spanned_by(
                        extra,
                        "a field takes one of `#[bounded_map(..)]`, `#[weak_map]` or `#[unbounded(..)]`: keep the one that says what this map is",
                    );
                }
                if let Some(plan) = plan_field(field, attr, &cx) {
                    plans.push((index, plan));
                }
            }
        }
    }
    if let Err(errors) = cx.check() {
        return with_errors(errors, item.into_token_stream());
    }
    let mut configs = TokenStream::new();
    let owner = item.ident.clone();
    let generics = item.generics.clone();
    let mut written_types = Vec::new();
    for (index, field) in item.fields.iter_mut().enumerate() {
        let Some(plan) = plans
            .iter()
            .position(|(i, _)| *i == index)
            .map(|p| &plans[p].1)
        else {
            continue;
        };
        if !matches!(plan, Plan::Unbounded { .. }) {
            written_types.push(field.ty.clone());
        }
        apply(plan, &owner, &generics, index, field, &mut configs);
    }
    // The types as written stay named somewhere, so the user's imports of
    // `HashMap` or `Arc` do not turn into "unused import" warnings.
    let (impl_generics, ty_generics, where_clause) = item.generics.split_for_impl();
    let written = (!written_types.is_empty()).then(|| {
        quote! {
            impl #impl_generics #owner #ty_generics #where_clause {
                #[doc(hidden)]
                #[allow(dead_code)]
                fn __leak_safe_fields_as_written() {
                    #(let _: ::core::marker::PhantomData<#written_types>;)*
                }
            }
        }
    });
    quote! { #item #configs #written }
}

/// Checks one annotated field and says what it will become.
fn plan_field(field: &Field, attr: &Attribute, cx: &Ctxt) -> Option<Plan> {
    let plan = match annotation_of(attr)? {
        Annotation::Bounded => {
            let mut args = BoundedArgs::default();
            match &attr.meta {
                Meta::List(_) => {
                    if let Err(e) = attr.parse_nested_meta(|meta| args.parse_key(&meta, cx)) {
                        cx.syn_error(e);
                    }
                }
                Meta::Path(_) => {}
                Meta::NameValue(nv) => cx.error_at(
                    nv.eq_token.span(),
                    "write the settings in parentheses: `#[bounded_map(capacity = 10_000)]`",
                ),
            }
            args.check_bounded(attr, cx);
            let (key, value) = bounded_types(&field.ty, cx)?;
            let written = attr.meta.to_token_stream().to_string();
            Plan::Bounded {
                args: Box::new(args),
                key,
                value,
                written,
            }
        }
        Annotation::Weak => {
            let name = weak_name(attr, cx);
            let (key, value) = weak_types(&field.ty, cx)?;
            Plan::Weak {
                key,
                value,
                name,
                written: attr.meta.to_token_stream().to_string(),
            }
        }
        Annotation::Unbounded => {
            let (reason, name) = unbounded_args(attr, cx)?;
            Plan::Unbounded {
                reason,
                name,
                written: attr.meta.to_token_stream().to_string(),
            }
        }
    };
    Some(plan)
}

/// The key and value of a field `#[bounded_map]` can bound (a set's value
/// is `()`).
fn bounded_types(ty: &Type, cx: &Ctxt) -> Option<(Type, Type)> {
    let Some(map) = map_type(ty) else {
        cx.error_spanned_by(
            ty,
            format!(
                "`#[bounded_map]` goes on a `HashMap<K, V>`, `HashSet<K>`, `BTreeMap<K, V>` or `BTreeSet<K>` field, and `{}` is none of them",
                written(ty)
            ),
        );
        return None;
    };
    let wanted = if map.is_set() { 1 } else { 2 };
    if map.args.len() > wanted {
        cx.error_spanned_by(
            map.args[wanted],
            "leakless maps hash with their own randomly seeded hasher: drop the hasher parameter",
        );
        return None;
    }
    if map.args.len() < wanted {
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
        return None;
    }
    let key = map.args[0].clone();
    let value = if map.is_set() {
        parse_quote_spanned! { ty.span()=> () }
    } else {
        map.args[1].clone()
    };
    Some((key, value))
}

/// The key and the `V` of `Arc<V>` of a `#[weak_map]` field.
fn weak_types(ty: &Type, cx: &Ctxt) -> Option<(Type, Type)> {
    let map = map_type(ty).filter(|m| m.name == "HashMap" && m.args.len() == 2);
    let Some(map) = map else {
        cx.error_spanned_by(
            ty,
            format!(
                "`#[weak_map]` goes on a `HashMap<K, Arc<V>>` field, and `{}` is not one",
                written(ty)
            ),
        );
        return None;
    };
    let value = map.args[1];
    match last_segment(value) {
        Some((name, args)) if name == "Arc" && args.len() == 1 => {
            Some((map.args[0].clone(), args[0].clone()))
        }
        _ => {
            cx.error_spanned_by(
                value,
                format!(
                    "`#[weak_map]` holds its values weakly, so they must be `Arc<V>` owned elsewhere; `{}` is not an `Arc`",
                    written(value)
                ),
            );
            None
        }
    }
}

/// The `key = "..."` pairs of `attr` for `keys`, each at most once. An
/// unknown key is reported with `unknown(key)` and its value consumed, so
/// the mistakes after it are still seen.
fn string_keys<const N: usize>(
    attr: &Attribute,
    keys: [&str; N],
    unknown: impl Fn(&str) -> String,
    cx: &Ctxt,
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
                cx.error_spanned_by(&meta.path, unknown(&key));
                if meta.input.peek(syn::Token![=]) {
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

/// The optional `name` of `#[weak_map(name = "..")]`, its only key.
fn weak_name(attr: &Attribute, cx: &Ctxt) -> Option<LitStr> {
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
                attr,
                ["name"],
                |key| {
                    format!(
                    "unknown key `{key}`: a weak map needs no bound (entries leave with their value's last `Arc`); its only key is `name = \"..\"`"
                )
                },
                cx,
            );
            name
        }
    }
}

/// The required, non-empty `reason` of `#[unbounded(reason = "..")]`, and
/// the optional `name`.
fn unbounded_args(attr: &Attribute, cx: &Ctxt) -> Option<(LitStr, Option<LitStr>)> {
    let [reason, name] = match &attr.meta {
        Meta::List(_) => string_keys(
            attr,
            ["reason", "name"],
            |key| {
                format!(
                "unknown key `{key}`: `#[unbounded]` takes `reason = \"..\"` and, to watch it in reports, `name = \"..\"`"
            )
            },
            cx,
        ),
        _ => [None, None],
    };
    match reason {
        Some(r) if !r.value().trim().is_empty() => Some((r, name)),
        Some(r) => {
            cx.error_at(
                r.span(),
                "the reason is empty: say why this map cannot grow without bound",
            );
            None
        }
        None => {
            cx.error_spanned_by(
                attr,
                "`#[unbounded]` needs the reason this map cannot grow without bound: `#[unbounded(reason = \"one entry per configured region\")]`",
            );
            None
        }
    }
}

/// The error on a map field nobody said anything about.
fn unannotated(field: &Field, family: &str) -> String {
    let name = field
        .ident
        .as_ref()
        .map_or_else(|| "this field".to_string(), |i| format!("`{}`", unraw(i)));
    format!(
        "{name} is a `{family}` with no bound, the map that leaks: add `#[bounded_map(capacity = ..)]` to bound it, `#[weak_map]` if its values are `Arc`s owned elsewhere, or `#[unbounded(reason = \"..\")]` to say why it cannot grow forever"
    )
}

/// The error on a map kept inside a `Mutex`, `Arc` or the like.
fn unannotated_wrapped(field: &Field, wrapper: &str, family: &str) -> String {
    let name = field
        .ident
        .as_ref()
        .map_or_else(|| "this field".to_string(), |i| format!("`{}`", unraw(i)));
    format!(
        "{name} keeps a `{family}` inside `{wrapper}<..>` with no bound, the shared cache that only grows: use a `leakless::sync::BoundedMap` (sharded and bounded, it needs no `Mutex`), or mark the field `#[unbounded(reason = \"..\")]` to say why it cannot grow forever"
    )
}

/// Rewrites one checked field.
fn apply(
    plan: &Plan,
    owner: &Ident,
    generics: &Generics,
    index: usize,
    field: &mut Field,
    configs: &mut TokenStream,
) {
    let span = field.ty.span();
    let site = |written| ConfigSite {
        owner,
        generics,
        index,
        written,
    };
    match plan {
        Plan::Bounded {
            args,
            key,
            value,
            written,
        } => {
            let map = quote_spanned! { span=> ::leakless::__private::BoundedMap<#key, #value> };
            let calls = args.builder_calls();
            let build = quote! { <#map>::builder() #calls };
            let key_bound: syn::WherePredicate =
                parse_quote_spanned! { span=> #key: ::core::hash::Hash + ::core::cmp::Eq };
            site(written).configure(field, map, build, Some(key_bound), configs);
        }
        Plan::Weak {
            key,
            value,
            name,
            written,
        } => {
            let map = quote_spanned! { span=> ::leakless::__private::WeakValueMap<#key, #value> };
            match name {
                None => field.ty = parse_quote_spanned! { span=> #map },
                Some(name) => {
                    let build = quote! { <#map>::new().named(#name) };
                    site(written).configure(field, map, build, None, configs);
                }
            }
        }
        Plan::Unbounded {
            reason,
            name,
            written,
        } => {
            let doc = format!(" Unbounded on purpose: {}", reason.value());
            field.attrs.push(syn::parse_quote! { #[doc = #doc] });
            if let Some(name) = name {
                let ty = &field.ty;
                let map = quote_spanned! { span=> ::leakless::__private::Tracked<#ty> };
                let build = quote_spanned! { span=>
                    ::leakless::__private::Tracked::new(::core::default::Default::default(), #name)
                };
                site(written).configure(field, map, build, None, configs);
            }
        }
    }
}

/// Where a generated `MapConfig` goes: which field of which struct.
struct ConfigSite<'a> {
    owner: &'a Ident,
    generics: &'a Generics,
    index: usize,
    written: &'a str,
}

impl ConfigSite<'_> {
    /// Declares `{Owner}{Field}Config`, whose `MapConfig::build` is `build`
    /// (of type `map`), and makes the field a `Configured` of it.
    fn configure(
        &self,
        field: &mut Field,
        map: TokenStream,
        build: TokenStream,
        bound: Option<syn::WherePredicate>,
        configs: &mut TokenStream,
    ) {
        let ConfigSite {
            owner,
            generics,
            index,
            written,
        } = self;
        let span = field.ty.span();
        // Owner and field kept apart by `__`, so `App::user_cache` and
        // `AppUser::cache` cannot meet.
        let field_name = field
            .ident
            .as_ref()
            .map_or_else(|| index.to_string(), unraw);
        let config = format_ident!("{}__{}__Config", owner, field_name, span = span);
        let doc = format!(
            " How `#[leak_safe]` builds `{owner}::{}`: `#[{written}]`.",
            field
                .ident
                .as_ref()
                .map_or_else(|| index.to_string(), unraw)
        );
        let vis = &field.vis;
        let (impl_generics, ty_generics, _) = generics.split_for_impl();
        let mut bounded = (*generics).clone();
        if let Some(bound) = bound {
            bounded.make_where_clause().predicates.push(bound);
        }
        // Inside the config's impl, `Self` would name the config: make the
        // owner's `Self` explicit.
        let owner_ty = quote! { #owner #ty_generics };
        let map = replace_self(map, &owner_ty);
        let build = replace_self(build, &owner_ty);
        let where_clause = replace_self(bounded.where_clause.to_token_stream(), &owner_ty);
        let declaration = if generics.params.is_empty() {
            quote! { #vis struct #config; }
        } else {
            let own_where = &generics.where_clause;
            let phantom = phantom(generics);
            quote! { #vis struct #config #impl_generics (#phantom) #own_where; }
        };
        configs.extend(quote! {
            #[doc = #doc]
            #[allow(non_camel_case_types, dead_code)]
            #declaration

            impl #impl_generics ::leakless::__private::MapConfig for #config #ty_generics #where_clause {
                type Map = #map;
                fn build() -> #map {
                    #build
                }
            }
        });
        field.ty = parse_quote_spanned! { span=>
            ::leakless::__private::Configured<#config #ty_generics>
        };
    }
}

/// `tokens` with every `Self` replaced by `with`.
fn replace_self(tokens: TokenStream, with: &TokenStream) -> TokenStream {
    tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Ident(ident) if ident == "Self" => {
                let mut replaced = with.clone();
                replaced = replaced
                    .into_iter()
                    .map(|mut t| {
                        t.set_span(ident.span());
                        t
                    })
                    .collect();
                quote! { #replaced }
            }
            TokenTree::Group(group) => {
                let mut inner = Group::new(group.delimiter(), replace_self(group.stream(), with));
                inner.set_span(group.span());
                quote! { #inner }
            }
            other => quote! { #other },
        })
        .collect()
}

/// `PhantomData` over every type and lifetime parameter, so a generated
/// config can carry the struct's generics.
fn phantom(generics: &Generics) -> TokenStream {
    let parts = generics.params.iter().filter_map(|p| match p {
        GenericParam::Type(t) => {
            let ident = &t.ident;
            Some(quote! { *const #ident })
        }
        GenericParam::Lifetime(l) => {
            let lifetime = &l.lifetime;
            Some(quote! { &#lifetime () })
        }
        GenericParam::Const(_) => None,
    });
    // Pointers, so that `?Sized` parameters fit in the tuple.
    quote! { ::core::marker::PhantomData<fn() -> (#(#parts,)*)> }
}

/// A type as the user wrote it, without the token stream's spaces
/// (`Vec<String>`, not `Vec < String >`).
pub(crate) fn written(ty: &Type) -> String {
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

fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map_or(s.clone(), str::to_string)
}

pub(crate) fn first_token_span(item: &TokenStream) -> Span {
    item.clone()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |t| t.span())
}

/// The item as written, beside every error: IDEs still see it.
pub(crate) fn with_errors(errors: Error, item: TokenStream) -> TokenStream {
    let errors = errors.into_compile_error();
    quote! { #errors #item }
}

/// [`with_errors`] for an input known to be wrong.
pub(crate) fn beside_errors(cx: Ctxt, item: TokenStream) -> TokenStream {
    match cx.check() {
        Ok(()) => item,
        Err(errors) => with_errors(errors, item),
    }
}
