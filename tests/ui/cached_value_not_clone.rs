// The user memoised a function whose return type is not `Clone`: every
// caller gets a clone of the stored value, so the stored value must be
// `Clone + Send + Sync`. Derive `Clone`, or return an `Arc<Page>`.
// The first error points at the return type; the one after it, on the
// attribute, is the same missing bound met by the generated call.
pub struct Page {
    pub html: String,
}

#[leakless::cached(capacity = 100)]
fn page(id: u64) -> Page {
    Page {
        html: format!("<p>{id}</p>"),
    }
}

fn main() {}
