// The user set a refresh longer than the TTL: entries expire before they
// would go stale, so the refresh would never happen. Give a `refresh`
// shorter than the `ttl`.
#[leakless::cached(capacity = 100, ttl = "1m", refresh = "5m")]
fn price(sku: u32) -> u64 {
    u64::from(sku) * 100
}

fn main() {}
