// On a method, `key = ".."` says what the result depends on (the receiver
// is never hashed: one memo map serves every instance), and the accessor
// is an associated function.
pub struct Catalog {
    pub currency: &'static str,
}

impl Catalog {
    #[leakless::cached(capacity = 100, key = "sku")]
    pub fn price(&self, sku: u32) -> String {
        format!("{sku} in {}", self.currency)
    }

    #[leakless::cached(capacity = 100, key = "sku")]
    pub async fn stock(&self, sku: u32) -> Option<u32> {
        (sku > 0).then_some(sku * 10)
    }
}

fn main() {
    let shop = Catalog { currency: "EUR" };
    assert_eq!(shop.price(7), "7 in EUR");
    assert_eq!(Catalog::price_cache().len(), 1);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(rt.block_on(shop.stock(2)), Some(20));
    assert_eq!(Catalog::stock_cache().get(&2), Some(20));
}
