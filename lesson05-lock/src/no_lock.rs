//! `--no-lock`: the same two processes with no lock, and updates are lost. Each `value += n` is
//! a read and a write, with the step's sleep moved between them, so the other process's write
//! in between is overwritten. And so that this happens on every run, however busy the machine,
//! the value is a [`SharedTotal`], whose read without the lock waits for the other process's
//! read: both read before either writes ([`crate::race`]).

use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use lesson04_shared_memory::signals;
use nix::unistd::getpid;

use crate::children::{self, quiet_set_up};
use crate::race::{GIVE_UP_AFTER, SharedTotal};
use crate::{PREFIX, STEPS, Worker, expected_total};

/// What a worker prints after a step: who it is, the value it read and the one it wrote.
type Say = fn(Worker, i32, i32);

/// `--no-lock`, said aloud.
pub fn run(step: Duration) -> anyhow::Result<ExitCode> {
    let value = children::set_up(
        "lesson05-lock --no-lock: the same two processes with no lock",
        "its lock is there, unused",
    )?;
    let total = SharedTotal::with_value(PREFIX, value)?;
    println!(
        "parent: p1 adds 1 and p2 adds 3, {STEPS} steps each; a step reads the value, sleeps {} ms, then writes what it read + n: the notes' sleep, moved into the middle of `value += n`, where a busy machine may pause a process at any moment",
        step.as_millis()
    );
    println!(
        "parent: and so that it happens every time, in each step both read before either writes: they meet in between (a meeting point in shared memory)"
    );
    let mut children = children::start_both(|worker| {
        println!("{} (pid {}): starts, with no lock", worker.name, getpid());
        job(&total, worker, step, |worker, seen, wrote| {
            println!("{}: {wrote} (read {seen})", worker.name);
        })
    })?;
    let joined = children::join_both(&mut children, step, None)?;
    println!("parent: joined {joined}");
    let (last, expected) = (total.get(), expected_total());
    println!(
        "parent: final value {last}, expected {expected}: {} lost",
        expected - last
    );
    if last == expected {
        println!(
            "parent: nothing was lost this time: the workers did not meet (one waited {} ms for the other in vain). The race is still there: run it again",
            GIVE_UP_AFTER.as_millis()
        );
    }
    println!(
        "parent: when both processes read the same value, the later write replaces the earlier one, and that increment is lost. Rust ruled out a data race (each read and write is one whole atomic access), not this race condition: only the lock makes read, add and write one step"
    );
    drop(total);
    signals::check()?;
    Ok(ExitCode::SUCCESS)
}

/// `--plain --no-lock`: only the values, one a line, as `python/lock_demos.py --no-lock`.
pub fn plain(step: Duration) -> anyhow::Result<ExitCode> {
    quiet_set_up()?;
    let total = SharedTotal::new_in(PREFIX, 0)?;
    let mut children = children::start_both(|worker| {
        job(&total, worker, step, |_, _, wrote| println!("{wrote}"))
    })?;
    children::join_both(&mut children, step, None)?;
    drop(total);
    signals::check()?;
    Ok(ExitCode::SUCCESS)
}

/// One worker's ten steps with no lock: read (and meet the other worker), sleep, write what it
/// read + what it adds.
fn job(total: &SharedTotal, worker: Worker, step: Duration, say: Say) -> i32 {
    for _ in 0..STEPS {
        let seen = total.get();
        thread::sleep(step);
        total.set(seen + worker.adds);
        say(worker, seen, seen + worker.adds);
    }
    0
}
