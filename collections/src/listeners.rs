//! [`Listeners`]: a callback registry that cannot leak its subscribers.
//!
//! Subscribing returns a [`Subscription`] guard; dropping it unsubscribes in
//! *O*(1). The guard holds only a `Weak` to the registry, so neither keeps
//! the other alive and either may be dropped first. `emit` takes a snapshot
//! of the subscribers under the lock and calls them after releasing it, so
//! a callback may subscribe, unsubscribe or emit on the same registry.

use core::alloc::Layout;
use core::any::Any;
use core::fmt;
use core::mem;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

/// A subscriber: its callback, and whether it is still subscribed (checked
/// right before each call, so a subscriber dropped during an `emit` is not
/// called after its guard is gone).
struct Subscriber<E: ?Sized> {
    callback: Callback<E>,
    active: AtomicBool,
}

enum Callback<E: ?Sized> {
    Owned(Box<dyn Fn(&E) + Send + Sync>),
    /// Calls through an owner held weakly; returns false once it is gone.
    Weak {
        owner: Weak<dyn Any + Send + Sync>,
        call: Box<dyn Fn(&E) -> bool + Send + Sync>,
    },
}

impl<E: ?Sized> Callback<E> {
    /// Whether the subscriber can still be called (a weak one's owner lives).
    fn alive(&self) -> bool {
        match self {
            Callback::Owned(_) => true,
            Callback::Weak { owner, .. } => owner.strong_count() > 0,
        }
    }
}

impl<E: ?Sized> Subscriber<E> {
    /// Calls the subscriber; false if it turned out to be dead (a weak
    /// subscriber whose owner is gone).
    fn call(&self, event: &E) -> bool {
        if !self.active.load(Ordering::Acquire) {
            return true;
        }
        match &self.callback {
            Callback::Owned(f) => {
                f(event);
                true
            }
            Callback::Weak { call, .. } => call(event),
        }
    }
}

type Snapshot<E> = Arc<[Arc<Subscriber<E>>]>;

/// The registry behind the lock: a slab of subscribers with a free list,
/// so a subscribe/unsubscribe cycle reuses a slot instead of growing.
struct Registry<E: ?Sized> {
    slots: Vec<Slot<E>>,
    free: Vec<u32>,
    next_generation: u64,
    live: usize,
    /// The subscribers in slot order, rebuilt on the first `emit` after a
    /// change; `emit` clones this `Arc`, not the list.
    snapshot: Option<Snapshot<E>>,
}

struct Slot<E: ?Sized> {
    generation: u64,
    subscriber: Option<Arc<Subscriber<E>>>,
}

impl<E: ?Sized> Registry<E> {
    fn add(&mut self, subscriber: Subscriber<E>) -> (u32, u64) {
        let subscriber = Some(Arc::new(subscriber));
        // Generations are unique across the registry, not per slot, so a
        // slot given back and made again can never match an old guard.
        let generation = self.next_generation;
        self.next_generation += 1;
        // The free list may name slots given back since (or taken again):
        // skip those; each entry is looked at once, so this is amortized O(1).
        let reusable = loop {
            match self.free.pop() {
                Some(i)
                    if self
                        .slots
                        .get(i as usize)
                        .is_some_and(|s| s.subscriber.is_none()) =>
                {
                    break Some(i)
                }
                Some(_) => continue,
                None => break None,
            }
        };
        let index = match reusable {
            Some(i) => {
                self.slots[i as usize] = Slot {
                    generation,
                    subscriber,
                };
                i
            }
            None => {
                self.slots.push(Slot {
                    generation,
                    subscriber,
                });
                (self.slots.len() - 1) as u32
            }
        };
        self.live += 1;
        self.snapshot = None;
        (index, generation)
    }

    fn remove(&mut self, index: u32, generation: u64) {
        let Some(slot) = self.slots.get_mut(index as usize) else {
            return;
        };
        if slot.generation != generation {
            return;
        }
        if let Some(subscriber) = slot.subscriber.take() {
            subscriber.active.store(false, Ordering::Release);
            self.free.push(index);
            self.live -= 1;
            self.snapshot = None;
            self.compact();
        }
    }

    /// Gives back the empty slots above the highest occupied one, and the
    /// memory once it is mostly unused. Amortized *O*(1): popping is paid for
    /// by the removals that emptied the slots, and the free list is filtered
    /// only when it has grown past twice the slots.
    fn compact(&mut self) {
        while self.slots.last().is_some_and(|s| s.subscriber.is_none()) {
            self.slots.pop();
        }
        if self.free.len() > 2 * self.slots.len() + 16 {
            let slots = &self.slots;
            self.free.retain(|&i| {
                slots
                    .get(i as usize)
                    .is_some_and(|s| s.subscriber.is_none())
            });
        }
        if self.slots.capacity() > 16 && self.slots.len() <= self.slots.capacity() / 4 {
            self.slots.shrink_to(self.slots.len() * 2);
            self.free.shrink_to(2 * self.slots.len() + 16);
        }
    }

    fn snapshot(&mut self) -> Snapshot<E> {
        let slots = &self.slots;
        self.snapshot
            .get_or_insert_with(|| slots.iter().filter_map(|s| s.subscriber.clone()).collect())
            .clone()
    }
}

/// What a [`Subscription`] needs of its registry, with the event type
/// erased so the guard is one type for every registry.
trait Unsubscribe: Send + Sync {
    fn unsubscribe(&self, index: u32, generation: u64);
}

impl<E: ?Sized + 'static> Unsubscribe for Mutex<Registry<E>> {
    fn unsubscribe(&self, index: u32, generation: u64) {
        lock(self).remove(index, generation);
    }
}

/// Locks, ignoring poison: the registry is only modified by code that
/// cannot panic halfway, and callbacks never run under the lock.
fn lock<E: ?Sized>(m: &Mutex<Registry<E>>) -> MutexGuard<'_, Registry<E>> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A registry of callbacks for events of type `E` that cannot leak them:
/// every subscription is a guard, and dropping the guard unsubscribes.
///
/// `Send + Sync`; share it by reference or in an `Arc`. Callbacks run on the
/// thread that calls [`emit`](Self::emit), without any lock held, so a
/// callback may subscribe, unsubscribe (drop a guard) or emit again. A
/// subscriber added during an `emit` first hears the next event; one removed
/// during an `emit` is not called once its guard has dropped.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// use leakless::{Listeners, Subscription};
///
/// let on_login: Listeners<str> = Listeners::new();
/// let seen = Arc::new(AtomicUsize::new(0));
/// let counter = Arc::clone(&seen);
/// let sub: Subscription = on_login.subscribe(move |_user: &str| {
///     counter.fetch_add(1, Ordering::Relaxed);
/// });
/// on_login.emit("ann");
/// drop(sub); // unsubscribed: nothing to forget to unregister
/// on_login.emit("bob");
/// assert_eq!(seen.load(Ordering::Relaxed), 1);
/// assert_eq!(on_login.len(), 0);
/// ```
pub struct Listeners<E: ?Sized> {
    registry: Arc<Mutex<Registry<E>>>,
}

impl<E: ?Sized + 'static> Listeners<E> {
    /// An empty registry. *O*(1), no allocation but the shared state.
    ///
    /// # Examples
    ///
    /// ```
    /// let l: leakless::Listeners<u32> = leakless::Listeners::new();
    /// assert!(l.is_empty());
    /// ```
    pub fn new() -> Self {
        Listeners {
            registry: Arc::new(Mutex::new(Registry {
                slots: Vec::new(),
                free: Vec::new(),
                next_generation: 0,
                live: 0,
                snapshot: None,
            })),
        }
    }

    fn guard(&self, (index, generation): (u32, u64)) -> Subscription {
        let registry: Arc<dyn Unsubscribe> = self.registry.clone();
        Subscription {
            registry: Arc::downgrade(&registry),
            index,
            generation,
        }
    }

    /// Subscribes `callback` for as long as the returned guard lives.
    /// *O*(1) amortized.
    ///
    /// # Examples
    ///
    /// ```
    /// let l = leakless::Listeners::<i32>::new();
    /// let _sub = l.subscribe(|n: &i32| assert!(*n > 0));
    /// l.emit(&1);
    /// assert_eq!(l.len(), 1);
    /// ```
    pub fn subscribe<F>(&self, callback: F) -> Subscription
    where
        F: Fn(&E) + Send + Sync + 'static,
    {
        let subscriber = Subscriber {
            callback: Callback::Owned(Box::new(callback)),
            active: AtomicBool::new(true),
        };
        let slot = lock(&self.registry).add(subscriber);
        self.guard(slot)
    }

    /// Subscribes a method of an object owned elsewhere, holding the object
    /// weakly: `callback(&owner, event)` runs while the owner lives, and the
    /// subscription is pruned at the first `emit` after it is dropped. The
    /// guard can still end it earlier; [`Subscription::detach`] lets the
    /// owner's life alone decide. *O*(1) amortized.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use std::sync::Arc;
    ///
    /// struct Client { unread: AtomicU32 }
    ///
    /// let inbox = leakless::Listeners::<str>::new();
    /// let client = Arc::new(Client { unread: AtomicU32::new(0) });
    /// inbox
    ///     .subscribe_weak(&client, |c: &Client, _msg: &str| {
    ///         c.unread.fetch_add(1, Ordering::Relaxed);
    ///     })
    ///     .detach();
    /// inbox.emit("hi");
    /// assert_eq!(client.unread.load(Ordering::Relaxed), 1);
    /// drop(client); // disconnects
    /// inbox.emit("anyone?"); // prunes it
    /// assert_eq!(inbox.len(), 0);
    /// ```
    pub fn subscribe_weak<T, F>(&self, owner: &Arc<T>, callback: F) -> Subscription
    where
        T: Send + Sync + 'static,
        F: Fn(&T, &E) + Send + Sync + 'static,
    {
        let weak = Arc::downgrade(owner);
        let erased: Weak<dyn Any + Send + Sync> = weak.clone();
        let call = move |event: &E| match weak.upgrade() {
            Some(owner) => {
                callback(&owner, event);
                true
            }
            None => false,
        };
        let subscriber = Subscriber {
            callback: Callback::Weak {
                owner: erased,
                call: Box::new(call),
            },
            active: AtomicBool::new(true),
        };
        let slot = lock(&self.registry).add(subscriber);
        self.guard(slot)
    }

    /// Calls every live subscriber with `event`, in subscription order
    /// (slots are reused, so "order" is slot order), and prunes weak
    /// subscribers whose owner is gone. No lock is held while callbacks run.
    /// If a callback panics, the panic propagates to the caller and the
    /// remaining subscribers are not called; the registry stays usable.
    ///
    /// *O*(subscribers); *O*(1) extra allocation only on the first `emit`
    /// after the set changed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Mutex;
    /// let log = std::sync::Arc::new(Mutex::new(Vec::new()));
    /// let l = leakless::Listeners::<&str>::new();
    /// let sink = log.clone();
    /// let _a = l.subscribe(move |e: &&str| sink.lock().unwrap().push(*e));
    /// l.emit(&"boot");
    /// assert_eq!(*log.lock().unwrap(), ["boot"]);
    /// ```
    pub fn emit(&self, event: &E) {
        let snapshot = lock(&self.registry).snapshot();
        let mut dead = false;
        for subscriber in snapshot.iter() {
            dead |= !subscriber.call(event);
        }
        if dead {
            self.prune();
        }
    }

    /// Removes weak subscribers whose owner is gone.
    fn prune(&self) {
        let mut registry = lock(&self.registry);
        let gone: Vec<(u32, u64)> = (0u32..)
            .zip(&registry.slots)
            .filter_map(|(i, s)| {
                let dead = s
                    .subscriber
                    .as_ref()
                    .is_some_and(|sub| !sub.callback.alive());
                dead.then_some((i, s.generation))
            })
            .collect();
        for (i, generation) in gone {
            registry.remove(i, generation);
        }
    }

    /// Live subscribers: guards not dropped, weak owners not gone.
    /// *O*(subscribers).
    ///
    /// # Examples
    ///
    /// ```
    /// let l = leakless::Listeners::<()>::new();
    /// let a = l.subscribe(|_| {});
    /// let _b = l.subscribe(|_| {});
    /// drop(a);
    /// assert_eq!(l.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        let registry = lock(&self.registry);
        registry
            .slots
            .iter()
            .filter_map(|s| s.subscriber.as_ref())
            .filter(|sub| sub.callback.alive())
            .count()
    }

    /// Whether no subscriber is live. *O*(subscribers).
    ///
    /// # Examples
    ///
    /// ```
    /// let l = leakless::Listeners::<()>::new();
    /// assert!(l.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes the registry has allocated for its slots (subscribers' own
    /// closures not included). *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// let l = leakless::Listeners::<()>::new();
    /// for _ in 0..1000 {
    ///     drop(l.subscribe(|_| {}));
    /// }
    /// assert!(l.heap_bytes() < 1024);
    /// ```
    pub fn heap_bytes(&self) -> usize {
        let registry = lock(&self.registry);
        registry.slots.capacity() * core::mem::size_of::<Slot<E>>()
            + registry.free.capacity() * core::mem::size_of::<u32>()
            + registry
                .snapshot
                .as_ref()
                .map_or(0, |s| arc_block(Layout::for_value::<[_]>(s)))
    }
}

/// The size of an `Arc`'s allocation for a value of `layout`: its two
/// counts, then the value (`ArcInner` is `#[repr(C)]`), padded.
fn arc_block(layout: Layout) -> usize {
    Layout::new::<[usize; 2]>()
        .extend(layout)
        .map_or(0, |(block, _)| block.pad_to_align().size())
}

impl<E: ?Sized + 'static> crate::Footprint for Listeners<E> {
    /// Everything the registry allocated and alone keeps alive: its shared
    /// state (which guards point at weakly), its slots
    /// ([`heap_bytes`](Listeners::heap_bytes)), one `Arc` block per
    /// subscriber, and each subscriber's boxed closure, by its inline size
    /// (what the closure's captures own on the heap is not known; a weak
    /// subscriber's owner is not the registry's). *O*(subscribers).
    fn footprint(&self) -> usize {
        let state = arc_block(Layout::new::<Mutex<Registry<E>>>());
        let registry = lock(&self.registry);
        let subscribers = registry
            .slots
            .iter()
            .filter_map(|s| s.subscriber.as_deref())
            .map(|sub| {
                let closure = match &sub.callback {
                    Callback::Owned(f) => mem::size_of_val::<dyn Fn(&E) + Send + Sync>(&**f),
                    Callback::Weak { call, .. } => {
                        mem::size_of_val::<dyn Fn(&E) -> bool + Send + Sync>(&**call)
                    }
                };
                arc_block(Layout::new::<Subscriber<E>>()) + closure
            })
            .sum::<usize>();
        drop(registry);
        state + self.heap_bytes() + subscribers
    }
}

impl<E: ?Sized + 'static> Default for Listeners<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: ?Sized> fmt::Debug for Listeners<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let registry = lock(&self.registry);
        f.debug_struct("Listeners")
            .field("subscribers", &registry.live)
            .finish()
    }
}

/// A live subscription: dropping it unsubscribes, in *O*(1).
///
/// It holds only a `Weak` to its registry, so it keeps nothing alive: the
/// registry may be dropped first (the guard then does nothing), and a guard
/// kept forever costs a few words, not a subscriber.
///
/// # Examples
///
/// ```
/// let l = leakless::Listeners::<u8>::new();
/// let sub = l.subscribe(|_| {});
/// assert!(sub.is_active());
/// drop(l); // the registry goes first: fine
/// assert!(!sub.is_active());
/// ```
#[must_use = "dropping a Subscription unsubscribes at once; keep it, or call `detach`"]
pub struct Subscription {
    registry: Weak<dyn Unsubscribe>,
    index: u32,
    generation: u64,
}

impl Subscription {
    /// Whether the registry still exists (the subscription is then live,
    /// or pruned if it was weak and its owner is gone). *O*(1).
    ///
    /// # Examples
    ///
    /// ```
    /// let l = leakless::Listeners::<u8>::new();
    /// let sub = l.subscribe(|_| {});
    /// assert!(sub.is_active());
    /// ```
    pub fn is_active(&self) -> bool {
        self.registry.strong_count() > 0
    }

    /// Ends the subscription now (what dropping the guard does).
    ///
    /// # Examples
    ///
    /// ```
    /// let l = leakless::Listeners::<u8>::new();
    /// l.subscribe(|_| {}).unsubscribe();
    /// assert!(l.is_empty());
    /// ```
    pub fn unsubscribe(self) {
        drop(self);
    }

    /// Lets the subscription live as long as the registry (or, for
    /// [`subscribe_weak`](Listeners::subscribe_weak), as long as its owner)
    /// without keeping a guard. For an owned callback this is a deliberate
    /// registration for the registry's lifetime; the registry still frees
    /// it when the registry is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// let l = leakless::Listeners::<u8>::new();
    /// l.subscribe(|_| {}).detach();
    /// assert_eq!(l.len(), 1);
    /// ```
    pub fn detach(mut self) {
        // Forget the registry, not the guard: `mem::forget` would leak the
        // `Weak`'s hold on the registry's allocation.
        self.registry = Weak::<Detached>::new();
    }
}

/// The registry of a detached guard: there is none.
struct Detached;

impl Unsubscribe for Detached {
    fn unsubscribe(&self, _index: u32, _generation: u64) {}
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(registry) = self.registry.upgrade() {
            registry.unsubscribe(self.index, self.generation);
        }
    }
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("slot", &self.index)
            .field("active", &self.is_active())
            .finish()
    }
}
