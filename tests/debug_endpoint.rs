//! `examples/debug_endpoint.rs`, started on 127.0.0.1 port 0 and fetched
//! over TCP: the maps page names the leak first and draws every map; the
//! Prometheus text carries the maps' series. Runs with
//! `cargo test --features metrics`.
#![cfg(feature = "metrics")]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

#[allow(dead_code)] // its `main` and the bits only `main` uses
#[path = "../examples/debug_endpoint.rs"]
mod debug_endpoint;

/// Status code, `Content-Type` and body of `GET path`.
fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let content_type = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    (status, content_type, body.to_string())
}

/// How many reports the page says it drew from.
fn reports(page: &str) -> usize {
    page.split(" reports over")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn the_endpoint_serves_the_page_and_the_metrics() {
    let prometheus = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .unwrap();
    let options = debug_endpoint::Options::from_args(
        ["--port", "0", "--seconds", "30", "--interval-ms", "20"]
            .map(String::from)
            .into_iter(),
    )
    .unwrap();
    let running = debug_endpoint::start(&options, prometheus).unwrap();
    assert!(running.addr.ip().is_loopback() && running.addr.port() != 0);
    let addr = running.addr;
    // Enough reports for the leak to have grown (10 ticks at least).
    let mut page = String::new();
    for _ in 0..500 {
        std::thread::sleep(Duration::from_millis(20));
        let (status, content_type, body) = get(addr, "/debug/maps");
        assert_eq!(status, 200);
        assert_eq!(content_type, "text/html; charset=utf-8");
        page = body;
        if reports(&page) >= 10 {
            break;
        }
    }
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(reports(&page) >= 10, "{page}");
    let names: Vec<&str> = page
        .split("<td class=\"name\">")
        .skip(1)
        .map(|s| s.split('<').next().unwrap())
        .collect();
    assert_eq!(names[0], "region_of_request", "the leak first: {names:?}");
    for name in ["sessions", "online", "user_names"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    assert_eq!(page.matches("<svg ").count(), names.len());
    for name in &names {
        let chart = page
            .split(&format!("<svg data-map=\"{name}\""))
            .nth(1)
            .unwrap();
        let chart = chart.split("</svg>").next().unwrap();
        assert!(
            chart.contains("<path class=\"len\" d=\"M"),
            "{name}: {chart}"
        );
    }

    let (status, content_type, body) = get(addr, "/metrics");
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    assert!(
        body.contains("leakless_map_len{map=\"region_of_request\"}"),
        "{body}"
    );
    assert!(body.contains("leakless_map_evictions_size_total{map=\"sessions\"}"));
    assert!(body.contains("leakless_map_capacity{map=\"sessions\"} 1000"));

    let (status, _, _) = get(addr, "/nothing-here");
    assert_eq!(status, 404);
    running.stop();
}

#[test]
fn bad_flags_are_refused() {
    let parse =
        |args: &[&str]| debug_endpoint::Options::from_args(args.iter().map(|s| s.to_string()));
    assert!(parse(&["--port"]).is_err());
    assert!(parse(&["--port", "70000"]).is_err());
    assert!(parse(&["--colour"]).is_err());
    let o = parse(&["--seconds", "3", "--interval-ms", "5"]).unwrap();
    assert_eq!(o.run_for, Some(Duration::from_secs(3)));
    assert_eq!(o.interval, Duration::from_millis(5));
}
