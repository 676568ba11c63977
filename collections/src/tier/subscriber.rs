//! The task that applies other replicas' invalidations to this tier's L1.

use core::hash::Hash;
use std::sync::atomic::Ordering::{Relaxed, Release};
use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use super::{codec, Inner};

/// Subscribes to the tier's channel and removes every key another replica
/// invalidates, until the tier is dropped (its `Drop` aborts this task; the
/// `Weak` also ends it at the next message or reconnect). After any time
/// without a subscription the L1 is cleared, since invalidations sent
/// meanwhile were missed; that is counted as a resync.
pub(super) async fn run<K, V>(tier: Weak<Inner<K, V>>, client: redis::Client)
where
    K: Hash + Eq + Clone + DeserializeOwned,
    V: Clone,
{
    let mut missed = false;
    let mut backoff = Duration::from_millis(50);
    loop {
        let Some(timeout) = tier.upgrade().map(|t| t.timeout) else {
            return;
        };
        if let Ok(Ok(mut pubsub)) = tokio::time::timeout(timeout, client.get_async_pubsub()).await {
            let channel = match tier.upgrade() {
                Some(t) => t.channel.clone(),
                None => return,
            };
            if let Ok(Ok(())) = tokio::time::timeout(timeout, pubsub.subscribe(&channel)).await {
                backoff = Duration::from_millis(50);
                if let Some(t) = tier.upgrade() {
                    if missed {
                        t.l1.clear();
                        t.counters.resyncs.fetch_add(1, Relaxed);
                    }
                    // Published last, with Release: whoever sees the
                    // subscription back (`stats()` reads it with Acquire)
                    // sees the resync that came with it.
                    t.counters.subscribed.store(true, Release);
                }
                let mut messages = pubsub.into_on_message();
                while let Some(msg) = messages.next().await {
                    let Some(t) = tier.upgrade() else {
                        return;
                    };
                    apply(&t, msg.get_payload_bytes());
                }
                if let Some(t) = tier.upgrade() {
                    t.counters.subscribed.store(false, Relaxed);
                    t.counters.errors.fetch_add(1, Relaxed);
                }
            }
        }
        missed = true;
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(1));
    }
}

fn apply<K, V>(tier: &Arc<Inner<K, V>>, payload: &[u8])
where
    K: Hash + Eq + Clone + DeserializeOwned,
    V: Clone,
{
    match codec::decode_invalidation::<K>(payload) {
        Some((origin, _)) if origin == tier.origin => {}
        Some((_, key)) => {
            tier.l1.remove(&key);
            tier.counters.invalidations_received.fetch_add(1, Relaxed);
        }
        None => {
            tier.counters.decode_failures.fetch_add(1, Relaxed);
        }
    }
}
