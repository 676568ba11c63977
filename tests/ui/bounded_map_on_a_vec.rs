// `#[bounded_map]` bounds maps and sets; a `Vec` is neither. Bound the
// collection some other way, or use a map.

#[leakless::leak_safe]
struct AppState {
    #[bounded_map(capacity = 100)]
    log: Vec<String>,
}

fn main() {}
