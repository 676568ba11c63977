// The user keys on a parameter whose type has no `Hash`/`Eq`: a memo key
// must be `Hash + Eq + Clone + Send + Sync`. The error points at the
// parameter. Derive the traits, or leave the parameter out of the key with
// `key = ".."` if the result does not depend on it.
// The first errors point at the parameter; those after them, on the
// attribute, are the same missing bound met by the generated calls.
#[derive(Clone)]
pub struct Theme {
    pub dark: bool,
}

#[leakless::cached(capacity = 100)]
fn render(id: u64, theme: &Theme) -> String {
    format!("{id} {}", theme.dark)
}

fn main() {}
