//! The fuzz drivers on stable: every input in `fuzz/regressions/` (each a
//! crash a fuzzer once found, kept as a regression test), and a few
//! thousand pseudo-random inputs per driver. The coverage-guided runs are
//! `cargo +nightly fuzz run <target>` in `fuzz/` (see the README's
//! Guarantees).

mod fuzz_drivers;

use std::path::Path;

/// A driver: bytes in, panics on any disagreement with its model.
type Driver = fn(&[u8]);

const DRIVERS: [(&str, Driver); 4] = [
    ("bounded_map", fuzz_drivers::bounded_map),
    ("sync_map", fuzz_drivers::sync_map),
    ("weak_value_map", fuzz_drivers::weak_value_map),
    ("arena", fuzz_drivers::arena),
];

#[test]
fn every_saved_regression_input_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut replayed = 0;
    for (name, drive) in DRIVERS {
        let Ok(dir) = std::fs::read_dir(root.join(name)) else {
            continue;
        };
        for file in dir {
            let path = file.unwrap().path();
            drive(&std::fs::read(&path).unwrap());
            replayed += 1;
        }
    }
    assert!(
        replayed > 0,
        "no regression input found under {}",
        root.display()
    );
}

#[test]
fn random_inputs_pass_every_driver() {
    let cases = 1_000u64;
    let only: Option<u64> = std::env::var("FUZZ_CASE").ok().and_then(|c| c.parse().ok());
    for (name, drive) in DRIVERS {
        for case in 0..cases {
            if only.is_some_and(|c| c != case) {
                continue;
            }
            let len = (leakless_testkit::bench::mix(case) % 600) as usize;
            let input: Vec<u8> = (0..len as u64)
                .map(|i| leakless_testkit::bench::mix(case << 20 ^ i) as u8)
                .collect();
            if std::panic::catch_unwind(|| drive(&input)).is_err() {
                panic!("{name} failed on case {case}: {input:?}");
            }
        }
    }
}
