//! `--bench`'s second figure: what the lock costs when it really changes hands. Two processes
//! strictly take turns adding 1 to a shared value, and each waits for its turn asleep in
//! `lock()`, so every turn is a hand-over: the kernel wakes the sleeper (a `futex` wake) and
//! schedules it (a context switch).
//!
//! With one lock, the process that has just released it can take it straight back before the
//! woken one runs (that is what `lock increments` shows). So the two pass three of the lesson's
//! locks hand over hand: before turn `k` a process holds lock `(k + 1) % 3`; it waits for lock
//! `k % 3`, which the other holds until its own turn is done, adds, and only then releases
//! `(k + 1) % 3`, the lock the other is asleep on. It never asks again for a lock it has just
//! released, so it cannot jump the queue.

use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure};
use common::process::Child;
use common::timing::time;
use lesson04_shared_memory::{Array, SharedCell, signals};

use crate::PREFIX;
use crate::bench::wait_for_both;
use crate::children::fork;
use crate::robust::{LockedValue, OwnerDied};

/// What the figure is called, in our output and in the CPython script's.
pub const LABEL: &str = "lock hand-overs";

/// The turns of one run for `--count N`: 2 × N, at most 40,000, so that a run takes a moment
/// even in CPython (a hand-over costs microseconds, not nanoseconds).
pub fn turns_for(count: u32) -> i32 {
    i32::try_from(count.min(20_000) * 2).unwrap_or(40_000)
}

/// One run of `turns` strict turns; the time from the first turn's start to both processes'
/// end, returned only once the final value (`turns`) and both exit codes were checked.
pub fn one_run(turns: i32) -> anyhow::Result<Duration> {
    let locks = [
        LockedValue::<i32>::new_in(PREFIX, 0)?,
        LockedValue::<i32>::new_in(PREFIX, 0)?,
        LockedValue::<i32>::new_in(PREFIX, 0)?,
    ];
    // [the shared value, first child ready, second child ready]
    let cells = Array::<i32>::from_slice_in(PREFIX, &[0, 0, 0])?;
    // The parent holds lock 0, the first turn's, until both children hold their first lock.
    let gate = locks[0].lock().unwrap_or_else(OwnerDied::recover);
    // One after the other: the second may ask for lock 1 only once the first holds it.
    let mut first = fork(|| take_turns(&locks, &cells[0], 0, turns, &cells[1]))?;
    wait_until_ready(&cells[1], &mut first)?;
    let mut second = fork(|| take_turns(&locks, &cells[0], 1, turns, &cells[2]))?;
    wait_until_ready(&cells[2], &mut second)?;
    let mut children = [first, second];
    let timed = time(|| {
        drop(gate);
        wait_for_both(&mut children).map(|statuses| (cells[0].get(), statuses))
    });
    signals::check()?;
    let checked = timed.check(|outcome| match outcome {
        Ok((value, statuses)) => {
            if let Some(status) = statuses.iter().find(|status| !status.success()) {
                Err(format!(
                    "a child ended with {status} (exit code 1: a turn out of order)"
                ))
            } else if *value != turns {
                Err(format!("final value {value}, expected {turns}"))
            } else {
                Ok(())
            }
        }
        Err(err) => Err(format!("{err:#}")),
    })?;
    Ok(*checked.time())
}

/// One child's turns: `first`, `first + 2`, ... below `turns`. Each turn checks that the value
/// is the turn's number (the other process has just added) and adds 1. Exit code 1 if a turn
/// found the value out of order.
fn take_turns(
    locks: &[LockedValue<i32>; 3],
    value: &SharedCell<i32>,
    first: i32,
    turns: i32,
    ready: &SharedCell<i32>,
) -> i32 {
    let lock = |k: i32| {
        // The other child dying (killed from outside) must not stop this one.
        locks[k.rem_euclid(3) as usize]
            .lock()
            .unwrap_or_else(OwnerDied::recover)
    };
    let mut held = lock(first + 1);
    ready.set(1);
    let mut in_order = true;
    for k in (first..turns).step_by(2) {
        // Asleep here until the other process has added and released this lock.
        let next = lock(k);
        in_order &= value.get() == k;
        value.set(k + 1);
        // Dropping the old guard releases lock (k + 1) % 3 and wakes the other process.
        held = next;
    }
    drop(held);
    i32::from(!in_order)
}

/// Waits until the child has taken its first lock; an error if it ends first or takes over
/// 10 s (a child still running is killed when its `Child` is dropped).
fn wait_until_ready(ready: &SharedCell<i32>, child: &mut Child) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while ready.get() == 0 {
        signals::check()?;
        if let Some(status) = child.try_wait()? {
            bail!("a child ended before it took its first lock: {status}");
        }
        ensure!(
            Instant::now() < deadline,
            "a child did not take its first lock within 10 s"
        );
        thread::sleep(Duration::from_micros(50));
    }
    Ok(())
}
