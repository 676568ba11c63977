//! A shared Redis tier behind a per-process [`sync::BoundedMap`], for
//! services that run several replicas (the `redis` feature).
//!
//! Each replica's [`Tier`] answers from its L1 map first; an L1 miss asks
//! Redis, and a Redis miss runs the loader once per key in the process (the
//! L1's single-flight [`get_or_insert_async`](sync::BoundedMap::get_or_insert_async)),
//! writes the value back to Redis and fills the L1. With N replicas a key is
//! loaded about once, not N times.
//!
//! ```no_run
//! # async fn fetch_user(id: u64) -> String { format!("user {id}") }
//! # #[tokio::main] async fn main() -> Result<(), leakless::tier::Error> {
//! use std::time::Duration;
//! use leakless::tier::Tier;
//!
//! let users: Tier<u64, String> = Tier::builder("redis://127.0.0.1:6379/")
//!     .namespace("users")                  // keys are `users:` + the encoded key
//!     .ttl(Duration::from_secs(300))       // every write is SET .. PX 300000
//!     .timeout(Duration::from_millis(50))  // per Redis call; then without Redis
//!     .l1(leakless::sync::BoundedMap::builder()
//!         .capacity(10_000)
//!         .ttl(Duration::from_secs(60))
//!         .build())
//!     .build()?;
//! let name = users.get_or_load(7, fetch_user(7)).await?; // L1, Redis, then the loader
//! users.insert(7, "ann".into()).await?;   // L1 + Redis; other replicas drop their copy
//! users.remove(&7).await?;                // gone here, in Redis and in other L1s
//! println!("{:?}", users.stats());
//! # Ok(()) }
//! ```
//!
//! # Bounded in Redis too
//!
//! Every key the tier writes has a TTL (`SET key value PX ttl`); there is
//! no call that writes without one, and the builder refuses a zero TTL or
//! one over [`MAX_TTL`]. Keys live under the namespace. Give the server a
//! memory bound as well, so keys written by anything else are bounded:
//! `maxmemory 256mb` and `maxmemory-policy allkeys-lru`.
//!
//! # Encoding
//!
//! Keys and values go through serde with [postcard](https://docs.rs/postcard):
//! its wire format is specified and stable since 1.0, it is compact (varint
//! integers, no field names), fast, and actively maintained. It is not
//! self-describing, so every value carries a two-byte tag and must decode
//! with no bytes left over; a value that does not decode (garbage, or a
//! layout another version wrote) is counted in
//! [`TierStats::decode_failures`], treated as a miss, and overwritten by the
//! load. A key or value whose `Serialize` fails is [`Error::Encode`] to the
//! caller, never a panic.
//!
//! # Invalidation
//!
//! [`insert`](Tier::insert) and [`remove`](Tier::remove) write or delete the
//! key in Redis and `PUBLISH` an invalidation on
//! `leakless:invalidate:<namespace>` in the same round trip. Every tier
//! runs a subscriber task, spawned on the tokio runtime it was built on,
//! that removes the key from its own L1, so a replica serves an overwritten
//! value for at most the propagation delay (about a millisecond on one
//! host; `tests/tier.rs` measures and prints it). Pub/sub is at-most-once:
//! after the subscriber loses its connection it clears the L1 when it
//! subscribes again ([`TierStats::resyncs`]). A load that read Redis just
//! before another replica's write can still fill the L1 with the old value;
//! the L1's own TTL bounds how long that copy lives.
//!
//! # Faults
//!
//! Each Redis call has a timeout. Redis down, slow or answering errors: the
//! call is counted ([`TierStats::errors`], [`TierStats::timeouts`]), the
//! loader runs, the L1 keeps serving, and the caller gets its value. The
//! connection manager reconnects by itself; nothing panics.
//!
//! # Credentials and TLS
//!
//! They come through the URL (`redis://user:password@host:port/db`;
//! `rediss://` needs a TLS backend of the `redis` crate enabled by the
//! application). The password is never shown: `Debug` and every [`Error`]
//! print the URL as `redis://user:***@host`.
//!
//! # With `#[cached]`
//!
//! `#[leakless::cached(capacity = .., ttl = "..", shared = url)]` on an
//! `async fn` keeps a `Tier` in a `OnceLock` built on the first call (inside
//! a tokio runtime), with the memo map as its L1 and the namespace
//! `module_path::fn_name`; its body becomes the loader of `get_or_load`
//! (`try_get_or_load` for a `Result` fn). `<fn>_cache()` returns the tier.

mod builder;
mod codec;
mod error;
mod subscriber;

use core::fmt;
use core::future::Future;
use core::hash::Hash;
use std::sync::atomic::Ordering::{Acquire, Relaxed};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use builder::{Builder, MAX_TTL};
pub use error::Error;
/// The `redis` crate the tier is built on, for commands it does not wrap.
pub use redis;

use crate::{sync, Stats};
use error::Secret;

/// A Redis tier behind a per-process [`sync::BoundedMap`]: see the
/// [module docs](self). Cloning is cheap and shares the tier.
pub struct Tier<K, V> {
    inner: Arc<Inner<K, V>>,
}

impl<K, V> Clone for Tier<K, V> {
    fn clone(&self) -> Self {
        Tier {
            inner: Arc::clone(&self.inner),
        }
    }
}

struct Inner<K, V> {
    l1: sync::BoundedMap<K, V>,
    conn: redis::aio::ConnectionManager,
    namespace: String,
    channel: String,
    ttl: Duration,
    ttl_ms: u64,
    timeout: Duration,
    origin: u64,
    /// The URL with its password replaced by `***`.
    url: String,
    secret: Secret,
    counters: Counters,
    subscriber: OnceLock<tokio::task::AbortHandle>,
}

impl<K, V> Drop for Inner<K, V> {
    fn drop(&mut self) {
        if let Some(task) = self.subscriber.get() {
            task.abort();
        }
    }
}

#[derive(Default)]
struct Counters {
    l1_hits: AtomicU64,
    redis_hits: AtomicU64,
    redis_misses: AtomicU64,
    loads: AtomicU64,
    errors: AtomicU64,
    timeouts: AtomicU64,
    decode_failures: AtomicU64,
    invalidations_sent: AtomicU64,
    invalidations_received: AtomicU64,
    resyncs: AtomicU64,
    subscribed: AtomicBool,
}

/// What a [`Tier`] did, from [`Tier::stats`]. Counters only grow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TierStats {
    /// Loading calls answered by the L1 (or by another caller's flight in
    /// this process) without asking Redis.
    pub l1_hits: u64,
    /// L1 misses that Redis answered with a value that decoded.
    pub redis_hits: u64,
    /// L1 misses Redis had no value for.
    pub redis_misses: u64,
    /// Loader runs (Redis missed, failed, timed out or held garbage).
    pub loads: u64,
    /// Redis calls that failed (connection refused or lost, an error
    /// reply), not counting timeouts.
    pub errors: u64,
    /// Redis calls that did not answer within the timeout.
    pub timeouts: u64,
    /// Values in Redis, or invalidation messages, that did not decode.
    pub decode_failures: u64,
    /// Invalidations published by `insert` and `remove`.
    pub invalidations_sent: u64,
    /// Other replicas' invalidations applied to this L1.
    pub invalidations_received: u64,
    /// Times the L1 was cleared because the subscriber had been without a
    /// subscription and may have missed invalidations.
    pub resyncs: u64,
    /// Whether the invalidation subscriber is subscribed right now.
    pub subscribed: bool,
    /// The L1 map's own statistics.
    pub l1: Stats,
}

impl<K, V> Tier<K, V> {
    /// A builder for a tier over the Redis at `url`
    /// (`redis://[user:password@]host:port/[db]`). Nothing connects until
    /// [`Builder::build`].
    pub fn builder(url: &str) -> Builder<K, V> {
        Builder::new(url)
    }

    /// The per-process map in front of Redis.
    pub fn l1(&self) -> &sync::BoundedMap<K, V> {
        &self.inner.l1
    }

    /// The namespace every key of this tier lives under.
    pub fn namespace(&self) -> &str {
        &self.inner.namespace
    }

    /// The TTL of every key this tier writes to Redis.
    pub fn ttl(&self) -> Duration {
        self.inner.ttl
    }

    /// The counters and the L1's statistics. *O*(shards of the L1).
    pub fn stats(&self) -> TierStats
    where
        K: Hash + Eq,
    {
        let c = &self.inner.counters;
        // First, with Acquire: a subscription seen back brings its resync.
        let subscribed = c.subscribed.load(Acquire);
        TierStats {
            l1_hits: c.l1_hits.load(Relaxed),
            redis_hits: c.redis_hits.load(Relaxed),
            redis_misses: c.redis_misses.load(Relaxed),
            loads: c.loads.load(Relaxed),
            errors: c.errors.load(Relaxed),
            timeouts: c.timeouts.load(Relaxed),
            decode_failures: c.decode_failures.load(Relaxed),
            invalidations_sent: c.invalidations_sent.load(Relaxed),
            invalidations_received: c.invalidations_received.load(Relaxed),
            resyncs: c.resyncs.load(Relaxed),
            subscribed,
            l1: self.inner.l1.stats(),
        }
    }
}

impl<K, V> Tier<K, V>
where
    K: Hash + Eq + Clone + Serialize + DeserializeOwned,
    V: Clone + Serialize + DeserializeOwned,
{
    /// The value of `key`: from the L1, else from Redis (filling the L1),
    /// else from `load`, which runs at most once per key at a time in this
    /// process; its value is written to Redis with the tier's TTL and put in
    /// the L1. A Redis failure or timeout is counted and the loader runs
    /// instead: the caller still gets its value.
    ///
    /// *O*(1) for an L1 hit (the L1's hit and one clone of `key`), one Redis
    /// round trip for a Redis hit, two plus `load` for a miss.
    ///
    /// # Errors
    ///
    /// [`Error::Encode`] if the key or the loaded value cannot be encoded;
    /// nothing is stored then.
    ///
    /// # Panics
    ///
    /// Only as the L1's [`get_or_insert_async`](sync::BoundedMap::get_or_insert_async)
    /// does: if `load` panics, or awaits this tier for the same key.
    pub async fn get_or_load<F>(&self, key: K, load: F) -> Result<V, Error>
    where
        F: Future<Output = V>,
    {
        self.try_get_or_load(key, async { Ok::<V, Error>(load.await) })
            .await
    }

    /// [`get_or_load`](Self::get_or_load) with a fallible loader: its error
    /// is returned, stores nothing, and lets a waiting caller try its own
    /// loader. The tier's own errors reach the caller through `E: From<Error>`.
    ///
    /// # Errors
    ///
    /// `load`'s error, or an [`Error::Encode`] converted into `E`.
    pub async fn try_get_or_load<F, E>(&self, key: K, load: F) -> Result<V, E>
    where
        F: Future<Output = Result<V, E>>,
        E: From<Error>,
    {
        let inner = &*self.inner;
        // A fresh L1 hit returns before any future is built or the key
        // cloned (a miss, or a stale entry, goes on to the loading call).
        if let Some(v) = inner.l1.get_fresh(&key) {
            inner.counters.l1_hits.fetch_add(1, Relaxed);
            return Ok(v);
        }
        let mut asked_redis = false;
        // The key is encoded only on an L1 miss.
        let for_miss = key.clone();
        let miss = async {
            asked_redis = true;
            // Boxed when it runs: the Redis futures are large, and kept
            // inline they would make every hit move them around.
            Box::pin(self.fill(for_miss, load)).await
        };
        let result = inner.l1.try_get_or_insert_async(key, miss).await;
        if !asked_redis {
            inner.counters.l1_hits.fetch_add(1, Relaxed);
        }
        result
    }

    /// An L1 miss: Redis, else `load` and a write-back.
    async fn fill<F, E>(&self, key: K, load: F) -> Result<V, E>
    where
        F: Future<Output = Result<V, E>>,
        E: From<Error>,
    {
        let inner = &*self.inner;
        let rkey = codec::encode_key(&inner.namespace, &key)?;
        if let Some(v) = self.fetch(&rkey).await {
            return Ok(v);
        }
        let v = load.await?;
        inner.counters.loads.fetch_add(1, Relaxed);
        let bytes = codec::encode_value(&v)?;
        let mut conn = inner.conn.clone();
        let set = redis::cmd("SET")
            .arg(&rkey)
            .arg(bytes)
            .arg("PX")
            .arg(inner.ttl_ms)
            .to_owned();
        // Not written back is only a later miss elsewhere: already counted.
        let _ = self.timed(set.query_async::<()>(&mut conn)).await;
        Ok(v)
    }

    /// Stores `value` in the L1 and in Redis (with the tier's TTL) and tells
    /// every other replica to drop its copy, in one round trip.
    ///
    /// # Errors
    ///
    /// [`Error::Encode`] before anything is stored; [`Error::Redis`] or
    /// [`Error::Timeout`] after the L1 was updated, meaning other replicas
    /// may keep their copy until it expires from their L1.
    pub async fn insert(&self, key: K, value: V) -> Result<(), Error> {
        let inner = &*self.inner;
        let rkey = codec::encode_key(&inner.namespace, &key)?;
        let bytes = codec::encode_value(&value)?;
        let message = codec::encode_invalidation(inner.origin, &key)?;
        inner.l1.insert(key, value);
        let mut pipe = redis::pipe();
        pipe.cmd("SET")
            .arg(&rkey)
            .arg(bytes)
            .arg("PX")
            .arg(inner.ttl_ms)
            .ignore();
        pipe.cmd("PUBLISH")
            .arg(&inner.channel)
            .arg(message)
            .ignore();
        self.publish(pipe).await
    }

    /// Removes `key` from the L1 and from Redis and tells every other
    /// replica to drop its copy, in one round trip.
    ///
    /// # Errors
    ///
    /// As [`insert`](Self::insert): the L1 entry is gone either way.
    pub async fn remove(&self, key: &K) -> Result<(), Error> {
        let inner = &*self.inner;
        let rkey = codec::encode_key(&inner.namespace, key)?;
        let message = codec::encode_invalidation(inner.origin, key)?;
        inner.l1.remove(key);
        let mut pipe = redis::pipe();
        pipe.cmd("DEL").arg(&rkey).ignore();
        pipe.cmd("PUBLISH")
            .arg(&inner.channel)
            .arg(message)
            .ignore();
        self.publish(pipe).await
    }

    /// The Redis key `key` is stored under: the namespace, `:`, and the
    /// postcard bytes of `key`.
    ///
    /// # Errors
    ///
    /// [`Error::Encode`] if `key` cannot be encoded.
    pub fn redis_key(&self, key: &K) -> Result<Vec<u8>, Error> {
        codec::encode_key(&self.inner.namespace, key)
    }

    async fn publish(&self, pipe: redis::Pipeline) -> Result<(), Error> {
        let mut conn = self.inner.conn.clone();
        self.timed(pipe.query_async::<()>(&mut conn)).await?;
        self.inner.counters.invalidations_sent.fetch_add(1, Relaxed);
        Ok(())
    }

    /// The decoded value under `rkey`, or `None` on a miss, a failure or
    /// bytes that do not decode (each counted).
    async fn fetch(&self, rkey: &[u8]) -> Option<V> {
        let c = &self.inner.counters;
        let mut conn = self.inner.conn.clone();
        let get = redis::cmd("GET").arg(rkey).to_owned();
        match self
            .timed(get.query_async::<Option<Vec<u8>>>(&mut conn))
            .await
        {
            Ok(Some(bytes)) => match codec::decode_value(&bytes) {
                Some(v) => {
                    c.redis_hits.fetch_add(1, Relaxed);
                    Some(v)
                }
                None => {
                    c.decode_failures.fetch_add(1, Relaxed);
                    None
                }
            },
            Ok(None) => {
                c.redis_misses.fetch_add(1, Relaxed);
                None
            }
            Err(_) => None,
        }
    }
}

impl<K, V> Tier<K, V> {
    /// `call` bounded by the tier's timeout, its failure counted and its
    /// message scrubbed of the password.
    async fn timed<T>(
        &self,
        call: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, Error> {
        let inner = &*self.inner;
        match tokio::time::timeout(inner.timeout, call).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) if e.is_timeout() => {
                inner.counters.timeouts.fetch_add(1, Relaxed);
                Err(Error::Timeout(inner.timeout))
            }
            Ok(Err(e)) => {
                inner.counters.errors.fetch_add(1, Relaxed);
                Err(Error::Redis(inner.secret.scrub(e)))
            }
            Err(_) => {
                inner.counters.timeouts.fetch_add(1, Relaxed);
                Err(Error::Timeout(inner.timeout))
            }
        }
    }
}

impl<K, V> fmt::Debug for Tier<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Tier")
            .field("url", &inner.url)
            .field("namespace", &inner.namespace)
            .field("ttl", &inner.ttl)
            .field("timeout", &inner.timeout)
            .field("l1_capacity", &inner.l1.capacity())
            .finish_non_exhaustive()
    }
}
