// The user tried to key a method's memo on the receiver: the memo map is
// shared by every instance and never hashes `self`. Key on the parameters
// that identify the value (pass a field in as a parameter if it matters).
pub struct Shop;

impl Shop {
    #[leakless::cached(capacity = 100, key = "self, sku")]
    pub fn price(&self, sku: u32) -> u64 {
        u64::from(sku)
    }
}

fn main() {}
