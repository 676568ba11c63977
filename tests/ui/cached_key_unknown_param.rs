// The user's `key = ".."` names something that is not a parameter (here a
// typo, `uid` for `id`). `key` lists parameter names; the message lists
// the function's parameters.
#[leakless::cached(capacity = 100, key = "uid")]
fn render(id: u64, dark: bool) -> String {
    format!("{id} {dark}")
}

fn main() {}
