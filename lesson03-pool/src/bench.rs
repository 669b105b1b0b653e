//! `--bench`: the pool's `map(x * x)` over many items, as items per second; with `--python`,
//! CPython's `Pool.map` on the same work, and the ratio.
//!
//! What is timed is the map alone: the pool is started and warmed up first, and the results
//! go into a buffer that the warm-up allocated and touched, so no run pays for `malloc` or
//! for the kernel mapping fresh pages. Every run's result is checked, item by item, before its
//! time counts; and runs alternate between squaring `0..n` and `1..=n`, so a run that left the
//! previous run's results in the buffer would fail its check.

use std::hint::black_box;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use common::python::{self, Better};
use common::timing::{BUILD, Summary, debug_build_warning, ms, time};

use crate::pool::Pool;
use crate::{count, job};

/// Timed runs of the CPython counterpart (each takes most of a second for 10⁶ items).
const PYTHON_RUNS: usize = 5;

/// The notes' `job` on an item of a `usize` range: rayon splits a `usize` range into indexed
/// pieces, so each result is written straight into its place in the buffer (a `u64` range
/// cannot be indexed on every platform, so rayon does not allow it there).
fn square(x: usize) -> u64 {
    job(x as u64) // lossless: a usize is at most 64 bits
}

/// `results` is exactly the squares of `first`, `first + 1`, ... for `items` items.
fn verify(results: &[u64], first: usize, items: usize) -> Result<(), String> {
    if results.len() != items {
        return Err(format!("{} results for {items} items", results.len()));
    }
    let first = first as u64;
    let range = first..first + items as u64;
    match range.zip(results).find(|(x, square)| x * x != **square) {
        None => Ok(()),
        Some((x, square)) => Err(format!("item {x} gave {square}, expected {}", x * x)),
    }
}

/// Times `pool.map(job, range(items))` with `workers` threads, `runs` times.
pub fn run(workers: usize, items: u64, runs: usize, with_python: bool) -> anyhow::Result<ExitCode> {
    let items = usize::try_from(items).context("too many items for this machine")?;
    if let Some(warning) = debug_build_warning() {
        println!("{warning}");
    }
    let pool = Pool::new(workers)?;
    let mut results: Vec<u64> = Vec::new();
    // Warm-up, not counted: starts the threads, allocates the buffer and maps its pages.
    pool.map_into(square, 0..items, &mut results)?;
    verify(&results, 0, items).map_err(anyhow::Error::msg)?;
    let mut samples = Vec::with_capacity(runs);
    for run in 0..runs {
        // Odd runs square 1..=items instead of 0..items: the buffer then holds the other
        // run's results, so a run that skipped any work would fail its check.
        let first = run % 2;
        // black_box: the compiler may not treat the items as known and precompute them.
        let range = black_box(first..first + items);
        let timed = time(|| pool.map_into(square, range, &mut results));
        let checked = timed.check(|outcome| match outcome {
            Ok(()) => verify(&results, first, items),
            Err(err) => Err(err.to_string()),
        })?;
        samples.push(*checked.time());
    }
    let summary = Summary::of(samples).context("at least one run")?;
    let rate = items as f64 / summary.median.as_secs_f64();
    println!(
        "pool map throughput: {rate:.0} items/s  (map(x * x) over {items} items with {}; median of {} runs: {} ms, min {}, max {}; {BUILD})",
        count(workers, "worker thread", "worker threads"),
        summary.runs,
        ms(summary.median),
        ms(summary.min),
        ms(summary.max)
    );
    if with_python {
        compare_with_python(workers, items, rate)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn compare_with_python(workers: usize, items: usize, rust_rate: f64) -> anyhow::Result<()> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/bench_pool_map.py");
    let args = [
        "--items".to_string(),
        items.to_string(),
        "--workers".into(),
        workers.to_string(),
        "--runs".into(),
        PYTHON_RUNS.to_string(),
    ];
    if let Some(output) = python::counterpart(&script, &args)? {
        let what = format!(
            "{}, multiprocessing.Pool({workers}).map, same work, median of {PYTHON_RUNS} runs",
            output.version
        );
        output.compare(
            "pool map throughput",
            "items/s",
            rust_rate,
            Better::Higher,
            &what,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_accepts_only_the_squares_in_order() {
        assert_eq!(verify(&[0, 1, 4, 9], 0, 4), Ok(()));
        assert_eq!(verify(&[1, 4, 9, 16], 1, 4), Ok(()));
        assert!(
            verify(&[0, 1, 4, 9], 1, 4).is_err(),
            "the other run's results"
        );
        assert!(verify(&[0, 1, 4], 0, 4).is_err());
        assert_eq!(
            verify(&[0, 4, 1, 9], 0, 4),
            Err("item 1 gave 4, expected 1".to_string())
        );
        assert_eq!(verify(&[], 0, 0), Ok(()));
    }
}
