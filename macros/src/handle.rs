//! `#[handle]`: a unit struct becomes a typed generational handle.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Error, Fields, ItemStruct};

use crate::ctxt::Ctxt;
use crate::leak_safe::with_errors;

/// Parses and checks the item, then expands it; on misuse, the errors and
/// the item as written.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let parsed: ItemStruct = match syn::parse2(item.clone()) {
        Ok(s) => s,
        Err(_) => {
            let err = Error::new(
                item.span(),
                "`#[handle]` goes on a unit struct: `#[handle] pub struct NodeId;`",
            );
            return with_errors(err, item);
        }
    };
    let cx = Ctxt::new();
    validate(&cx, &args, &parsed);
    if let Err(errors) = cx.check() {
        return with_errors(errors, item);
    }
    generate(&parsed)
}

/// Every mistake at once, each on the token at fault.
fn validate(cx: &Ctxt, args: &TokenStream, item: &ItemStruct) {
    if !args.is_empty() {
        cx.error_at(
            args.span(),
            "`#[handle]` takes no arguments: write `#[handle]`",
        );
    }
    if !item.generics.params.is_empty() {
        cx.error_at(
            item.generics.span(),
            "a handle type cannot be generic: declare one handle type per arena, e.g. `#[handle] struct NodeId;`",
        );
    }
    if !matches!(item.fields, Fields::Unit) {
        cx.error_at(
            item.fields.span(),
            "`#[handle]` needs a unit struct (`struct NodeId;`): it adds the index and version field itself",
        );
    }
}

fn generate(item: &ItemStruct) -> TokenStream {
    let ItemStruct {
        attrs, vis, ident, ..
    } = item;
    let name = ident.to_string();
    let raw = quote_spanned! { ident.span()=> ::leakless::__private::RawHandle };
    quote! {
        #(#attrs)*
        #[derive(
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::cmp::PartialEq,
            ::core::cmp::Eq,
            ::core::cmp::PartialOrd,
            ::core::cmp::Ord,
            ::core::hash::Hash
        )]
        #vis struct #ident(#raw);

        impl ::leakless::Handle for #ident {
            #[inline]
            fn from_raw(raw: #raw) -> Self {
                #ident(raw)
            }

            #[inline]
            fn raw(self) -> #raw {
                self.0
            }
        }

        impl ::core::fmt::Debug for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::write!(f, "{}({:?})", #name, self.0)
            }
        }
    }
}
