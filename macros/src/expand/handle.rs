//! `#[handle]`: a unit struct becomes a typed generational handle.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::ItemStruct;

use super::beside_errors;
use crate::ctxt::Ctxt;
use crate::valid;

/// Parses and checks the item, then expands it; on misuse, the errors and
/// the item as written.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let Ok(parsed) = syn::parse2::<ItemStruct>(item.clone()) else {
        cx.error_at(
            item.span(),
            "`#[handle]` goes on a unit struct: `#[handle] pub struct NodeId;`",
        );
        return beside_errors(cx, item);
    };
    valid::handle(&cx, &args, &parsed);
    match cx.check() {
        Ok(()) => generate(&parsed),
        Err(errors) => super::with_errors(errors, item),
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
