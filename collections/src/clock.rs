//! Time for expiring maps: the real monotonic clock, read cheaply, and a
//! [`ManualClock`] that tests move by hand.
//!
//! Maps keep time as `u64` nanoseconds since their clock's origin, so no
//! deadline arithmetic can overflow an `Instant` (a deadline past
//! `u64::MAX` ns, some 584 years, is "never").

use core::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// A deadline that never comes.
pub(crate) const NEVER: u64 = u64::MAX;

/// Nanoseconds in `d`, saturating at [`NEVER`].
#[inline]
pub(crate) fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(NEVER)
}

/// A clock that only moves when told to; clones share one time.
///
/// Give it to a map with
/// [`Builder::clock`](crate::bounded::Builder::clock) and tests never sleep:
/// `advance` is the passing of time.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use leakless::{BoundedMap, ManualClock};
///
/// let clock = ManualClock::new();
/// let mut sessions = BoundedMap::builder()
///     .ttl(Duration::from_secs(30))
///     .clock(clock.clone())
///     .build();
/// sessions.insert("ann", 1);
/// clock.advance(Duration::from_secs(29));
/// assert_eq!(sessions.get("ann"), Some(&1));
/// clock.advance(Duration::from_secs(1));
/// assert_eq!(sessions.get("ann"), None); // expired, even before it is purged
/// ```
#[derive(Clone, Default)]
pub struct ManualClock {
    now: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock at time zero.
    ///
    /// # Examples
    ///
    /// ```
    /// let clock = leakless::ManualClock::new();
    /// assert_eq!(clock.now(), std::time::Duration::ZERO);
    /// ```
    pub fn new() -> Self {
        ManualClock::default()
    }

    /// Moves time forward by `by` for every clone of this clock. Saturates
    /// some 584 years after the start rather than overflow: a clock advanced
    /// by `Duration::MAX` stands at the end of time, where every finite
    /// deadline has passed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let clock = leakless::ManualClock::new();
    /// let shared = clock.clone();
    /// clock.advance(Duration::from_millis(250));
    /// assert_eq!(shared.now(), Duration::from_millis(250));
    /// ```
    pub fn advance(&self, by: Duration) {
        let by = nanos(by);
        let _ = self
            .now
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                Some(t.saturating_add(by))
            });
    }

    /// Moves time back by `by` (to zero at the earliest), as a wall clock
    /// corrected by NTP might. Maps stay consistent: an entry's visibility is
    /// always judged against the current reading, so turning the clock back
    /// can make an expired but not yet purged entry visible again, and
    /// purging resumes once time catches up.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let clock = leakless::ManualClock::new();
    /// clock.advance(Duration::from_secs(10));
    /// clock.rewind(Duration::from_secs(3));
    /// assert_eq!(clock.now(), Duration::from_secs(7));
    /// ```
    pub fn rewind(&self, by: Duration) {
        let by = nanos(by);
        let _ = self
            .now
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                Some(t.saturating_sub(by))
            });
    }

    /// Time since the clock was made, as moved by `advance` and `rewind`.
    ///
    /// # Examples
    ///
    /// ```
    /// let clock = leakless::ManualClock::new();
    /// clock.advance(std::time::Duration::from_secs(1));
    /// assert_eq!(clock.now().as_secs(), 1);
    /// ```
    pub fn now(&self) -> Duration {
        Duration::from_nanos(self.now.load(Ordering::Relaxed))
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ManualClock").field(&self.now()).finish()
    }
}

/// The time source of an expiring map.
///
/// - [`Clock::coarse`] (the default): the monotonic clock at about one
///   millisecond's resolution, read with one atomic load. A single
///   process-wide thread refreshes it while any coarse clock is alive and
///   sleeps (parked, no wake-ups) once none is. An entry is never seen
///   expired early; it may stay visible up to about a millisecond (longer
///   only if that thread is starved of CPU) past its deadline.
/// - [`Clock::precise`]: `Instant::now()` at most once per map operation.
///   Exact, but on the machines we measured a read costs ~35 ns, close to a
///   whole cache hit.
/// - A [`ManualClock`], for tests.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use leakless::{BoundedMap, Clock};
///
/// let m: BoundedMap<u64, u64> = BoundedMap::builder()
///     .ttl(Duration::from_millis(5))
///     .clock(Clock::precise())
///     .build();
/// assert!(m.is_empty());
/// ```
#[derive(Clone)]
pub struct Clock {
    source: Source,
}

#[derive(Clone)]
enum Source {
    Coarse(Arc<CoarseUser>),
    Precise(Instant),
    Manual(ManualClock),
}

impl Clock {
    /// The monotonic clock at about a millisecond's resolution, read with
    /// one atomic load; the default.
    ///
    /// # Examples
    ///
    /// ```
    /// let clock = leakless::Clock::coarse();
    /// # let _ = clock;
    /// ```
    ///
    /// If the process cannot start the ticker thread, this is
    /// [`Clock::precise`] instead.
    pub fn coarse() -> Self {
        let Some(ticker) = ticker() else {
            return Clock::precise();
        };
        ticker.users.fetch_add(1, Ordering::SeqCst);
        ticker.refresh();
        ticker.thread.unpark();
        Clock {
            source: Source::Coarse(Arc::new(CoarseUser(ticker))),
        }
    }

    /// The monotonic clock, read exactly (`Instant::now()`, at most once
    /// per map operation).
    ///
    /// # Examples
    ///
    /// ```
    /// let clock = leakless::Clock::precise();
    /// # let _ = clock;
    /// ```
    pub fn precise() -> Self {
        Clock {
            source: Source::Precise(Instant::now()),
        }
    }
}

/// What a map reads the time through: the clock's source with the
/// indirections taken out, so a read is one match and one load.
///
/// A tag byte of its own (`repr(u8)`): left to the compiler, the tag lives
/// in the niche of `Instant`'s nanoseconds, and telling the variants apart
/// took a subtraction and a jump table on every read.
#[derive(Clone, Debug)]
#[repr(u8)]
pub(crate) enum Reader {
    /// No time bound: always 0.
    Off,
    /// The coarse ticker's time (kept alive by the map's `Clock`).
    Ticker(&'static AtomicU64),
    Manual(Arc<AtomicU64>),
    Precise(Instant),
}

/// Kept out of line: `Instant::now()` is a call anyway, and inlining it
/// into every lookup would crowd the common paths.
#[inline(never)]
fn precise_since(origin: &Instant) -> u64 {
    nanos(origin.elapsed())
}

impl Reader {
    /// The time read. Hot paths test [`Reader::ticker`] first and come
    /// here, out of line, for the other clocks: left to one `match`, the
    /// optimizer folds the test into a jump table.
    pub(crate) fn now(&self) -> u64 {
        match self {
            Reader::Off => 0,
            Reader::Ticker(now) => now.load(Ordering::Relaxed),
            Reader::Manual(now) => now.load(Ordering::Relaxed),
            Reader::Precise(origin) => precise_since(origin),
        }
    }

    /// The coarse ticker's time, if that is the clock read.
    #[inline(always)]
    pub(crate) fn ticker(&self) -> Option<u64> {
        match self {
            Reader::Ticker(now) => Some(now.load(Ordering::Relaxed)),
            _ => None,
        }
    }

    /// Whether the time read can go back (only a `ManualClock`'s can).
    pub(crate) fn can_go_back(&self) -> bool {
        matches!(self, Reader::Manual(_))
    }
}

impl Clock {
    /// The reader for this clock; valid while this clock (or a clone) lives.
    pub(crate) fn reader(&self) -> Reader {
        match &self.source {
            Source::Coarse(user) => Reader::Ticker(&user.0.now),
            Source::Precise(origin) => Reader::Precise(*origin),
            Source::Manual(clock) => Reader::Manual(Arc::clone(&clock.now)),
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::coarse()
    }
}

impl From<ManualClock> for Clock {
    fn from(clock: ManualClock) -> Self {
        Clock {
            source: Source::Manual(clock),
        }
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Source::Coarse(_) => f.write_str("Clock::coarse()"),
            Source::Precise(_) => f.write_str("Clock::precise()"),
            Source::Manual(m) => fmt::Debug::fmt(m, f),
        }
    }
}

/// The process-wide coarse time: one thread stores the elapsed nanoseconds
/// every millisecond while `users > 0`.
struct Ticker {
    origin: Instant,
    now: AtomicU64,
    users: AtomicUsize,
    thread: Thread,
}

impl Ticker {
    fn refresh(&self) {
        self.now
            .fetch_max(nanos(self.origin.elapsed()), Ordering::Relaxed);
    }
}

/// One live coarse clock (shared by its clones); keeps the ticker running.
struct CoarseUser(&'static Ticker);

impl Drop for CoarseUser {
    fn drop(&mut self) {
        self.0.users.fetch_sub(1, Ordering::SeqCst);
    }
}

const TICK: Duration = Duration::from_millis(1);

/// The ticker, started on first use; `None` if its thread cannot be spawned.
fn ticker() -> Option<&'static Ticker> {
    static TICKER: OnceLock<Option<Ticker>> = OnceLock::new();
    TICKER
        .get_or_init(|| {
            let thread = thread::Builder::new()
                .name("leakless-clock".into())
                .spawn(|| loop {
                    // Runs once `get_or_init` has stored the ticker.
                    let Some(ticker) = ticker() else { return };
                    if ticker.users.load(Ordering::SeqCst) == 0 {
                        // A new user unparks us after raising `users`; a token
                        // left by an unpark that raced this check makes `park`
                        // return at once, so no wake-up is lost.
                        thread::park();
                    } else {
                        thread::sleep(TICK);
                    }
                    ticker.refresh();
                })
                .ok()?;
            Some(Ticker {
                origin: Instant::now(),
                now: AtomicU64::new(0),
                users: AtomicUsize::new(0),
                thread: thread.thread().clone(),
            })
        })
        .as_ref()
}
