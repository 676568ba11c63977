//! `#[leak_safe]`: every map field of a struct is bounded, weak, or
//! unbounded on purpose, and says which.
//!
//! A `#[bounded_map(..)]` field's type becomes `Configured<Config>`, where
//! `Config` is a generated type whose `MapConfig::build` applies the
//! attribute's settings: the configuration lives in the field's type, so
//! every way of constructing the struct (`Default`, a struct literal with
//! `Default::default()`) builds the map configured.

use proc_macro2::{Group, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{parse_quote_spanned, GenericParam, Generics, Ident, ItemStruct};

use super::{beside_errors, builder_calls, first_token_span, with_errors};
use crate::ast::{self, Annotated};
use crate::attr::FieldAttr;
use crate::ctxt::Ctxt;
use crate::valid;

/// Checks every field, then rewrites the annotated ones; on any mistake,
/// all of them as errors and the struct without the field attributes.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    valid::leak_safe_args(&cx, &args);
    let Ok(mut item) = syn::parse2::<ItemStruct>(item.clone()) else {
        cx.error_at(
            first_token_span(&item),
            "`#[leak_safe]` goes on a struct: it checks that every map field is bounded, weak, or unbounded on purpose",
        );
        return beside_errors(cx, item);
    };
    // Read and checked field by field, so that the errors come out in the
    // order of the fields.
    let fields: Vec<ast::Field> = item
        .fields
        .iter_mut()
        .enumerate()
        .map(|(index, field)| {
            let field = ast::Field::from_syn(&cx, index, field);
            valid::field(&cx, &field);
            field
        })
        .collect();
    if let Err(errors) = cx.check() {
        return with_errors(errors, item.into_token_stream());
    }
    let mut configs = TokenStream::new();
    let owner = item.ident.clone();
    let generics = item.generics.clone();
    let mut written_types = Vec::new();
    for (field, read) in item.fields.iter_mut().zip(&fields) {
        let Some(annotated) = &read.annotation else {
            continue;
        };
        if !matches!(annotated.parsed, FieldAttr::Unbounded { .. }) {
            written_types.push(field.ty.clone());
        }
        let site = ConfigSite {
            owner: &owner,
            generics: &generics,
            field: read,
            written: annotated.attr.meta.to_token_stream().to_string(),
        };
        site.apply(annotated, field, &mut configs);
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

/// Where a generated `MapConfig` goes: which field of which struct.
struct ConfigSite<'a> {
    owner: &'a Ident,
    generics: &'a Generics,
    field: &'a ast::Field,
    /// The annotation as written, for the config's docs.
    written: String,
}

impl ConfigSite<'_> {
    /// Rewrites one checked field as its annotation says.
    fn apply(&self, annotated: &Annotated, field: &mut syn::Field, configs: &mut TokenStream) {
        let span = field.ty.span();
        let map_type = self.field.map.as_ref();
        match &annotated.parsed {
            FieldAttr::Bounded(args) => {
                // `valid::field` refused a type without a key and value.
                let Some((key, value)) = map_type.and_then(|m| m.entry(span)) else {
                    return;
                };
                let map = quote_spanned! { span=> ::leakless::__private::BoundedMap<#key, #value> };
                let calls = builder_calls(args);
                let build = quote! { <#map>::builder() #calls };
                let key_bound: syn::WherePredicate =
                    parse_quote_spanned! { span=> #key: ::core::hash::Hash + ::core::cmp::Eq };
                self.configure(field, map, build, Some(key_bound), configs);
            }
            FieldAttr::Weak { name } => {
                // `valid::field` refused a type that is no `HashMap<K, Arc<V>>`.
                let Some((key, value)) = map_type.and_then(ast::MapType::weak_entry) else {
                    return;
                };
                let map =
                    quote_spanned! { span=> ::leakless::__private::WeakValueMap<#key, #value> };
                match name {
                    None => field.ty = parse_quote_spanned! { span=> #map },
                    Some(name) => {
                        let build = quote! { <#map>::new().named(#name) };
                        self.configure(field, map, build, None, configs);
                    }
                }
            }
            FieldAttr::Unbounded { reason, name } => {
                // `valid::field` refused a missing reason.
                let Some(reason) = reason else { return };
                let doc = format!(" Unbounded on purpose: {}", reason.value());
                field.attrs.push(syn::parse_quote! { #[doc = #doc] });
                if let Some(name) = name {
                    let ty = &field.ty;
                    let map = quote_spanned! { span=> ::leakless::__private::Tracked<#ty> };
                    let build = quote_spanned! { span=>
                        ::leakless::__private::Tracked::new(::core::default::Default::default(), #name)
                    };
                    self.configure(field, map, build, None, configs);
                }
            }
        }
    }

    /// Declares `{Owner}{Field}Config`, whose `MapConfig::build` is `build`
    /// (of type `map`), and makes the field a `Configured` of it.
    fn configure(
        &self,
        field: &mut syn::Field,
        map: TokenStream,
        build: TokenStream,
        bound: Option<syn::WherePredicate>,
        configs: &mut TokenStream,
    ) {
        let ConfigSite {
            owner,
            generics,
            field: read,
            written,
        } = self;
        let span = field.ty.span();
        // Owner and field kept apart by `__`, so `App::user_cache` and
        // `AppUser::cache` cannot meet.
        let config = format_ident!("{}__{}__Config", owner, read.name, span = span);
        let doc = format!(
            " How `#[leak_safe]` builds `{owner}::{}`: `#[{written}]`.",
            read.name
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
