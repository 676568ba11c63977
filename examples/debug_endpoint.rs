//! "Which map grows?", in a browser: a service with one leaking map serves
//! `/debug/maps` (a [`History`] page: a chart per map, the leak a rising
//! line) and `/metrics` (Prometheus text from `metrics-exporter-prometheus`,
//! fed by `registry::publish_metrics()`).
//!
//! ```sh
//! cargo run --release --features metrics --example debug_endpoint
//! # then open http://127.0.0.1:8080/debug/maps
//! cargo run --release --features metrics --example debug_endpoint -- --port 0 --seconds 5
//! ```
//!
//! `--port N` (0 picks a free port; the address is printed), `--seconds N`
//! exits after N seconds, `--interval-ms N` is the time between reports
//! (default 1,000). Left running, the leak grows by 100 entries a tick, as
//! leaks do.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use leakless::leak_safe;
use leakless::registry::{self, History};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// How the server runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Exit after this long; `None` runs until killed.
    pub run_for: Option<Duration>,
    /// Time between reports (and ticks of the service's traffic).
    pub interval: Duration,
}

impl Options {
    /// From `--port`, `--seconds` and `--interval-ms`.
    pub fn from_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
        let mut options = Options {
            port: 8080,
            run_for: None,
            interval: Duration::from_secs(1),
        };
        while let Some(flag) = args.next() {
            let mut value = || {
                args.next()
                    .and_then(|v| v.parse::<u64>().ok())
                    .ok_or(format!("{flag} needs a number"))
            };
            match flag.as_str() {
                "--port" => {
                    options.port = u16::try_from(value()?).map_err(|_| "--port: at most 65535")?
                }
                "--seconds" => options.run_for = Some(Duration::from_secs(value()?)),
                "--interval-ms" => options.interval = Duration::from_millis(value()?.max(1)),
                _ => return Err(format!("unknown flag {flag}")),
            }
        }
        Ok(options)
    }
}

struct Conn;

/// The service of `examples/find_the_leak.rs`: bounded sessions, weakly held
/// connections, and a map meant as one entry per region that someone keyed
/// by request id.
#[leak_safe]
#[derive(Default)]
struct Service {
    #[bounded_map(capacity = 1_000, ttl = "10m", name = "sessions")]
    sessions: HashMap<u64, String>,
    #[weak_map(name = "online")]
    online: HashMap<u64, Arc<Conn>>,
    #[unbounded(reason = "one entry per region", name = "region_of_request")]
    region_of_request: HashMap<u64, &'static str>,
}

/// A running endpoint: its address, and the threads to join.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Running {
    /// Waits for `run_for` to pass (forever without it).
    pub fn wait(self) {
        for t in self.threads {
            t.join().expect("the endpoint's threads do not panic");
        }
    }

    /// Stops the server and the traffic, and waits for both.
    pub fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        self.wait();
    }
}

/// Starts the traffic (one tick and one report per interval) and the HTTP
/// server; `prometheus` is the installed exporter's handle.
pub fn start(options: &Options, prometheus: PrometheusHandle) -> std::io::Result<Running> {
    let server =
        tiny_http::Server::http(("127.0.0.1", options.port)).map_err(std::io::Error::other)?;
    let addr = server
        .server_addr()
        .to_ip()
        .expect("a TCP listener has an IP address");
    let history = Arc::new(Mutex::new(History::new(120)));
    let stop = Arc::new(AtomicBool::new(false));
    let deadline = options.run_for.map(|d| Instant::now() + d);
    let done = {
        let stop = Arc::clone(&stop);
        move || stop.load(Ordering::Relaxed) || deadline.is_some_and(|d| Instant::now() >= d)
    };

    let traffic = {
        let (history, done, interval) = (Arc::clone(&history), done.clone(), options.interval);
        let prometheus = prometheus.clone();
        thread::spawn(move || {
            let mut service = Service::default();
            let mut connections = Vec::new();
            let user_names = leakless::sync::BoundedMap::<u64, String>::builder()
                .capacity(500)
                .name("user_names")
                .build();
            let mut request = 0u64;
            while !done() {
                tick(&mut service, &mut connections, &user_names, &mut request);
                history.lock().unwrap().record();
                registry::publish_metrics();
                prometheus.run_upkeep();
                thread::sleep(interval);
            }
        })
    };

    let server_thread = thread::spawn(move || {
        while !done() {
            let Ok(Some(request)) = server.recv_timeout(Duration::from_millis(50)) else {
                continue;
            };
            respond(request, &history, &prometheus);
        }
    });

    Ok(Running {
        addr,
        stop,
        threads: vec![traffic, server_thread],
    })
}

/// One interval of traffic: every bounded map is full after the first tick;
/// the leak grows by 100 entries a tick.
fn tick(
    service: &mut Service,
    connections: &mut Vec<Arc<Conn>>,
    user_names: &leakless::sync::BoundedMap<u64, String>,
    request: &mut u64,
) {
    for _ in 0..2_000 {
        *request += 1;
        let user = *request % 1_500; // more users than sessions: some evicted
        service.sessions.insert(user, format!("user {user}"));
        user_names.get_or_insert_with(*request % 500, || format!("name {user}"));
        if request.is_multiple_of(20) {
            service.region_of_request.insert(*request, "eu");
        }
        if request.is_multiple_of(10) {
            let conn = Arc::new(Conn);
            service.online.insert(*request % 200, &conn);
            connections.push(conn);
            if connections.len() > 100 {
                connections.remove(0);
            }
        }
    }
    let _ = service.region_of_request.len(); // publishes its latest state
}

fn respond(request: tiny_http::Request, history: &Mutex<History>, prometheus: &PrometheusHandle) {
    let (status, content_type, body) = match request.url() {
        "/debug/maps" => (
            200,
            "text/html; charset=utf-8",
            history.lock().unwrap().to_html(),
        ),
        "/metrics" => {
            registry::publish_metrics();
            (
                200,
                "text/plain; version=0.0.4; charset=utf-8",
                prometheus.render(),
            )
        }
        "/" => (
            200,
            "text/html; charset=utf-8",
            "<!DOCTYPE html><title>leakless</title>\
             <p><a href=\"/debug/maps\">/debug/maps</a> · <a href=\"/metrics\">/metrics</a></p>"
                .to_string(),
        ),
        _ => (404, "text/plain; charset=utf-8", "not found\n".to_string()),
    };
    let header =
        tiny_http::Header::from_bytes("Content-Type", content_type).expect("a valid header");
    let response = tiny_http::Response::from_string(body)
        .with_status_code(status)
        .with_header(header);
    // A client that hung up is not the server's problem.
    let _ = request.respond(response);
}

fn main() {
    let options = match Options::from_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}\nusage: debug_endpoint [--port N] [--seconds N] [--interval-ms N]");
            std::process::exit(2);
        }
    };
    let prometheus = PrometheusBuilder::new()
        .install_recorder()
        .expect("no other recorder is installed");
    let running = start(&options, prometheus).expect("the port is free");
    println!("serving http://{}/debug/maps and /metrics", running.addr);
    running.wait();
}
