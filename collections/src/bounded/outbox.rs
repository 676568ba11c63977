//! The eviction outbox: where entries the engine lets go of wait until the
//! call that evicted them has left the map consistent, and the one value the
//! Entry API may lend out although the bound cannot admit it.
//!
//! Every entry that leaves the map other than through the caller's hands is
//! counted here by cause; it is queued if a listener (or the sync map, which
//! holds evictions to hand over after its lock) wants it, and dropped
//! otherwise.

use core::mem;

use crate::eviction::Listener;
use crate::stats::Evictions;
use crate::EvictionCause;

/// One evicted entry and why it left.
pub(crate) type Evicted<K, V> = (K, V, EvictionCause);

/// Evictions taken out of an outbox that holds them (see
/// [`Outbox::take`]): the common cases, none and one, allocate nothing.
pub(crate) enum Held<K, V> {
    None,
    One(Evicted<K, V>),
    Many(Vec<Evicted<K, V>>),
}

impl<K, V> IntoIterator for Held<K, V> {
    type Item = Evicted<K, V>;
    type IntoIter =
        core::iter::Chain<core::option::IntoIter<Self::Item>, std::vec::IntoIter<Self::Item>>;

    fn into_iter(self) -> Self::IntoIter {
        let (one, many) = match self {
            Held::None => (None, Vec::new()),
            Held::One(e) => (Some(e), Vec::new()),
            Held::Many(v) => (None, v),
        };
        one.into_iter().chain(many)
    }
}

/// See the module docs.
pub(crate) struct Outbox<K, V> {
    listener: Option<Listener<K, V>>,
    /// Evictions waiting for the listener (or for `take`), in order.
    pending: Vec<Evicted<K, V>>,
    /// Keep evictions in `pending` for the owner to `take`.
    holding: bool,
    /// A value lent out by the Entry API that the bound could not admit
    /// (or that expired at once), and why it will go.
    parked: Option<Evicted<K, V>>,
    evictions: Evictions,
}

impl<K, V> Outbox<K, V> {
    pub(crate) fn new(listener: Option<Listener<K, V>>) -> Self {
        Outbox {
            listener,
            pending: Vec::new(),
            holding: false,
            parked: None,
            evictions: Evictions::default(),
        }
    }

    /// An outbox like this one for a copy of the map: the same listener and
    /// counters, nothing queued or parked (those belong to the original).
    pub(crate) fn for_clone(&self) -> Self {
        let mut clone = Outbox::new(self.listener.clone());
        clone.evictions = self.evictions;
        clone
    }

    /// Counts an entry the map has let go of and queues it if anyone wants
    /// it; drops it otherwise. *O*(1) amortized.
    #[inline]
    pub(crate) fn evict(&mut self, key: K, value: V, cause: EvictionCause) {
        self.evictions.count(cause);
        if self.listener.is_some() || self.holding {
            self.pending.push((key, value, cause));
        }
    }

    /// Evictions counted by cause.
    pub(crate) fn evictions(&self) -> Evictions {
        self.evictions
    }

    /// From now on, evictions wait for [`take`](Self::take) instead of going
    /// to the listener.
    pub(crate) fn hold(&mut self) {
        self.holding = true;
    }

    /// Whether nothing waits for the listener.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Whether [`deliver`](Self::deliver) has nothing to do: nothing is
    /// queued, or the owner takes what is (a sync-map shard).
    #[inline]
    pub(crate) fn nothing_to_deliver(&self) -> bool {
        self.pending.is_empty() || self.holding
    }

    /// The evictions held since the last call, least recent first.
    pub(crate) fn take(&mut self) -> Held<K, V> {
        match self.pending.len() {
            0 => Held::None,
            1 => match self.pending.pop() {
                Some(one) => Held::One(one),
                None => Held::None,
            },
            _ => Held::Many(mem::take(&mut self.pending)),
        }
    }

    /// Calls the listener on every queued eviction, in order, unless the
    /// outbox holds them. If the listener panics, the entries it did not
    /// get are dropped by the drain as the panic unwinds (each exactly
    /// once).
    pub(crate) fn deliver(&mut self) {
        if self.pending.is_empty() || self.holding {
            return;
        }
        if let Some(listener) = &self.listener {
            for (k, v, cause) in self.pending.drain(..) {
                listener(k, v, cause);
            }
        }
        if self.pending.capacity() > 64 {
            self.pending = Vec::new();
        }
    }

    /// Parks a value the bound cannot admit and lends it out until the next
    /// `&mut` call of the map, which `unpark`s it.
    pub(crate) fn park(&mut self, key: K, value: V, cause: EvictionCause) -> &mut V {
        debug_assert!(self.parked.is_none());
        &mut self.parked.insert((key, value, cause)).1
    }

    /// Queues the parked value, if any, as an eviction.
    #[inline(always)]
    pub(crate) fn unpark(&mut self) {
        // Test before taking: `take` writes the whole `Option` back, on
        // every `&mut` call of the map.
        if self.has_parked() {
            self.unpark_slow();
        }
    }

    #[inline(never)]
    fn unpark_slow(&mut self) {
        if let Some((k, v, cause)) = self.parked.take() {
            self.evict(k, v, cause);
        }
    }

    /// Whether a value is parked.
    #[inline(always)]
    pub(crate) fn has_parked(&self) -> bool {
        self.parked.is_some()
    }

    /// The parked entry, if any.
    pub(crate) fn parked(&self) -> Option<(&K, &V)> {
        self.parked.as_ref().map(|(k, v, _)| (k, v))
    }

    /// The listener, for footprint accounting.
    pub(crate) fn listener(&self) -> Option<&Listener<K, V>> {
        self.listener.as_ref()
    }

    /// Bytes of the queue's buffer.
    #[inline]
    pub(crate) fn heap_bytes(&self) -> usize {
        self.pending.capacity() * mem::size_of::<Evicted<K, V>>()
    }
}

impl<K, V> Drop for Outbox<K, V> {
    fn drop(&mut self) {
        // A parked value was promised to the listener.
        if let (Some((k, v, cause)), Some(listener)) = (self.parked.take(), &self.listener) {
            listener(k, v, cause);
        }
    }
}
