//! Presence for a chat server, with nothing to unregister by hand.
//!
//! Connections live in `Arc`s owned by their sessions. The server keeps a
//! `WeakValueMap` of who is online and a `Listeners` registry that every
//! connection subscribes to for room messages; per-connection counters hang
//! off a `WeakKeyMap`. Clients connect, chat and disconnect in waves. When a
//! session ends, dropping its `Arc` and its `Subscription` is all that
//! happens: the presence entry, the subscriber and the counter go with it.
//! The usual bugs (a map of connections that only grows, listeners never
//! unregistered) have nothing to hold on to.
//!
//! ```sh
//! cargo run --release --example chat_presence
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use leakless::{Footprint, Listeners, Subscription, WeakKeyMap, WeakValueMap};
use leakless_testkit::{live_bytes, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// A client connection (the socket, in a real server).
struct Conn {
    user: u64,
    received: AtomicU64,
}

/// What a session owns: its connection and its subscription. Dropping the
/// session is the whole disconnect.
struct Session {
    conn: Arc<Conn>,
    _messages: Subscription,
}

struct Server {
    online: WeakValueMap<u64, Conn>,
    room: Listeners<str>,
    sent_by: WeakKeyMap<Conn, u64>,
}

impl Server {
    fn connect(&mut self, user: u64) -> Session {
        let conn = Arc::new(Conn {
            user,
            received: AtomicU64::new(0),
        });
        self.online.insert(user, &conn);
        self.sent_by.insert(&conn, 0);
        let messages = self.room.subscribe_weak(&conn, |c: &Conn, _text: &str| {
            c.received.fetch_add(1, Ordering::Relaxed);
        });
        Session {
            conn,
            _messages: messages,
        }
    }

    fn say(&mut self, from: &Arc<Conn>, text: &str) {
        if let Some(sent) = self.sent_by.get_mut(from) {
            *sent += 1;
        }
        self.room.emit(&format!("user {}: {text}", from.user));
    }
}

fn main() {
    let base = live_bytes();
    let mut server = Server {
        online: WeakValueMap::new(),
        room: Listeners::new(),
        sent_by: WeakKeyMap::new(),
    };
    let mut sessions: Vec<Session> = Vec::new();
    let mut next_user = 0u64;
    let mut delivered = 0u64;

    println!("wave  connected  online  subscribers  heap (all server state)");
    for wave in 1..=10 {
        // A wave of 20,000 clients connects...
        for _ in 0..20_000 {
            sessions.push(server.connect(next_user));
            next_user += 1;
        }
        // ...a few of them chat...
        for s in sessions.iter().step_by(5_000) {
            server.say(&s.conn, "hello, room");
        }
        let online = server.online.live_len();
        let subscribers = server.room.len();
        // ...and all but 100 leave: dropping a session is the disconnect.
        delivered += sessions
            .iter()
            .map(|s| s.conn.received.load(Ordering::Relaxed))
            .sum::<u64>();
        sessions.truncate(100);
        server.online.purge(usize::MAX);
        server.sent_by.purge(usize::MAX);
        println!(
            "{wave:>4}  {:>9}  {:>6}  {:>11}  {:>8.1} KiB",
            next_user,
            online,
            subscribers,
            (live_bytes().saturating_sub(base)) as f64 / 1024.0
        );
    }
    // Notifying the room prunes the subscribers whose connection is gone.
    server.room.emit("closing time");

    let live = sessions.len();
    assert_eq!(server.online.live_len(), live);
    assert_eq!(server.online.len(), live, "dead connections left behind");
    assert_eq!(server.room.len(), live, "listeners left behind");
    assert_eq!(
        server.sent_by.len(),
        live,
        "per-connection data left behind"
    );
    println!(
        "\n{next_user} clients came and went ({delivered} messages delivered); {live} are still \
         connected, and the server holds exactly {live} presence entries, {live} subscribers \
         and {live} counters: nothing stayed behind.",
    );
    println!(
        "presence map: {} B, counters: {} B, room registry: {} B",
        server.online.footprint(),
        server.sent_by.footprint(),
        server.room.heap_bytes()
    );
}
