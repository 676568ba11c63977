// A `Result` caches only `Ok`: the error goes back to its caller and is
// stored nowhere, so the next call tries again. `?` in the body works, and
// so do aliases like `io::Result`.
use std::io;

#[derive(Debug)]
struct FetchError;

impl From<std::num::ParseIntError> for FetchError {
    fn from(_: std::num::ParseIntError) -> Self {
        FetchError
    }
}

#[leakless::cached(capacity = 100)]
fn parse(text: &str) -> Result<u64, FetchError> {
    let n: u64 = text.parse()?;
    Ok(n * 2)
}

#[leakless::cached(capacity = 100)]
fn read(path: String) -> io::Result<usize> {
    if path.is_empty() {
        return Err(io::Error::other("empty path"));
    }
    Ok(path.len())
}

#[leakless::cached(capacity = 100, ttl = "1m")]
async fn fetch(id: u32) -> Result<String, FetchError> {
    let n: u32 = id.to_string().parse()?;
    Ok(format!("page {n}"))
}

fn main() {
    assert_eq!(parse("21").unwrap(), 42);
    assert!(parse("x").is_err());
    assert_eq!(parse_cache().len(), 1);
    assert!(read(String::new()).is_err());
    assert_eq!(read("abc".into()).unwrap(), 3);
    assert_eq!(read_cache().len(), 1);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(rt.block_on(fetch(3)).unwrap(), "page 3");
    assert_eq!(fetch_cache().get(&3).as_deref(), Some("page 3"));
}
