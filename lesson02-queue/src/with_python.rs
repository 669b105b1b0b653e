//! `compare --python`: the same comparison run by CPython (`python/compare.py`), side by
//! side with Rust's, and how many times faster Rust was.

use std::process::ExitCode;

use common::python;
use common::timing::{BUILD, debug_build_warning};

use crate::compare::{Variant, measure};
use crate::report::plural;

/// The same comparison in CPython (the project's `python/compare.py`), side by side: each
/// variant's time in both, and how many times faster Rust was.
pub fn run(n: u64, workers: usize, runs: usize) -> anyhow::Result<ExitCode> {
    if let Some(warning) = debug_build_warning() {
        println!("{warning}");
    }
    let mut rust = Vec::new();
    for variant in Variant::ALL {
        rust.push((variant, measure(variant, n, workers, runs)?.1.median));
    }
    let script = crate::python_dir().join("compare.py");
    let args = [
        "--n".to_string(),
        n.to_string(),
        "--workers".into(),
        workers.to_string(),
    ];
    println!("running python3 lesson02-queue/python/compare.py ...");
    let cpython = python::run_script(&script, &args)?;
    let version = cpython
        .as_ref()
        .map_or("CPython", |output| output.version.as_str());
    println!(
        "2 × job({n}) with {}; Rust: median of {} ({BUILD}); {version}: one run",
        plural(workers, "worker", "workers"),
        plural(runs, "run", "runs")
    );
    println!(
        "{:>12}  {:>14}  {:>14}  {:>17}",
        "variant", "Rust (s)", "CPython (s)", "Rust is faster by"
    );
    for (variant, time) in rust {
        let rust_secs = time.as_secs_f64();
        let label = format!("{variant} time");
        // rayon has no CPython counterpart; a missing python3 leaves that column empty.
        let cpython_secs = cpython
            .as_ref()
            .and_then(|output| python::figure(&output.stdout, &label));
        match cpython_secs {
            Some(secs) => println!(
                "{:>12}  {rust_secs:>14.6}  {secs:>14.6}  {:>16.0}x",
                variant.name(),
                secs / rust_secs
            ),
            None => println!(
                "{:>12}  {rust_secs:>14.6}  {:>14}  {:>17}",
                variant.name(),
                "-",
                "-"
            ),
        }
    }
    if cpython.is_none() {
        println!("python3 is not on the PATH: the CPython column is empty");
    }
    Ok(ExitCode::SUCCESS)
}
