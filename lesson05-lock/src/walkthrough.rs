//! The default run: the notes' program said aloud. The same steps as [`crate::notes`], with
//! each process saying who it is, when it takes the lock and when it lets go; then the parent
//! checks the final value. [`crate::kill_holder`] builds on the pieces here.

use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use anyhow::ensure;
use lesson04_shared_memory::signals;
use lesson04_shared_memory::value::Value;
use nix::unistd::getpid;

use crate::children::{self, ROBUST};
use crate::{Guard, LockedValue, STEPS, Worker, expected_total};

/// The whole default run.
pub fn run(step: Duration) -> anyhow::Result<ExitCode> {
    let total = children::set_up(
        "lesson05-lock: two processes add to one shared value under one lock",
        ROBUST,
    )?;
    println!(
        "parent: p1 adds 1 and p2 adds 3; each takes the lock, makes {STEPS} steps (sleep {} ms, value += n, print) and releases it",
        step.as_millis()
    );
    let mut children = children::start_both(|worker| job(&total, worker, step))?;
    let joined = children::join_both(&mut children, step, None)?;
    println!("parent: joined {joined}");
    let (last, expected) = (total.get(), expected_total());
    ensure!(last == expected, "final value {last}, expected {expected}");
    println!(
        "parent: final value {last} (expected {expected}): whoever took the lock first made all {STEPS} of its steps before the other made any"
    );
    drop(total);
    signals::check()?;
    Ok(ExitCode::SUCCESS)
}

/// The notes' `job(v, num, l)`, said aloud: take the lock, make ten steps, release it.
fn job(total: &LockedValue<i32>, worker: Worker, step: Duration) -> i32 {
    let guard = take_lock(total, worker, None);
    steps(&guard, worker, step, STEPS);
    release(guard, worker);
    0
}

/// Takes the lock and says so. If its holder died holding it, says that (with the holder's pid,
/// when `holder` has it) and takes it anyway.
pub(crate) fn take_lock<'a>(
    total: &'a LockedValue<i32>,
    worker: Worker,
    holder: Option<&Value<i32>>,
) -> Guard<'a, i32> {
    let me = getpid();
    match total.lock() {
        Ok(guard) => {
            println!("{} (pid {me}): took the lock", worker.name);
            guard
        }
        Err(dead) => {
            let guard = dead.recover();
            let whose = match holder.map(Value::get) {
                Some(pid) if pid != 0 => format!("its holder, pid {pid},"),
                _ => "its holder".to_string(),
            };
            println!(
                "{} (pid {me}): took the lock: {whose} died holding it (EOWNERDEAD); pthread_mutex_consistent made it usable again; value {}",
                worker.name,
                guard.get()
            );
            guard
        }
    }
}

/// `count` of the notes' steps: sleep, add, print the value (`p1: 7`).
pub(crate) fn steps(guard: &Guard<'_, i32>, worker: Worker, step: Duration, count: i32) {
    for _ in 0..count {
        thread::sleep(step);
        guard.set(guard.get() + worker.adds);
        println!("{}: {}", worker.name, guard.get());
    }
}

/// The notes' `l.release()`: dropping the guard unlocks.
pub(crate) fn release(guard: Guard<'_, i32>, worker: Worker) {
    println!("{} (pid {}): releasing the lock", worker.name, getpid());
    drop(guard);
}
