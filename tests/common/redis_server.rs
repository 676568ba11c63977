//! The Redis server the tier tests use: `LEAKLESS_REDIS_URL`, set by
//! `.ci/run` (which starts a `redis-server`). Included by path from the
//! tests that need one.

use std::io::Write;

/// The server's URL, or `None` (after a loud line) when none is given
/// outside CI; under `CI=true` a missing server fails the test.
pub fn server_url(test: &str) -> Option<String> {
    match std::env::var("LEAKLESS_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{test}: CI=true but LEAKLESS_REDIS_URL is not set; .ci/run starts a redis-server and sets it")
        }
        _ => {
            // Straight to stderr, not eprintln!: libtest captures the macros
            // of a passing test, and a skip must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test}: LEAKLESS_REDIS_URL is not set (start one: \
                 redis-server --port 6390 --save '' --appendonly no, then \
                 LEAKLESS_REDIS_URL=redis://127.0.0.1:6390/)"
            );
            None
        }
    }
}
