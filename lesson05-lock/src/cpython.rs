//! `--python`: the same scenes run by CPython, from this lesson's `python/` folder, with
//! lesson-wide `common::python` doing the running and the comparing.

use common::python::{self, Better};
use common::timing::human;

use crate::bench::LABEL;
use crate::{handover, python_dir};
use std::time::Duration;

/// `--kill-holder --python`: CPython's `multiprocessing.Lock` is a semaphore with no owner, so
/// nothing tells the waiter that the holder died. The script gives up after a few seconds.
pub fn kill_holder(step: Duration) -> anyhow::Result<()> {
    let script = python_dir().join("lock_demos.py");
    let args = [
        "--kill-holder".to_string(),
        "--step-ms".to_string(),
        step.as_millis().to_string(),
        "--wait-s".to_string(),
        "3".to_string(),
    ];
    let Some(output) = python::counterpart(&script, &args)? else {
        return Ok(());
    };
    println!(
        "{}, the same scene (lesson05-lock/python/lock_demos.py --kill-holder), with a 3 s limit on the wait:",
        output.version
    );
    for line in output.stdout.lines() {
        println!("python: {line}");
    }
    Ok(())
}

/// `--bench --python`: the same work in CPython, against Rust's `rust_rate` (ops/s) and
/// `rust_handovers` (hand-overs per second).
pub fn bench(count: u32, runs: u32, rust_rate: f64, rust_handovers: f64) -> anyhow::Result<()> {
    let script = python_dir().join("bench_lock.py");
    let args = [
        "--count".to_string(),
        count.to_string(),
        "--runs".to_string(),
        runs.to_string(),
        "--turns".to_string(),
        handover::turns_for(count).to_string(),
    ];
    let Some(output) = python::counterpart(&script, &args)? else {
        return Ok(());
    };
    println!(
        "{} on the same machine, same work (lesson05-lock/python/bench_lock.py):",
        output.version
    );
    output.compare(
        LABEL,
        "ops/s",
        rust_rate,
        Better::Higher,
        "multiprocessing.Lock around value.value += 1, Value('i', 0, lock=False)",
    )?;
    output.compare(
        &format!("{LABEL}, notes' Value"),
        "ops/s",
        rust_rate,
        Better::Higher,
        "the same with the notes' Value('i', 0), which also locks each read and write",
    )?;
    let per_second = output.figure(handover::LABEL)?;
    let per_hand_over = Duration::try_from_secs_f64(1.0 / per_second)
        .map_or_else(|_| "an unknown time".to_string(), human);
    let what = format!(
        "{per_hand_over} per hand-over; three multiprocessing.Lock passed hand over hand, get_context(\"fork\")"
    );
    output.compare(handover::LABEL, "/s", rust_handovers, Better::Higher, &what)?;
    Ok(())
}
