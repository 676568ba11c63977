// `key = ".."` names the parameters the value depends on: here the theme
// changes how a page is drawn but not which page it is, so it is left out
// of the key (and needs no `Hash`).
pub struct Theme {
    pub dark: bool,
}

#[leakless::cached(capacity = 500, key = "id")]
pub fn render(id: u64, theme: &Theme) -> String {
    format!("page {id} (dark: {})", theme.dark)
}

#[leakless::cached(capacity = 500, key = "user, page")]
fn visit(user: u32, page: &str, _referrer: &str) -> String {
    format!("{user}:{page}")
}

fn main() {
    assert_eq!(render(1, &Theme { dark: true }), "page 1 (dark: true)");
    // Keyed on `id` only: the stored page is returned.
    assert_eq!(render(1, &Theme { dark: false }), "page 1 (dark: true)");
    assert_eq!(visit(1, "/", "a"), "1:/");
    assert_eq!(visit_cache().get(&(1, "/".to_string())).as_deref(), Some("1:/"));
}
