//! The tier's error type, and the redaction that keeps a password out of it.

use core::fmt;
use std::time::Duration;

/// What went wrong in a [`Tier`](super::Tier) call or in building one.
///
/// No variant ever holds a password: messages that come from the Redis
/// client are scrubbed of the URL's password before they are stored, and the
/// URL is only ever shown with its password replaced by `***`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The builder was given something that cannot work (a missing or zero
    /// TTL, an empty namespace, no L1 map, a URL the client rejects).
    Config(String),
    /// [`Builder::build`](super::Builder::build) was called outside a tokio
    /// runtime: the tier spawns its invalidation subscriber on the runtime
    /// it is built on.
    NoRuntime,
    /// A key or value could not be encoded (its `Serialize` impl failed or
    /// asked for something postcard cannot write, such as a sequence of
    /// unknown length). Nothing was stored.
    Encode(String),
    /// Redis answered with an error or the connection failed. The tier's
    /// L1 already holds what the call stored; other replicas may keep
    /// serving their copy until it expires from their L1.
    Redis(String),
    /// Redis did not answer within the tier's per-call timeout.
    Timeout(Duration),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(m) => write!(f, "leakless tier: bad configuration: {m}"),
            Error::NoRuntime => f.write_str(
                "leakless tier: built outside a tokio runtime; build it inside one \
                 (its invalidation subscriber is spawned there)",
            ),
            Error::Encode(m) => write!(f, "leakless tier: cannot encode with postcard: {m}"),
            Error::Redis(m) => write!(f, "leakless tier: redis: {m}"),
            Error::Timeout(d) => write!(f, "leakless tier: redis did not answer within {d:?}"),
        }
    }
}

impl std::error::Error for Error {}

/// The secret of a URL, kept only to scrub it out of messages.
#[derive(Clone, Default)]
pub(super) struct Secret(Option<String>);

impl Secret {
    pub(super) fn new(password: Option<&str>) -> Self {
        Secret(password.filter(|p| !p.is_empty()).map(str::to_owned))
    }

    /// `message` with every occurrence of the password replaced by `***`.
    pub(super) fn scrub(&self, message: impl fmt::Display) -> String {
        let message = message.to_string();
        match &self.0 {
            Some(p) => message.replace(p.as_str(), "***"),
            None => message,
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// `url` with the password of its user-info (`redis://user:pw@host`) and
/// any `pass=` / `password=` query value replaced by `***`. Works on the
/// text alone, so it also redacts a URL the client could not parse.
pub(super) fn redact_url(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let mut out = match head.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(authority_end);
            match authority.rsplit_once('@') {
                Some((userinfo, host)) => {
                    let user = userinfo.split_once(':').map_or("", |(u, _)| u);
                    let shown = if userinfo.contains(':') {
                        format!("{user}:***")
                    } else {
                        // `redis://secret@host`: a lone user-info is the password.
                        "***".to_owned()
                    };
                    format!("{scheme}://{shown}@{host}{path}")
                }
                None => head.to_owned(),
            }
        }
        None => head.to_owned(),
    };
    if let Some(query) = query {
        out.push('?');
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _))
                    if k.eq_ignore_ascii_case("pass") || k.eq_ignore_ascii_case("password") =>
                {
                    format!("{k}=***")
                }
                _ => pair.to_owned(),
            })
            .collect();
        out.push_str(&pairs.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("redis://:s3cret@127.0.0.1:1/"),
            "redis://:***@127.0.0.1:1/"
        );
        assert_eq!(
            redact_url("rediss://ann:pw@h:6379/0"),
            "rediss://ann:***@h:6379/0"
        );
        assert_eq!(redact_url("redis://pw@h/"), "redis://***@h/");
        assert_eq!(redact_url("redis://h:6379/"), "redis://h:6379/");
        assert_eq!(
            redact_url("redis+unix:///run/r.sock?db=1&pass=pw"),
            "redis+unix:///run/r.sock?db=1&pass=***"
        );
        assert_eq!(Secret::new(Some("pw")).scrub("bad pw here"), "bad *** here");
        assert_eq!(format!("{:?}", Secret::new(Some("pw"))), "***");
    }
}
