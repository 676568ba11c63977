//! Every macro expands in a module with no `use` and no prelude: generated
//! code names everything by absolute path, so nothing in the user's scope
//! can capture or break it.

mod no_prelude {
    #![no_implicit_prelude]

    /// Shadows that would capture a relative `core::` or `Option` path.
    #[allow(dead_code)]
    mod core {}
    #[allow(dead_code)]
    struct Option;
    #[allow(dead_code)]
    struct BoundedMap;

    #[::leakless::leak_safe]
    #[derive(::core::default::Default)]
    pub struct State {
        #[bounded_map(capacity = 2, ttl = "1s", name = "hygiene")]
        pub by_id: ::std::collections::HashMap<u64, ::std::string::String>,
        #[weak_map]
        pub live: ::std::collections::HashMap<u64, ::std::sync::Arc<u8>>,
        #[unbounded(reason = "fixed at start-up")]
        pub fixed: ::std::collections::BTreeSet<u8>,
    }

    #[::leakless::bounded_map(capacity = 4)]
    pub static GLOBAL: ::std::collections::HashMap<u8, u8>;

    #[::leakless::handle]
    pub struct Id;

    #[::leakless::cached(capacity = 4, ttl = "1s", refresh = "500ms")]
    pub fn twice(n: u64) -> u64 {
        n * 2
    }

    #[::leakless::cached(capacity = 4)]
    pub fn shout(text: &str, times: u8) -> ::std::option::Option<::std::string::String> {
        let times = <::std::primitive::usize as ::core::convert::From<u8>>::from(times);
        (times > 0).then(|| ::std::string::ToString::to_string(text).repeat(times))
    }

    #[::leakless::cached(capacity = 4)]
    pub async fn later(n: u8) -> ::core::result::Result<u8, ()> {
        ::core::result::Result::Ok(n)
    }

    pub struct Shop;

    impl Shop {
        #[::leakless::cached(capacity = 4, key = "sku")]
        pub fn price(&self, sku: u32) -> u32 {
            sku + 1
        }
    }

    #[derive(::leakless::Footprint)]
    pub struct Owned<T> {
        pub items: ::std::vec::Vec<T>,
        #[footprint(skip)]
        pub shared: ::std::sync::Arc<::std::string::String>,
    }

    #[derive(::leakless::Footprint)]
    pub enum Shape {
        Empty,
        Named { name: ::std::string::String },
        Pair(::std::string::String, u8),
    }
}

#[test]
fn macros_expand_without_anything_in_scope() {
    let mut state = no_prelude::State::default();
    for i in 0..5 {
        state.by_id.insert(i, String::new());
    }
    assert_eq!(state.by_id.len(), 2);
    assert_eq!(state.live.len(), 0);
    assert!(state.fixed.is_empty());
    no_prelude::GLOBAL.insert(1, 1);
    assert_eq!(no_prelude::GLOBAL.get(&1), Some(1));
    let mut arena: leakless::Arena<no_prelude::Id, u8> = leakless::Arena::new();
    let id = arena.insert(1);
    assert_eq!(arena.get(id), Some(&1));

    use leakless::Footprint;
    let owned = no_prelude::Owned {
        items: Vec::<u64>::with_capacity(4),
        shared: std::sync::Arc::new("x".repeat(100)),
    };
    assert_eq!(owned.footprint(), 32);
    assert_eq!(owned.shared.len(), 100);
    let shapes = [
        no_prelude::Shape::Empty,
        no_prelude::Shape::Named {
            name: String::with_capacity(10),
        },
        no_prelude::Shape::Pair(String::with_capacity(3), 1),
    ];
    assert_eq!(shapes.iter().map(Footprint::footprint).sum::<usize>(), 13);
}

#[test]
fn cached_expands_without_anything_in_scope() {
    assert_eq!(no_prelude::twice(21), 42);
    assert_eq!(no_prelude::twice_cache().len(), 1);
    assert_eq!(no_prelude::shout("a", 2).as_deref(), Some("aa"));
    assert_eq!(no_prelude::shout("a", 0), None);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(rt.block_on(no_prelude::later(3)), Ok(3));
    assert_eq!(no_prelude::Shop.price(1), 2);
    assert_eq!(no_prelude::Shop::price_cache().len(), 1);
}
