// The user destructured a parameter in the signature: the key is built
// from the parameters by name, so bind it to a name and destructure it in
// the body.
#[leakless::cached(capacity = 100)]
fn area((w, h): (u32, u32)) -> u32 {
    w * h
}

fn main() {}
