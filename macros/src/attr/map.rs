//! The keys that configure a bounded map, as `#[bounded_map(..)]` takes
//! them on a field or a static. Other macros that build a map take some of
//! these keys plus their own: [`KeySet`] says which, and
//! [`MapArgs::parse_key`] hands their own keys back to them.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::{Expr, Lit, LitStr};

use super::duration;
use crate::ctxt::Ctxt;

/// A key and how it is written, for "needs a value" errors.
pub(crate) struct Key {
    pub(crate) name: &'static str,
    pub(crate) example: &'static str,
}

/// Every map key, in the order the docs list them.
pub(crate) const MAP_KEYS: [Key; 8] = [
    Key {
        name: "capacity",
        example: "capacity = 10_000",
    },
    Key {
        name: "max_weight",
        example: "max_weight = 64 << 20",
    },
    Key {
        name: "weigher",
        example: "weigher = my_weigher",
    },
    Key {
        name: "ttl",
        example: "ttl = \"30s\"",
    },
    Key {
        name: "tti",
        example: "tti = \"5m\"",
    },
    Key {
        name: "on_evict",
        example: "on_evict = my_listener",
    },
    Key {
        name: "name",
        example: "name = \"sessions\"",
    },
    Key {
        name: "policy",
        example: "policy = \"tinylfu\"",
    },
];

/// The keys that bound a map: a list needs one of them.
pub(crate) const BOUND_KEYS: [&str; 4] = ["capacity", "max_weight", "ttl", "tti"];

/// The keys one macro accepts: some of [`MAP_KEYS`] (read into
/// [`MapArgs`]) and its own (handed back to it). Unknown-key errors list
/// both, in this order.
pub(crate) struct KeySet<'a> {
    pub(crate) map: &'a [Key],
    pub(crate) own: &'a [Key],
}

/// What `#[bounded_map(..)]` takes on a field: every map key.
pub(crate) const BOUNDED_MAP: KeySet<'static> = KeySet {
    map: &MAP_KEYS,
    own: &[],
};

/// The key of the maps other threads can reach (a static, a memo): purged
/// in the background by the maintenance thread.
pub(crate) const PURGE_EVERY: Key = Key {
    name: "purge_every",
    example: "purge_every = \"1s\"",
};

/// What `#[bounded_map(..)]` takes on a `static`: every map key, and
/// `purge_every`.
pub(crate) const STATIC_MAP: KeySet<'static> = KeySet {
    map: &MAP_KEYS,
    own: &[PURGE_EVERY],
};

impl KeySet<'_> {
    fn all(&self) -> impl Iterator<Item = &Key> {
        self.map.iter().chain(self.own)
    }
}

/// `policy = ".."` values and the `Policy` variant each names.
const POLICIES: [(&str, &str); 2] = [("lru", "Lru"), ("tinylfu", "TinyLfu")];

/// The map keys of one attribute, read.
#[derive(Default)]
pub(crate) struct MapArgs {
    pub(crate) capacity: Option<Expr>,
    pub(crate) max_weight: Option<Expr>,
    pub(crate) weigher: Option<Expr>,
    /// In milliseconds, spanned on the literal.
    pub(crate) ttl: Option<(u64, Span)>,
    pub(crate) tti: Option<(u64, Span)>,
    pub(crate) on_evict: Option<Expr>,
    pub(crate) name: Option<LitStr>,
    /// The `Policy` variant, spanned on the literal.
    pub(crate) policy: Option<(&'static str, Span)>,
    /// `purge_every = ".."` (statics and memos only), in milliseconds.
    pub(crate) purge_every: Option<(u64, Span)>,
    /// Every known key given, own keys too.
    seen: Vec<String>,
    /// An unknown key was given: it may have been a misspelt bound, so
    /// "no bound" would only repeat that error.
    pub(crate) unknown: bool,
}

impl MapArgs {
    /// Reads `#[bounded_map(..)]`'s arguments on a static.
    pub(crate) fn from_tokens(cx: &Ctxt, args: TokenStream) -> Self {
        let mut parsed = MapArgs::default();
        let parser = syn::meta::parser(|meta| {
            if parsed.parse_key(&meta, &STATIC_MAP, cx)?.is_some() {
                parsed.purge_every = parsed.own_duration(&meta, &PURGE_EVERY, cx)?;
            }
            Ok(())
        });
        if let Err(e) = syn::parse::Parser::parse2(parser, args) {
            cx.syn_error(e);
        }
        parsed
    }

    /// Reads the value of an own key that is a duration (handed back by
    /// [`parse_key`](Self::parse_key)).
    pub(crate) fn own_duration(
        &mut self,
        meta: &ParseNestedMeta<'_>,
        key: &Key,
        cx: &Ctxt,
    ) -> syn::Result<Option<(u64, Span)>> {
        if !meta.input.peek(syn::Token![=]) {
            cx.syn_error(meta.error(format!("`{}` needs a value: `{}`", key.name, key.example)));
            return Ok(None);
        }
        let value: Expr = meta.value()?.parse()?;
        Ok(parse_duration(&value, key.name, cx))
    }

    /// Whether `key` was given (its value right or not).
    pub(crate) fn given(&self, key: &str) -> bool {
        self.seen.iter().any(|s| s == key)
    }

    /// Whether one of [`BOUND_KEYS`] was given.
    pub(crate) fn gives_a_bound(&self) -> bool {
        BOUND_KEYS.iter().any(|k| self.given(k))
    }

    /// Reads one `key = value` of `keys`, recording what is wrong in `cx`
    /// and consuming the value either way, so that one bad key does not
    /// hide the mistakes after it. The first use of one of `keys.own` is
    /// returned with its value not yet read, for the caller to read.
    pub(crate) fn parse_key(
        &mut self,
        meta: &ParseNestedMeta<'_>,
        keys: &KeySet<'_>,
        cx: &Ctxt,
    ) -> syn::Result<Option<&'static str>> {
        let key = meta.path.to_token_stream().to_string().replace(' ', "");
        let known = keys.all().find(|k| k.name == key);
        let duplicate = known.is_some() && self.seen.contains(&key);
        match known {
            None if key == PURGE_EVERY.name => {
                cx.error_spanned_by(
                    &meta.path,
                    "`purge_every` needs a map the maintenance thread can reach: it goes on a `#[bounded_map]` static or `#[cached]`; a field's map belongs to its owner, which calls `purge_expired()` on its idle path",
                );
            }
            None => {
                self.unknown = true;
                cx.error_spanned_by(&meta.path, unknown_key(&key, keys));
            }
            Some(_) if duplicate => {
                cx.error_spanned_by(&meta.path, format!("`{key}` is given twice: keep one"));
            }
            Some(k) => {
                self.seen.push(key.clone());
                if keys.own.iter().any(|own| own.name == k.name) {
                    return Ok(Some(k.name));
                }
            }
        }
        if !meta.input.peek(syn::Token![=]) {
            if let Some(k) = known {
                cx.syn_error(meta.error(format!("`{key}` needs a value: `{}`", k.example)));
            }
            if meta.input.peek(syn::token::Paren) {
                let _ignored: TokenStream = meta.input.parse::<proc_macro2::Group>()?.stream();
            }
            return Ok(None);
        }
        let value: Expr = meta.value()?.parse()?;
        if known.is_some() && !duplicate {
            self.set(&key, value, cx);
        }
        Ok(None)
    }

    /// Checks and stores the value of a map key given once.
    fn set(&mut self, key: &str, value: Expr, cx: &Ctxt) {
        match key {
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
            // `parse_key` passes only the names in MAP_KEYS, all matched.
            _ => {}
        }
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
pub(crate) fn parse_duration(value: &Expr, key: &str, cx: &Ctxt) -> Option<(u64, Span)> {
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

/// "unknown key", the closest valid key if one is close, and the list.
fn unknown_key(key: &str, keys: &KeySet<'_>) -> String {
    let list = keys
        .all()
        .map(|k| format!("`{}`", k.name))
        .collect::<Vec<_>>()
        .join(", ");
    let closest = keys
        .all()
        .map(|k| (edit_distance(key, k.name), k.name))
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
    use super::*;

    #[test]
    fn suggestions_pick_the_closest_key() {
        let keys = &BOUNDED_MAP;
        assert_eq!(edit_distance("capcity", "capacity"), 1);
        assert!(unknown_key("capcity", keys).contains("did you mean `capacity`"));
        assert!(unknown_key("tll", keys).contains("did you mean `ttl`"));
        assert!(unknown_key("on_evicted", keys).contains("did you mean `on_evict`"));
        assert!(!unknown_key("zzzzzzzzzz", keys).contains("did you mean"));
    }

    #[test]
    fn own_keys_are_handed_back_and_listed() {
        let keys = KeySet {
            map: &MAP_KEYS[..5],
            own: &[Key {
                name: "key",
                example: "key = ..",
            }],
        };
        let cx = Ctxt::new();
        let mut args = MapArgs::default();
        let mut own = Vec::new();
        let parser = syn::meta::parser(|meta| {
            if let Some(key) = args.parse_key(&meta, &keys, &cx)? {
                own.push((key, meta.value()?.parse::<Expr>()?));
            }
            Ok(())
        });
        let tokens = quote::quote!(capacity = 3, key = k.id, key = 2, on_evict = f);
        syn::parse::Parser::parse2(parser, tokens).unwrap();
        assert_eq!(own.len(), 1);
        assert!(args.capacity.is_some() && args.gives_a_bound());
        let errors = cx.messages();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("`key` is given twice"));
        assert!(
            errors[1].contains("unknown key `on_evict`") && errors[1].ends_with("`tti`, `key`)")
        );
    }
}
