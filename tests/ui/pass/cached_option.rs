// An `Option` caches only `Some`: a `None` is returned and stored nowhere,
// so a value that appears later is found on the next call.
#[leakless::cached(capacity = 100)]
fn lookup(id: u32) -> Option<String> {
    (id % 2 == 0).then(|| format!("even {id}"))
}

#[leakless::cached(ttl = "30s")]
async fn find(id: u32) -> Option<u32> {
    (id > 0).then_some(id)
}

fn main() {
    assert_eq!(lookup(2).as_deref(), Some("even 2"));
    assert_eq!(lookup(3), None);
    assert_eq!(lookup_cache().len(), 1);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(rt.block_on(find(0)), None);
    assert_eq!(rt.block_on(find(5)), Some(5));
    assert_eq!(find_cache().len(), 1);
}
