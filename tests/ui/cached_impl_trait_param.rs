// The user took an `impl Trait` parameter: that makes the function generic,
// and the memo map needs one key type. Take a concrete type instead.
#[leakless::cached(capacity = 100)]
fn shout(text: impl AsRef<str>) -> String {
    text.as_ref().to_uppercase()
}

fn main() {}
