// An async function memoised: concurrent callers of one key share one run
// of the body, through `get_or_insert_async`; no executor is involved.
#[leakless::cached(capacity = 1_000, ttl = "1m", refresh = "20s")]
async fn page(url: &str) -> String {
    format!("<html>{url}</html>")
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        assert_eq!(page("/a").await, "<html>/a</html>");
        assert_eq!(page("/a").await, "<html>/a</html>");
        assert_eq!(page_cache().len(), 1);
    });
}
