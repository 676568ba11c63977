//! Model test for expiry: random operations interleaved with random clock
//! advances, on maps with a TTL, a TTI, both, or neither plus per-entry
//! TTLs, against the shared reference (`common::model`): entries with their
//! deadline and last use.
//!
//! The capacity here is never reached, so what the map shows must be
//! exactly the model's live entries, in recency order, after every step;
//! expired entries must never be visible, and every one of them must reach
//! the listener (cause `Expired`) exactly once, whenever the map purges it.
//! Bound pressure together with expiry is checked in `expiry_safety.rs`.

mod common;

use common::model::{self, Config, Op, Unsync, MS};
use proptest::prelude::*;

fn op() -> impl Strategy<Value = Op> {
    let key = 0u8..12;
    let val = 0u32..1_000_000;
    let ttl_ms = prop_oneof![
        1 => Just(0u64),
        6 => 1u64..3_000,
        2 => 3_000u64..200_000_000, // up to a few days: every wheel level
        1 => Just(u64::MAX),
    ];
    let advance_ms = prop_oneof![
        8 => 0u64..1_500,
        2 => 1_500u64..100_000,
        1 => 100_000u64..1_000_000_000, // hours to weeks
    ];
    prop_oneof![
        5 => (key.clone(), val.clone()).prop_map(|(k, v)| Op::Insert(k, v)),
        4 => (key.clone(), val.clone(), ttl_ms).prop_map(|(k, v, t)| Op::InsertWithTtl(k, v, t)),
        4 => key.clone().prop_map(Op::Get),
        1 => key.clone().prop_map(Op::GetMut),
        2 => key.clone().prop_map(Op::Peek),
        1 => key.clone().prop_map(Op::ContainsKey),
        2 => key.clone().prop_map(Op::Remove),
        1 => Just(Op::PopLru),
        2 => (key.clone(), val.clone()).prop_map(|(k, v)| Op::EntryOrInsert(k, v)),
        1 => (key.clone(), val.clone()).prop_map(|(k, v)| Op::EntryReplace(k, v)),
        2 => (key.clone(), val.clone()).prop_map(|(k, v)| Op::GetOrInsertWith(k, v)),
        1 => (2u8..4).prop_map(Op::RetainValues),
        1 => Just(Op::IterMutAdd),
        1 => Just(Op::PurgeExpired),
        6 => advance_ms.prop_map(Op::Advance),
    ]
}

fn run(ops: Vec<Op>, ttl_ms: Option<u64>, tti_ms: Option<u64>) {
    // The capacity is never reached: the model predicts every call.
    model::run::<Unsync>(&ops, &Config::lru(1_000).timed(ttl_ms, tti_ms));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn ttl_map_matches_model(ops in prop::collection::vec(op(), 1..120), ttl in 1u64..4_000) {
        run(ops, Some(ttl), None);
    }

    #[test]
    fn tti_map_matches_model(ops in prop::collection::vec(op(), 1..120), tti in 1u64..4_000) {
        run(ops, None, Some(tti));
    }

    #[test]
    fn ttl_and_tti_map_matches_model(
        ops in prop::collection::vec(op(), 1..120),
        ttl in 1u64..6_000,
        tti in 1u64..3_000,
    ) {
        run(ops, Some(ttl), Some(tti));
    }

    #[test]
    fn per_entry_ttl_alone_matches_model(ops in prop::collection::vec(op(), 1..120)) {
        run(ops, None, None);
    }

    #[test]
    fn zero_and_max_ttls_match_model(
        ops in prop::collection::vec(op(), 1..60),
        zero in any::<bool>(),
    ) {
        let d = if zero { 0 } else { u64::MAX / MS };
        run(ops, Some(d), None);
    }
}
