//! `--bench` and `--python`: the median start+join latency of a child that does nothing, for
//! each start method (the forkserver was started by `main`, before the clock runs: CPython's
//! warm-up run starts its server the same way); with `--python`, the same measurement in CPython
//! (`python/bench_start_join.py`) and the ratio. Every child's exit status is checked before
//! any time is printed.

use std::path::PathBuf;
use std::process::ExitCode;

use common::process::ExitStatus;
use common::python::{self, Better};
use common::timing::{BUILD, debug_build_warning, ms, time_runs};

use crate::forkserver;
use crate::process::{Process, Target};
use crate::start::StartMethod;

/// Median start+join latency of a child that does nothing, for each start method; with
/// `python`, the same measurement in CPython and the ratio.
pub fn run(runs: usize, with_python: bool) -> anyhow::Result<ExitCode> {
    if let Some(warning) = debug_build_warning() {
        println!("{warning}");
    }
    println!(
        "start+join: start a child that does nothing and wait for it; {runs} runs per method after one warm-up"
    );
    if let Some(server) = forkserver::pid() {
        println!("start+join: the forkserver (pid {server}) was forked by main, before any timing");
    }
    let mut medians = Vec::new();
    for method in [
        StartMethod::Fork,
        StartMethod::Spawn,
        StartMethod::Forkserver,
    ] {
        start_and_join(method)?; // warm-up: loads the binary into the page cache, not counted
        let checked = time_runs(runs, || start_and_join(method))
            .all_succeeded()?
            .check(
                |statuses| match statuses.iter().find(|status| !status.success()) {
                    None => Ok(()),
                    Some(status) => Err(format!("a {method} child ended with {status}")),
                },
            )?;
        let summary = checked.time();
        println!(
            "start+join {method}: {} ms  (median of {}; min {}, max {}; {BUILD})",
            ms(summary.median),
            summary.runs,
            ms(summary.min),
            ms(summary.max)
        );
        medians.push((method, summary.median.as_secs_f64() * 1e3));
    }
    if with_python {
        compare_with_python(runs, &medians)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn start_and_join(method: StartMethod) -> anyhow::Result<ExitStatus> {
    let mut child = Process::new(method, Target::Nothing);
    child.start()?;
    child.join()
}

/// The project's CPython counterparts of this lesson.
pub fn python_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python")
}

fn compare_with_python(runs: usize, rust_medians: &[(StartMethod, f64)]) -> anyhow::Result<()> {
    let script = python_dir().join("bench_start_join.py");
    let Some(output) = python::counterpart(&script, &["--runs".into(), runs.to_string()])? else {
        return Ok(());
    };
    println!(
        "{} on the same machine, same measurement (lesson01-process/python/bench_start_join.py):",
        output.version
    );
    for (method, rust_ms) in rust_medians {
        output.compare(
            &format!("start+join {method}"),
            "ms",
            *rust_ms,
            Better::Lower,
            "",
        )?;
    }
    Ok(())
}
