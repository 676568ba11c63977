//! [`Builder`]: the URL, namespace, TTL, timeout and L1 of a [`Tier`].

use core::fmt;
use core::hash::Hash;
use core::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::{redact_url, Secret};
use super::{subscriber, Counters, Error, Inner, Tier};
use crate::sync;

/// The longest TTL the tier writes: a key meant to outlive a year is not
/// bounded by its TTL, so the builder refuses it.
pub const MAX_TTL: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// Configures a [`Tier`]; made by [`Tier::builder`]. The namespace, the TTL
/// and the L1 map are required; the timeout defaults to 100 ms.
pub struct Builder<K, V> {
    url: String,
    namespace: Option<String>,
    ttl: Option<Duration>,
    timeout: Duration,
    l1: Option<sync::BoundedMap<K, V>>,
    _types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Builder<K, V> {
    pub(super) fn new(url: &str) -> Self {
        Builder {
            url: url.to_owned(),
            namespace: None,
            ttl: None,
            timeout: Duration::from_millis(100),
            l1: None,
            _types: PhantomData,
        }
    }

    /// The prefix of every key this tier writes (`namespace:` then the
    /// encoded key) and the name of its invalidation channel. Tiers that
    /// share a namespace share entries, so they must agree on `K` and `V`;
    /// change the namespace (`"users:v2"`) when `V`'s layout changes.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// How long a key lives in Redis after each write (`SET .. PX`).
    /// Required, at least 1 ms (shorter rounds up) and at most [`MAX_TTL`].
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// How long one Redis call may take (connecting included) before the
    /// tier gives up on it, counts a timeout and goes on without Redis.
    /// Default 100 ms.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The per-process map in front of Redis. Its own bound, TTL and policy
    /// apply; give it a TTL no longer than the tier's so a copy that missed
    /// an invalidation (see the [module docs](super)) cannot outlive the
    /// Redis entry by much.
    pub fn l1(mut self, map: sync::BoundedMap<K, V>) -> Self {
        self.l1 = Some(map);
        self
    }
}

impl<K, V> Builder<K, V>
where
    K: Hash + Eq + Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
    V: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
{
    /// Builds the tier. Must run inside a tokio runtime: the connection
    /// manager and the invalidation subscriber are spawned on it, and live
    /// as long as the tier (or the runtime, if that goes first). Does not
    /// wait for Redis: a server that is down now is connected to later.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a missing namespace, TTL or L1, a zero or
    /// too long TTL, or a URL the client rejects; [`Error::NoRuntime`]
    /// outside a tokio runtime.
    pub fn build(self) -> Result<Tier<K, V>, Error> {
        let shown = redact_url(&self.url);
        let namespace = self
            .namespace
            .filter(|n| !n.is_empty())
            .ok_or_else(|| Error::Config("a non-empty namespace is required".into()))?;
        let ttl = self.ttl.ok_or_else(|| {
            Error::Config("a TTL is required: the tier writes no key without one".into())
        })?;
        if ttl.is_zero() || ttl > MAX_TTL {
            return Err(Error::Config(format!(
                "the TTL must be between 1 ms and {MAX_TTL:?}, not {ttl:?}"
            )));
        }
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let l1 = self
            .l1
            .ok_or_else(|| Error::Config("an L1 map is required (Builder::l1)".into()))?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime)?;
        // The client's parse error may quote the URL: scrub what we can
        // know of the password from the text itself.
        let text_secret = Secret::new(password_in(&self.url));
        let client = redis::Client::open(self.url.as_str())
            .map_err(|e| Error::Config(format!("URL {shown}: {}", text_secret.scrub(e))))?;
        let secret = Secret::new(client.get_connection_info().redis_settings().password());
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_max_delay(Duration::from_secs(1));
        let conn = {
            let _entered = runtime.enter();
            redis::aio::ConnectionManager::new_lazy_with_config(client.clone(), config)
                .map_err(|e| Error::Config(secret.scrub(e)))?
        };
        let channel = format!("leakless:invalidate:{namespace}");
        let inner = Arc::new(Inner {
            l1,
            conn,
            namespace,
            channel,
            ttl,
            ttl_ms,
            timeout: self.timeout,
            origin: origin_id(),
            url: shown,
            secret,
            counters: Counters::default(),
            subscriber: std::sync::OnceLock::new(),
        });
        let task = runtime.spawn(subscriber::run(Arc::downgrade(&inner), client));
        let _ = inner.subscriber.set(task.abort_handle());
        Ok(Tier { inner })
    }
}

impl<K, V> fmt::Debug for Builder<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("url", &redact_url(&self.url))
            .field("namespace", &self.namespace)
            .field("ttl", &self.ttl)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The password of `redis://user:pw@host` as written, before parsing.
fn password_in(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    let userinfo = authority.rsplit_once('@')?.0;
    Some(userinfo.split_once(':').map_or(userinfo, |(_, p)| p))
}

/// An id telling this tier's own invalidations from other replicas'.
fn origin_id() -> u64 {
    use core::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut h = std::hash::RandomState::new().build_hasher();
    h.write_u64(NEXT.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    h.finish()
}
