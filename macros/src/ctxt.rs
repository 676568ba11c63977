//! The one collector of a macro's errors, in the manner of serde_derive's
//! `Ctxt`: every check reports into it instead of returning early, so a user
//! sees all their mistakes in one build, and `check` turns them into one
//! `syn::Error` at the end.

use std::cell::RefCell;
use std::fmt::Display;
use std::thread;

use proc_macro2::Span;
use quote::ToTokens;
use syn::Error;

/// Errors found so far while reading one macro input. Must be ended with
/// [`Ctxt::check`]: dropping it unchecked would lose errors silently, so it
/// panics instead, which only a mistake in this crate can cause.
pub(crate) struct Ctxt {
    /// `None` once checked.
    errors: RefCell<Option<Vec<Error>>>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Ctxt {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// An error spanning the tokens of `obj`, first to last.
    pub(crate) fn error_spanned_by<A: ToTokens, T: Display>(&self, obj: A, msg: T) {
        self.syn_error(Error::new_spanned(obj.into_token_stream(), msg));
    }

    /// An error on one span.
    pub(crate) fn error_at<T: Display>(&self, span: Span, msg: T) {
        self.syn_error(Error::new(span, msg));
    }

    /// An error syn reported.
    pub(crate) fn syn_error(&self, err: Error) {
        // `check` takes `self`, so the list is always there while `&self` is.
        if let Some(errors) = self.errors.borrow_mut().as_mut() {
            errors.push(err);
        }
    }

    /// Ends the collection: `Ok` if nothing was reported, else every error
    /// combined into one, in the order reported.
    pub(crate) fn check(self) -> syn::Result<()> {
        let mut errors = self.errors.borrow_mut().take().into_iter().flatten();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for rest in errors {
            combined.combine(rest);
        }
        Err(combined)
    }

    /// Checks, and gives each error's message, for tests.
    #[cfg(test)]
    pub(crate) fn messages(self) -> Vec<String> {
        self.check()
            .err()
            .into_iter()
            .flatten()
            .map(|e| e.to_string())
            .collect()
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if !thread::panicking() && self.errors.borrow().is_some() {
            panic!("leakless-macros: errors collected but never checked");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Ctxt;
    use proc_macro2::Span;

    #[test]
    fn check_combines_in_order() {
        let cx = Ctxt::new();
        assert!(Ctxt::new().check().is_ok());
        cx.error_at(Span::call_site(), "first");
        cx.error_spanned_by(quote::quote!(a b), "second");
        let messages = cx.messages();
        assert_eq!(messages, ["first", "second"]);
    }
}
