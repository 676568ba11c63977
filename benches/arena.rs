//! `Arena` against plain `slotmap::SlotMap`, the crate it is built on, in
//! one run: what the typed handles and the wrap protection cost.
//!
//! ```sh
//! cargo bench --bench arena
//! BENCH_QUICK=1 BENCH_REPS=1 cargo bench --bench arena   # smoke run
//! ```
//!
//! `u64` values: 1M inserts, 10M gets of random live handles, 1M removes;
//! ns per operation, median of `BENCH_REPS` (default 5) repetitions, the two
//! alternating who runs first.

use std::hint::black_box;
use std::time::Instant;

use leakless::Arena;
use leakless_testkit::bench::{median, mix, Settings};
use slotmap::{DefaultKey, SlotMap};

#[leakless::handle]
struct Id;

/// ns per insert, get, remove.
type Times = [f64; 3];

fn per_op(start: Instant, n: usize) -> f64 {
    start.elapsed().as_nanos() as f64 / n as f64
}

#[inline(never)]
fn arena(n: usize, picks: &[usize]) -> Times {
    let mut a: Arena<Id, u64> = Arena::new();
    let start = Instant::now();
    let handles: Vec<Id> = (0..n as u64).map(|i| a.insert(black_box(i))).collect();
    let insert = per_op(start, n);
    let start = Instant::now();
    let mut sum = 0u64;
    for &p in picks {
        sum = sum.wrapping_add(*a.get(black_box(handles[p])).unwrap_or(&0));
    }
    black_box(sum);
    let get = per_op(start, picks.len());
    let start = Instant::now();
    for &h in &handles {
        black_box(a.remove(h));
    }
    [insert, get, per_op(start, n)]
}

#[inline(never)]
fn slotmap(n: usize, picks: &[usize]) -> Times {
    let mut a: SlotMap<DefaultKey, u64> = SlotMap::new();
    let start = Instant::now();
    let keys: Vec<DefaultKey> = (0..n as u64).map(|i| a.insert(black_box(i))).collect();
    let insert = per_op(start, n);
    let start = Instant::now();
    let mut sum = 0u64;
    for &p in picks {
        sum = sum.wrapping_add(*a.get(black_box(keys[p])).unwrap_or(&0));
    }
    black_box(sum);
    let get = per_op(start, picks.len());
    let start = Instant::now();
    for &k in &keys {
        black_box(a.remove(k));
    }
    [insert, get, per_op(start, n)]
}

fn main() {
    let Settings { quick, reps } = Settings::from_env();
    let scale = if quick { 10 } else { 1 };
    let n = 1_000_000 / scale;
    let picks: Vec<usize> = (0..10_000_000 / scale as u64)
        .map(|i| (mix(i) % n as u64) as usize)
        .collect();
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for rep in 0..reps {
        eprintln!("repetition {}/{reps}", rep + 1);
        if rep % 2 == 0 {
            ours.push(arena(n, &picks));
            theirs.push(slotmap(n, &picks));
        } else {
            theirs.push(slotmap(n, &picks));
            ours.push(arena(n, &picks));
        }
    }
    let med = |runs: &[Times], i: usize| median(runs.iter().map(|t| t[i]).collect());
    println!(
        "{n} u64 values, {} gets, median of {reps} run(s){}\n",
        picks.len(),
        if quick {
            " (BENCH_QUICK: 1/10 sizes)"
        } else {
            ""
        }
    );
    println!("| | insert ns | get ns | remove ns |");
    println!("|---|---:|---:|---:|");
    for (name, runs) in [("leakless Arena", &ours), ("slotmap SlotMap", &theirs)] {
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} |",
            med(runs, 0),
            med(runs, 1),
            med(runs, 2)
        );
    }
    let probe: Arena<Id, u64> = Arena::with_capacity(n);
    let ours_bytes = probe.stats().bytes as f64 / (probe.capacity() + 1) as f64;
    // slotmap's slot for a u64: the value or a free link in a union, and
    // the version.
    let theirs_bytes = (std::mem::size_of::<u64>() + std::mem::size_of::<u32>())
        .next_multiple_of(std::mem::align_of::<u64>());
    println!("\nbytes per u64 slot: leakless {ours_bytes:.1}, slotmap {theirs_bytes}");
    let worst = (0..3)
        .map(|i| med(&ours, i) / med(&theirs, i))
        .fold(0.0f64, f64::max);
    println!(
        "\nTarget:\n- {} overhead at most 5% on every operation: worst {:.2}x slotmap's time",
        if worst <= 1.05 { "PASS" } else { "MISS" },
        worst
    );
}
