// The user memoised a method: the receiver is never hashed, since one memo
// map serves every instance, and two instances asked the same question
// would share one answer. Name the parameters the result depends on with
// `key = ".."`, or memoise a free function of what it depends on.
pub struct Prices {
    pub currency: String,
}

impl Prices {
    #[leakless::cached(capacity = 100)]
    pub fn price(&self, sku: u32) -> String {
        format!("{sku} in {}", self.currency)
    }
}

fn main() {}
