//! The arguments of `#[bounded_map(..)]`, shared by fields and statics:
//! parsed and checked here (every mistake reported, each on its token), and
//! turned into the builder calls that configure the map.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Expr, Lit, LitStr};

use crate::ctxt::Ctxt;
use crate::duration;

/// Every key `#[bounded_map(..)]` takes, in the order the docs list them.
pub(crate) const KEYS: [&str; 8] = [
    "capacity",
    "max_weight",
    "weigher",
    "ttl",
    "tti",
    "on_evict",
    "name",
    "policy",
];

/// `policy = ".."` values and the `Policy` variant each names.
const POLICIES: [(&str, &str); 2] = [("lru", "Lru"), ("tinylfu", "TinyLfu")];

/// A parsed `#[bounded_map(..)]`.
#[derive(Default)]
pub(crate) struct BoundedArgs {
    capacity: Option<Expr>,
    max_weight: Option<Expr>,
    weigher: Option<Expr>,
    ttl: Option<(u64, Span)>,
    tti: Option<(u64, Span)>,
    on_evict: Option<Expr>,
    name: Option<LitStr>,
    /// The `Policy` variant, spanned on the literal.
    policy: Option<(&'static str, Span)>,
    seen: Vec<String>,
    /// An unknown key was given: it may have been a misspelt bound, so
    /// "no bound" would only repeat that error.
    unknown: bool,
}

impl BoundedArgs {
    /// Reads one `key = value`, recording what is wrong in `cx` and
    /// consuming the value either way, so that one bad key does not hide the
    /// mistakes after it.
    pub(crate) fn parse_key(&mut self, meta: &ParseNestedMeta<'_>, cx: &Ctxt) -> syn::Result<()> {
        let key = meta.path.to_token_stream().to_string().replace(' ', "");
        let known = KEYS.contains(&key.as_str());
        let duplicate = known && self.seen.contains(&key);
        if !known {
            self.unknown = true;
            cx.error_spanned_by(&meta.path, unknown_key(&key));
        } else if duplicate {
            cx.error_spanned_by(&meta.path, format!("`{key}` is given twice: keep one"));
        } else {
            self.seen.push(key.clone());
        }
        if !meta.input.peek(syn::Token![=]) {
            if known {
                cx.syn_error(meta.error(format!("`{key}` needs a value: `{}`", example(&key))));
            }
            if meta.input.peek(syn::token::Paren) {
                let _ignored: TokenStream = meta.input.parse::<proc_macro2::Group>()?.stream();
            }
            return Ok(());
        }
        let value: Expr = meta.value()?.parse()?;
        if !known || duplicate {
            return Ok(());
        }
        match key.as_str() {
            "capacity" => {
                check_positive(
                    &value,
                    "capacity",
                    "admits nothing (every insert would be evicted at once)",
                    cx,
                );
                self.capacity = Some(value);
            }
            "max_weight" => {
                check_positive(
                    &value,
                    "max_weight",
                    "admits nothing (every value would be refused)",
                    cx,
                );
                self.max_weight = Some(value);
            }
            "weigher" => self.weigher = Some(value),
            "on_evict" => self.on_evict = Some(value),
            "ttl" => self.ttl = parse_duration(&value, "ttl", cx),
            "tti" => self.tti = parse_duration(&value, "tti", cx),
            "name" => match value {
                Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(s), ..
                }) => self.name = Some(s),
                other => {
                    cx.error_spanned_by(other, "`name` is a string literal: `name = \"sessions\"`")
                }
            },
            "policy" => self.policy = parse_policy(&value, cx),
            _ => unreachable!("every key in KEYS is matched"),
        }
        Ok(())
    }

    /// Checks what only the whole list can tell: that it bounds the map.
    pub(crate) fn check_bounded(&self, at: impl ToTokens, cx: &Ctxt) {
        if self.unknown {
            return;
        }
        let bounded = ["capacity", "max_weight", "ttl", "tti"]
            .iter()
            .any(|k| self.seen.iter().any(|s| s == k));
        if !bounded {
            cx.error_spanned_by(
                at,
                "`#[bounded_map]` needs a bound, or the map could still grow forever: add `capacity = ..`, `max_weight = ..`, `ttl = \"..\"` or `tti = \"..\"`",
            );
        }
    }

    /// The builder calls after `::builder()` up to and including `.build()`.
    pub(crate) fn builder_calls(&self) -> TokenStream {
        let mut calls = TokenStream::new();
        if let Some(c) = &self.capacity {
            calls.extend(quote_spanned! { c.span()=> .capacity(#c) });
        }
        if let Some(w) = &self.max_weight {
            calls.extend(quote_spanned! { w.span()=> .max_weight(#w) });
        }
        if let Some(f) = &self.weigher {
            calls.extend(quote_spanned! { f.span()=> .weigher(#f) });
        }
        for (method, d) in [("ttl", self.ttl), ("tti", self.tti)] {
            if let Some((ms, span)) = d {
                let method = syn::Ident::new(method, span);
                calls.extend(quote_spanned! { span=>
                    .#method(::core::time::Duration::from_millis(#ms))
                });
            }
        }
        if let Some(f) = &self.on_evict {
            calls.extend(quote_spanned! { f.span()=> .on_evict(#f) });
        }
        if let Some(n) = &self.name {
            calls.extend(quote! { .name(#n) });
        }
        if let Some((variant, span)) = self.policy {
            let variant = syn::Ident::new(variant, span);
            calls.extend(quote_spanned! { span=>
                .policy(::leakless::__private::Policy::#variant)
            });
        }
        calls.extend(quote! { .build() });
        calls
    }
}

/// A literal 0 where a positive number is needed is an error on the literal;
/// other expressions (constants, arithmetic) are the compiler's to check.
fn check_positive(value: &Expr, key: &str, why: &str, cx: &Ctxt) {
    if let Expr::Lit(syn::ExprLit {
        lit: Lit::Int(int), ..
    }) = value
    {
        match int.base10_parse::<u64>() {
            Ok(0) => cx.error_at(int.span(), format!("{key} 0 {why}: give a positive {key}")),
            Ok(_) => {}
            Err(_) => cx.error_at(int.span(), format!("{key} `{int}` does not fit in 64 bits")),
        }
    }
}

/// A duration literal (`"30s"`) in milliseconds, or an error on it.
fn parse_duration(value: &Expr, key: &str, cx: &Ctxt) -> Option<(u64, Span)> {
    match value {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => match duration::parse_millis(&s.value()) {
            Ok(ms) => Some((ms, s.span())),
            Err(why) => {
                cx.error_at(s.span(), why);
                None
            }
        },
        other => {
            cx.error_spanned_by(
                other,
                format!(
                    "`{key}` is a duration in a string with its unit, e.g. `{key} = \"30s\"` (units: {})",
                    duration::UNITS
                ),
            );
            None
        }
    }
}

/// A policy literal (`"tinylfu"`) as the `Policy` variant it names, or an
/// error on it.
fn parse_policy(value: &Expr, cx: &Ctxt) -> Option<(&'static str, Span)> {
    let choices = POLICIES
        .map(|(p, _)| format!("`policy = \"{p}\"`"))
        .join(" or ");
    if let Expr::Lit(syn::ExprLit {
        lit: Lit::Str(s), ..
    }) = value
    {
        if let Some(&(_, variant)) = POLICIES.iter().find(|(p, _)| *p == s.value()) {
            return Some((variant, s.span()));
        }
        cx.error_at(
            s.span(),
            format!("unknown policy \"{}\": write {choices}", s.value()),
        );
    } else {
        cx.error_spanned_by(value, format!("`policy` is a string literal: {choices}"));
    }
    None
}

/// How a key is written, for "needs a value" errors.
fn example(key: &str) -> &'static str {
    match key {
        "capacity" => "capacity = 10_000",
        "max_weight" => "max_weight = 64 << 20",
        "weigher" => "weigher = my_weigher",
        "ttl" => "ttl = \"30s\"",
        "tti" => "tti = \"5m\"",
        "on_evict" => "on_evict = my_listener",
        "policy" => "policy = \"tinylfu\"",
        _ => "name = \"sessions\"",
    }
}

/// "unknown key", the closest valid key if one is close, and the list.
fn unknown_key(key: &str) -> String {
    let list = KEYS.map(|k| format!("`{k}`")).join(", ");
    let closest = KEYS
        .iter()
        .map(|k| (edit_distance(key, k), *k))
        .min()
        .filter(|&(d, k)| d <= 2 || d * 3 <= k.len());
    match closest {
        Some((_, k)) => format!("unknown key `{key}`: did you mean `{k}`? (valid keys: {list})"),
        None => format!("unknown key `{key}` (valid keys: {list})"),
    }
}

/// Levenshtein distance, for suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::{edit_distance, unknown_key};

    #[test]
    fn suggestions_pick_the_closest_key() {
        assert_eq!(edit_distance("capcity", "capacity"), 1);
        assert!(unknown_key("capcity").contains("did you mean `capacity`"));
        assert!(unknown_key("tll").contains("did you mean `ttl`"));
        assert!(unknown_key("on_evicted").contains("did you mean `on_evict`"));
        assert!(!unknown_key("zzzzzzzzzz").contains("did you mean"));
    }
}
