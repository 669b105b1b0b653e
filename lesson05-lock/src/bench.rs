//! `--bench`: what the lock costs when two processes fight over it. Each adds 1 to the shared
//! value `count` times, and takes and releases the lock around every single increment. Then
//! what it costs when it really changes hands at every turn (see [`handover`](crate::handover)).

use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use anyhow::Context;
use common::process::{Child, ExitStatus};
use common::timing::{BUILD, Summary, debug_build_warning, human, time};
use lesson04_shared_memory::{Array, SharedCell, signals};

use crate::children::fork;
use crate::robust::{LockedValue, OwnerDied};
use crate::{PREFIX, cpython, handover};

/// What the figure is called, in our output and in the CPython script's.
pub const LABEL: &str = "lock increments";

/// Runs the benchmark `runs` times and prints the median rate; with `with_python`, runs the
/// CPython script on the same work and prints the ratio.
pub fn bench(count: u32, runs: u32, with_python: bool) -> anyhow::Result<ExitCode> {
    signals::install().context("cannot install the signal handlers")?;
    lesson04_shared_memory::cleanup::remove_stale_and_report(PREFIX, true);
    if let Some(warning) = debug_build_warning() {
        println!("{warning}");
    }
    let increments = 2 * i64::from(count);
    let expected = i32::try_from(increments).context("2 x --count must fit in an i32")?;
    println!(
        "{LABEL}: 2 processes each add 1 to the shared value {count} times, taking the lock for every increment; {runs} runs"
    );
    let mut samples = Vec::new();
    let mut handovers = Vec::new();
    for _ in 0..runs {
        let (time, changed_hands) = one_run(count, expected)?;
        samples.push(time);
        handovers.push(changed_hands);
    }
    println!("final value {expected} in each of the {runs} runs (checked)");
    handovers.sort_unstable();
    let changed = handovers[handovers.len() / 2];
    println!(
        "the lock went from one process to the other {changed} times (median of the runs); the other {} times, the process that had just released it took it straight back",
        increments - changed
    );
    let summary = Summary::of(samples).context("at least one run")?;
    let rate = increments as f64 / summary.median.as_secs_f64();
    println!(
        "{LABEL}: {rate:.0} ops/s  (median of {runs} runs: {} for {increments} increments; {BUILD})",
        human(summary.median)
    );
    println!(
        "  what it means: the cost of a lock that its process almost always takes straight back (a few atomic instructions), not of a lock passed from one process to the other"
    );
    let handover_rate = measure_handovers(count, runs)?;
    if with_python {
        cpython::bench(count, runs, rate, handover_rate)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The hand-over figure: `runs` runs of strict turns, each checked; prints the median rate and
/// returns it (hand-overs per second).
fn measure_handovers(count: u32, runs: u32) -> anyhow::Result<f64> {
    let turns = handover::turns_for(count);
    println!(
        "{}: 2 processes strictly take turns adding 1 to a shared value, {turns} turns, each waiting for its turn asleep in lock(); {runs} runs",
        handover::LABEL
    );
    let mut samples = Vec::new();
    for _ in 0..runs {
        samples.push(handover::one_run(turns)?);
    }
    println!("final value {turns} in each of the {runs} runs, every turn in order (checked)");
    let summary = Summary::of(samples).context("at least one run")?;
    let rate = f64::from(turns) / summary.median.as_secs_f64();
    println!(
        "{}: {rate:.0} /s  (median of {runs} runs: {} per hand-over, {} for {turns} turns; {BUILD})",
        handover::LABEL,
        human(summary.median / turns.unsigned_abs()),
        human(summary.median)
    );
    println!(
        "  what it means: at every turn the kernel wakes the process asleep on the lock (a futex wake) and schedules it onto a cpu (a context switch): what a lock costs each time it really changes hands"
    );
    Ok(rate)
}

/// One run: the time from the moment both processes may start to the moment both have ended,
/// returned only once the final value and both exit codes were checked; and how many times the
/// lock went from one process to the other.
fn one_run(count: u32, expected: i32) -> anyhow::Result<(Duration, i64)> {
    let total = LockedValue::<i32>::new_in(PREFIX, 0)?;
    let handovers = Array::<i32>::from_slice_in(PREFIX, &[0, 0])?;
    // The parent holds the lock while it starts both children, so neither counts alone while
    // the other is being started: they start together when it lets go.
    let gate = total.lock().unwrap_or_else(OwnerDied::recover);
    let mut children = [
        fork(|| add_one(&total, count, &handovers[0]))?,
        fork(|| add_one(&total, count, &handovers[1]))?,
    ];
    let timed = time(|| {
        drop(gate);
        wait_for_both(&mut children).map(|statuses| (total.get(), statuses))
    });
    // A signal stops the run: report that, not a wrong result.
    signals::check()?;
    let checked = timed.check(|outcome| match outcome {
        Ok((value, statuses)) => {
            if let Some(status) = statuses.iter().find(|status| !status.success()) {
                Err(format!("a child ended with {status}"))
            } else if *value != expected {
                Err(format!("final value {value}, expected {expected}"))
            } else {
                Ok(())
            }
        }
        Err(err) => Err(format!("{err:#}")),
    })?;
    let changed_hands = handovers.iter().map(|cell| i64::from(cell.get())).sum();
    Ok((*checked.time(), changed_hands))
}

/// One child's work: `count` times, take the lock, add 1, release it. It also counts how many
/// times it found that the other process had had the lock since its own last increment, and
/// writes that to `handovers`.
fn add_one(total: &LockedValue<i32>, count: u32, handovers: &SharedCell<i32>) -> i32 {
    // The value right after this process's last increment; 0 before its first one, so that
    // taking the lock first, straight from the parent, counts as no hand-over.
    let mut after_mine = 0;
    let mut found_changed = 0;
    for _ in 0..count {
        // The other child dying (killed from outside) must not stop this one.
        let guard = total.lock().unwrap_or_else(OwnerDied::recover);
        let value = guard.get();
        if value != after_mine {
            found_changed += 1;
        }
        after_mine = value + 1;
        guard.set(after_mine);
    }
    handovers.set(found_changed);
    0
}

/// Waits until both children have ended, looking every 250 µs (and for signals).
pub(crate) fn wait_for_both(children: &mut [Child; 2]) -> anyhow::Result<[ExitStatus; 2]> {
    loop {
        if let Some(signal) = signals::received() {
            for child in children.iter_mut() {
                child.kill()?;
            }
            return Err(signals::Interrupted(signal).into());
        }
        let [first, second] = children;
        if let (Some(a), Some(b)) = (first.try_wait()?, second.try_wait()?) {
            return Ok([a, b]);
        }
        thread::sleep(Duration::from_micros(250));
    }
}
