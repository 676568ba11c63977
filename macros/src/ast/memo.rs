//! A `#[cached]` function as the macro reads it: its parameters (named, or
//! a pattern the key cannot use), its receiver, and which part of its
//! return value is stored.

use syn::{FnArg, Ident, ItemFn, Pat, Receiver, ReturnType, Type};

use super::last_segment;

/// A function parameter other than the receiver.
pub(crate) struct Param {
    /// `None` when the parameter is a pattern (`(a, b): (u8, u8)`, `_`).
    pub(crate) ident: Option<Ident>,
    pub(crate) pat: Pat,
    pub(crate) ty: Type,
}

/// What of the return value goes into the memo.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stored {
    /// The whole value.
    All,
    /// The `T` of a `Result<T, E>` (any path whose last segment is
    /// `Result`): errors are returned, never stored.
    Ok,
    /// The `T` of an `Option<T>` (any path ending in `Option`): `None` is
    /// returned, never stored.
    Some,
}

/// The function's return type and the memo's value type.
pub(crate) struct Output {
    /// As written; `()` when there is none.
    pub(crate) ty: Type,
    pub(crate) stored: Stored,
    /// The value type of the memo map: the return type, or its `T`. `None`
    /// for a `Result` written without type arguments (`fmt::Result`), whose
    /// `T` cannot be named here.
    pub(crate) value: Option<Type>,
}

/// A function `#[cached]` was put on.
pub(crate) struct MemoFn {
    pub(crate) item: ItemFn,
    pub(crate) receiver: Option<Receiver>,
    pub(crate) params: Vec<Param>,
    pub(crate) output: Output,
}

impl MemoFn {
    pub(crate) fn from_item(item: ItemFn) -> MemoFn {
        let mut receiver = None;
        let mut params = Vec::new();
        for input in &item.sig.inputs {
            match input {
                FnArg::Receiver(r) => receiver = Some(r.clone()),
                FnArg::Typed(t) => params.push(Param {
                    ident: match &*t.pat {
                        Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                            Some(p.ident.clone())
                        }
                        _ => None,
                    },
                    pat: (*t.pat).clone(),
                    ty: (*t.ty).clone(),
                }),
            }
        }
        let output = Output::of(&item.sig.output);
        MemoFn {
            item,
            receiver,
            params,
            output,
        }
    }

    /// The parameter called `name`.
    pub(crate) fn param(&self, name: &Ident) -> Option<&Param> {
        self.params
            .iter()
            .find(|p| p.ident.as_ref().is_some_and(|i| i == name))
    }
}

impl Output {
    fn of(ret: &ReturnType) -> Output {
        let ty: Type = match ret {
            ReturnType::Default => syn::parse_quote!(()),
            ReturnType::Type(_, ty) => (**ty).clone(),
        };
        let (stored, value) = match last_segment(&ty) {
            Some((name, args)) if name == "Result" => {
                (Stored::Ok, args.first().map(|t| (*t).clone()))
            }
            Some((name, args)) if name == "Option" && args.len() == 1 => {
                (Stored::Some, Some(args[0].clone()))
            }
            _ => (Stored::All, Some(ty.clone())),
        };
        Output { ty, stored, value }
    }
}

/// Whether `ty` is an `impl Trait`, or a reference to one.
pub(crate) fn is_impl_trait(ty: &Type) -> bool {
    match ty {
        Type::ImplTrait(_) => true,
        Type::Reference(r) => is_impl_trait(&r.elem),
        Type::Paren(p) => is_impl_trait(&p.elem),
        _ => false,
    }
}
