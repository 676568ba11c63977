//! `#[derive(Footprint)]`: heap bytes owned, field by field.
//!
//! The generated `footprint` adds up `::leakless::Footprint::footprint` of
//! every field (of the live variant, for an enum); a field marked
//! `#[footprint(skip)]` counts as 0 and needs no `Footprint` impl.
//!
//! Bounds follow one simple rule, the one std's derives use: every type
//! parameter gets a `Footprint` bound, even one that appears only in skipped
//! fields or in a `PhantomData`. A user for whom that is too strict writes
//! the impl by hand. The item's own `where` clauses are kept.
//!
//! A union is refused: which of its fields is live is not visible to a
//! derive. `#[footprint(..)]` on the type or on a variant is refused too;
//! it only means something on a field.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{parse_quote, Data, DeriveInput, Fields, Index, Member};

use crate::ctxt::Ctxt;
use crate::{attr, valid};

/// Parses and checks the item, then expands it; on misuse, only the errors
/// (a derive adds to the item, which the compiler keeps as written).
pub(crate) fn expand(item: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(item) {
        Ok(input) => input,
        Err(err) => return err.into_compile_error(),
    };
    let cx = Ctxt::new();
    let body = body(&input, &cx);
    if let Err(errors) = cx.check() {
        return errors.into_compile_error();
    }
    generate(&input, body)
}

/// The body of `footprint`, checking every attribute on the way; every
/// mistake goes to `cx`, each on the token at fault.
///
/// Structs and enums alike are destructured with a `match` on `self`,
/// binding each counted field (skipped ones fall under `..`). A binding
/// carries its field type's span, so a field whose type lacks a `Footprint`
/// impl is reported on that type.
fn body(input: &DeriveInput, cx: &Ctxt) -> TokenStream {
    valid::footprint_misplaced(cx, &input.attrs, "the type");
    match &input.data {
        Data::Struct(data) => {
            let arm = arm(quote! { Self }, &data.fields, cx);
            quote! { match self { #arm } }
        }
        Data::Enum(data) => {
            let arms: Vec<TokenStream> = data
                .variants
                .iter()
                .map(|variant| {
                    valid::footprint_misplaced(cx, &variant.attrs, "a variant");
                    let ident = &variant.ident;
                    arm(quote! { Self::#ident }, &variant.fields, cx)
                })
                .collect();
            if arms.is_empty() {
                // No value of this type exists.
                quote! { match *self {} }
            } else {
                quote! { match self { #(#arms)* } }
            }
        }
        Data::Union(data) => {
            cx.error_at(
                data.union_token.span,
                "`#[derive(Footprint)]` cannot see which field of a union is live; \
                 implement `Footprint` by hand",
            );
            TokenStream::new()
        }
    }
}

/// One match arm, `Path { field: binding, .., } => sum`: braces work for
/// named, tuple (`0: binding`) and unit shapes alike.
fn arm(path: TokenStream, fields: &Fields, cx: &Ctxt) -> TokenStream {
    let mut terms = Vec::new();
    let mut pattern = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        if attr::footprint_skip(cx, &field.attrs) {
            continue;
        }
        let member = match &field.ident {
            Some(ident) => Member::Named(ident.clone()),
            None => Member::Unnamed(Index::from(i)),
        };
        let span = field.ty.span();
        let binding = format_ident!("__footprint_field_{}", i, span = span);
        pattern.push(quote! { #member: #binding });
        terms.push(quote_spanned! { span=> ::leakless::Footprint::footprint(#binding) });
    }
    let total = sum(terms);
    quote! { #path { #(#pattern,)* .. } => #total, }
}

fn sum(terms: Vec<TokenStream>) -> TokenStream {
    if terms.is_empty() {
        quote! { 0usize }
    } else {
        quote! { #(#terms)+* }
    }
}

fn generate(input: &DeriveInput, body: TokenStream) -> TokenStream {
    let ident = &input.ident;
    let mut generics = input.generics.clone();
    let params: Vec<_> = generics
        .type_params()
        .map(|param| param.ident.clone())
        .collect();
    let where_clause = generics.make_where_clause();
    for param in params {
        where_clause
            .predicates
            .push(parse_quote! { #param: ::leakless::Footprint });
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics ::leakless::Footprint for #ident #ty_generics #where_clause {
            fn footprint(&self) -> usize {
                #body
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_in(item: TokenStream) -> usize {
        expand(item).to_string().matches("compile_error").count()
    }

    #[test]
    fn every_mistake_is_reported_at_once() {
        let item = quote! {
            #[footprint(skip)]
            struct S {
                #[footprint]
                a: String,
                #[footprint(skp, skip, skip)]
                b: String,
                #[footprint(skip = true)]
                c: String,
            }
        };
        // type-level, bare, unknown key, duplicate, value on `skip`
        assert_eq!(errors_in(item), 5);
        assert_eq!(errors_in(quote! { union U { a: u8 } }), 1);
        assert_eq!(errors_in(quote! { fn not_a_type() {} }), 1);
    }

    #[test]
    fn type_parameters_get_the_bound_and_where_clauses_are_kept() {
        let out = expand(quote! {
            struct W<'a, T: Clone, U, const N: usize> where U: Default {
                a: &'a str,
                #[footprint(skip)]
                t: T,
                u: [U; N],
            }
        })
        .to_string();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(
            out.contains(
                "U : Default , T : :: leakless :: Footprint , U : :: leakless :: Footprint"
            ),
            "{out}"
        );
    }
}
