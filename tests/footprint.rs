//! `Footprint` is honest: for std containers, std and hashbrown maps, and
//! `#[derive(Footprint)]` types, it reports the bytes a counting allocator
//! saw being allocated for the value.
//!
//! Each check reads its own thread's allocation count (`thread_live_bytes`)
//! around the value's construction, so tests running in parallel and the
//! harness's own threads cannot disturb the reading: one run, compared to
//! the byte (or the documented tolerance).
//!
//! Run with `--nocapture` to see each figure.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use leakless::Footprint;
use leakless_testkit::{thread_live_bytes, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// How close `footprint()` must be to what the allocator saw.
#[derive(Clone, Copy, Debug)]
enum Within {
    Exact,
    /// Percent of the allocator's figure, either way.
    Percent(f64),
    /// Exactly this many bytes below it (a skipped field's heap).
    Below(usize),
}

/// Builds a value with `build`, measures the bytes it left allocated, and
/// checks its footprint against them; returns `(footprint, allocated)`.
fn check<T: Footprint>(what: &str, within: Within, build: impl Fn() -> T) -> (usize, usize) {
    let base = thread_live_bytes();
    let value = build();
    let allocated = thread_live_bytes().wrapping_sub(base);
    let footprint = value.footprint();
    drop(value);
    let ok = match within {
        Within::Exact => footprint == allocated,
        Within::Below(skipped) => footprint + skipped == allocated,
        Within::Percent(p) => {
            (footprint as f64 - allocated as f64).abs() <= allocated as f64 * p / 100.0
        }
    };
    let off = (footprint as f64 / allocated as f64 - 1.0) * 100.0;
    eprintln!("{what}: footprint {footprint} B, allocator {allocated} B ({off:+.2}%)");
    assert!(
        ok,
        "{what}: footprint {footprint} B and allocator {allocated} B disagree beyond {within:?}"
    );
    (footprint, allocated)
}

/// A key scrambler (splitmix64), for insertion in random order.
fn mix(z: u64) -> u64 {
    leakless_testkit::bench::mix(z)
}

// ---- std containers ----------------------------------------------------

#[test]
fn strings_vecs_and_deques_are_exact() {
    check("String::new", Within::Exact, String::new);
    check("String with spare capacity", Within::Exact, || {
        let mut s = String::with_capacity(100);
        s.push_str("hello");
        s
    });
    check("Vec<String>", Within::Exact, || {
        (0..1000)
            .map(|i| format!("name {i}"))
            .collect::<Vec<String>>()
    });
    check("VecDeque<String> after wrapping", Within::Exact, || {
        let mut q: VecDeque<String> = VecDeque::new();
        for i in 0..1000 {
            q.push_back("x".repeat(i % 50));
            if i % 3 == 0 {
                q.pop_front();
            }
        }
        q
    });
    check("Box<[String]>", Within::Exact, || {
        vec!["abc".to_string(); 10].into_boxed_slice()
    });
    check("Option<Box<String>>", Within::Exact, || {
        Some(Box::new("boxed".repeat(10)))
    });
    check("Cow::Owned", Within::Exact, || {
        Cow::<str>::Owned("owned".repeat(7))
    });
}

// ---- std HashMap / HashSet ---------------------------------------------

#[test]
fn std_hashmap_u64_is_exact_empty_small_large_and_hollowed() {
    check(
        "HashMap<u64, u64> empty",
        Within::Exact,
        HashMap::<u64, u64>::new,
    );
    for n in [1u64, 3, 4, 7, 8, 14, 15, 100] {
        check(&format!("HashMap<u64, u64> of {n}"), Within::Exact, || {
            (0..n).map(|k| (k, k)).collect::<HashMap<u64, u64>>()
        });
    }
    let (footprint, allocated) = check("HashMap<u64, u64> of 1M", Within::Exact, || {
        let mut m = HashMap::new();
        for k in 0..1_000_000u64 {
            m.insert(mix(k), k);
        }
        m
    });
    // 2^21 buckets of 16 bytes, plus a control byte each, plus one group.
    assert_eq!(footprint, allocated);
    assert_eq!(footprint, (1 << 21) * 17 + 16);
    // After removing all but 10 a std map keeps its whole table; the
    // footprint says so (this is the leak `footprint` exists to show).
    let (hollow, _) = check("HashMap<u64, u64> hollowed to 10", Within::Exact, || {
        let mut m = HashMap::new();
        for k in 0..1_000_000u64 {
            m.insert(mix(k), k);
        }
        for k in 10..1_000_000u64 {
            m.remove(&mix(k));
        }
        assert_eq!(m.len(), 10);
        m
    });
    assert_eq!(hollow, footprint);
}

#[test]
fn std_hashmap_of_owned_keys_and_values_is_exact() {
    fn entry(k: u64) -> (String, Vec<u8>) {
        (format!("key-{k}"), vec![0u8; (k % 64) as usize])
    }
    check(
        "HashMap<String, Vec<u8>> empty",
        Within::Exact,
        HashMap::<String, Vec<u8>>::new,
    );
    check("HashMap<String, Vec<u8>> of 5", Within::Exact, || {
        (0..5).map(entry).collect::<HashMap<_, _>>()
    });
    check("HashMap<String, Vec<u8>> of 1M", Within::Exact, || {
        let mut m = HashMap::new();
        for k in 0..1_000_000 {
            let (key, value) = entry(k);
            m.insert(key, value);
        }
        m
    });
    check(
        "HashMap<String, Vec<u8>> hollowed to 10",
        Within::Exact,
        || {
            let mut m = HashMap::new();
            for k in 0..1_000_000 {
                let (key, value) = entry(k);
                m.insert(key, value);
            }
            for k in 10..1_000_000 {
                m.remove(&format!("key-{k}"));
            }
            assert_eq!(m.len(), 10);
            m
        },
    );
}

#[test]
fn std_hashset_is_exact() {
    check("HashSet<u32> empty", Within::Exact, HashSet::<u32>::new);
    check("HashSet<u8> of 3", Within::Exact, || {
        (0..3u8).collect::<HashSet<u8>>()
    });
    check("HashSet<String> of 100k", Within::Exact, || {
        (0..100_000)
            .map(|i| i.to_string())
            .collect::<HashSet<String>>()
    });
    check("HashSet<u64> with_capacity(1000)", Within::Exact, || {
        HashSet::<u64>::with_capacity(1000)
    });
}

#[test]
fn hashbrown_maps_and_sets_are_exact() {
    check(
        "hashbrown::HashMap<u64, String> of 10k",
        Within::Exact,
        || {
            (0..10_000u64)
                .map(|k| (k, k.to_string()))
                .collect::<hashbrown::HashMap<u64, String>>()
        },
    );
    check("hashbrown::HashSet<u64> hollowed", Within::Exact, || {
        let mut s: hashbrown::HashSet<u64> = (0..100_000).collect();
        s.retain(|k| *k < 10);
        s
    });
}

// ---- BTreeMap / BTreeSet: a documented estimate -------------------------

#[test]
fn btree_estimate_is_within_its_documented_tolerance() {
    // One leaf: exact.
    check("BTreeMap<u64, u64> of 11", Within::Exact, || {
        (0..11u64).map(|k| (k, k)).collect::<BTreeMap<_, _>>()
    });
    // Ascending or descending inserts: nodes 6/11 full, estimate ~15% low.
    for n in [100u64, 10_000, 1_000_000] {
        check(
            &format!("BTreeMap<u64, u64> of {n}, ascending inserts"),
            Within::Percent(20.0),
            || {
                let mut m = BTreeMap::new();
                for k in 0..n {
                    m.insert(k, k);
                }
                m
            },
        );
    }
    check(
        "BTreeMap<u64, u64> of 100k, descending inserts",
        Within::Percent(20.0),
        || {
            let mut m = BTreeMap::new();
            for k in (0..100_000u64).rev() {
                m.insert(k, k);
            }
            m
        },
    );
    // Random-order inserts: the case the estimate is tuned to.
    for n in [100u64, 10_000, 1_000_000] {
        check(
            &format!("BTreeMap<u64, u64> of {n}, random inserts"),
            Within::Percent(10.0),
            || {
                let mut m = BTreeMap::new();
                for k in 0..n {
                    m.insert(mix(k), k);
                }
                m
            },
        );
    }
    check(
        "BTreeMap<String, String> of 10k, random inserts",
        Within::Percent(10.0),
        || {
            let mut m = BTreeMap::new();
            for k in 0..10_000u64 {
                m.insert(mix(k).to_string(), "v".repeat((k % 40) as usize));
            }
            m
        },
    );
    check(
        "BTreeSet<u32> of 100k, random inserts",
        Within::Percent(10.0),
        || {
            let mut s = BTreeSet::new();
            for k in 0..100_000u64 {
                s.insert(mix(k) as u32);
            }
            s
        },
    );
}

// ---- #[derive(Footprint)] ----------------------------------------------

/// Owns heap but does not implement `Footprint`: only usable as a skipped
/// field.
struct Opaque(#[allow(dead_code)] Vec<u8>);

// The `Opaque` fields exist only to be skipped, so nothing reads them.
#[allow(dead_code)]
#[derive(leakless::Footprint)]
struct Index {
    name: String,
    by_owner: HashMap<String, HashMap<u64, Vec<String>>>,
    tags: HashSet<String>,
    recent: VecDeque<u64>,
    sorted: BTreeMap<u64, String>,
    #[footprint(skip)]
    scratch: Opaque,
}

#[allow(dead_code)]
#[derive(leakless::Footprint)]
struct Pair(String, #[footprint(skip)] Opaque, Vec<u64>);

#[derive(leakless::Footprint)]
struct Unit;

#[allow(dead_code)]
#[derive(leakless::Footprint)]
enum Node {
    Empty,
    Leaf(String),
    Table {
        rows: HashMap<String, HashMap<u64, String>>,
        #[footprint(skip)]
        scratch: Opaque,
    },
    Pair(Vec<u8>, #[footprint(skip)] Opaque),
}

fn index(scratch: Opaque) -> Index {
    let mut by_owner: HashMap<String, HashMap<u64, Vec<String>>> = HashMap::new();
    for owner in 0..100u64 {
        let inner = by_owner.entry(format!("owner {owner}")).or_default();
        for item in 0..owner {
            inner.insert(item, vec![format!("item {item}"); (item % 4) as usize]);
        }
    }
    Index {
        name: "the index".to_string(),
        by_owner,
        tags: (0..50).map(|t| format!("tag{t}")).collect(),
        recent: (0..300).collect(),
        sorted: BTreeMap::new(),
        scratch,
    }
}

#[test]
fn a_derived_struct_counts_every_field_but_the_skipped_one() {
    check("derived struct with nested maps", Within::Exact, || {
        // The footprint is the sum of the counted fields (the skipped one
        // is empty here; the next check fills it).
        let index = index(Opaque(Vec::new()));
        let parts = index.name.footprint()
            + index.by_owner.footprint()
            + index.tags.footprint()
            + index.recent.footprint()
            + index.sorted.footprint();
        assert_eq!(index.footprint(), parts);
        index
    });
    // With a large skipped field, the allocator sees more than the footprint
    // by exactly that field's buffer.
    check(
        "derived struct with 1 MiB in a skipped field",
        Within::Below(1 << 20),
        || index(Opaque(vec![0; 1 << 20])),
    );

    check("derived tuple struct", Within::Exact, || {
        Pair("p".repeat(33), Opaque(Vec::new()), vec![1, 2, 3])
    });
    assert_eq!(
        Pair(String::new(), Opaque(vec![0; 99]), Vec::new()).footprint(),
        0
    );
    assert_eq!(Unit.footprint(), 0);
}

#[test]
fn a_derived_enum_counts_the_live_variant() {
    check("derived enum, unit variant", Within::Exact, || Node::Empty);
    check("derived enum, tuple variant", Within::Exact, || {
        Node::Leaf("leaf".repeat(20))
    });
    check(
        "derived enum, struct variant with nested maps",
        Within::Exact,
        || {
            let mut rows: HashMap<String, HashMap<u64, String>> = HashMap::new();
            for r in 0..200u64 {
                rows.insert(
                    format!("row {r}"),
                    (0..r % 17).map(|c| (c, format!("cell {c}"))).collect(),
                );
            }
            Node::Table {
                rows,
                scratch: Opaque(Vec::new()),
            }
        },
    );
    check(
        "derived enum, tuple variant with a skipped field",
        Within::Exact,
        || Node::Pair(vec![7; 1000], Opaque(Vec::new())),
    );
    assert_eq!(Node::Pair(Vec::new(), Opaque(vec![0; 99])).footprint(), 0);
}

#[derive(leakless::Footprint)]
struct Wrapper<T> {
    items: Vec<T>,
}

#[test]
fn a_derived_generic_struct_works_for_any_footprint_type() {
    check("Wrapper<u64>", Within::Exact, || Wrapper {
        items: (0..1000u64).collect(),
    });
    check("Wrapper<String>", Within::Exact, || Wrapper {
        items: (0..1000).map(|i| i.to_string()).collect(),
    });
    check("Wrapper<Wrapper<String>>", Within::Exact, || Wrapper {
        items: (0..5)
            .map(|_| Wrapper {
                items: vec!["nested".to_string(); 3],
            })
            .collect(),
    });
}
