//! `--kill-holder`: whichever process takes the lock first makes a few steps and then waits,
//! still holding it, until the parent kills it with SIGKILL; the other process recovers the
//! lock and makes all of its steps. Built from the walk-through's pieces.

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use common::process::{Child, ExitStatus, Pid};
use lesson04_shared_memory::signals;
use lesson04_shared_memory::value::Value;
use nix::sys::signal::Signal;
use nix::unistd::getpid;

use crate::children::{self, ROBUST};
use crate::walkthrough::{release, steps, take_lock};
use crate::{LockedValue, PREFIX, STEPS, Worker, cpython, other};

/// The first holder stops after this many steps and waits to be killed.
pub const STEPS_BEFORE_KILL: i32 = 3;

/// How long the holder waits for its SIGKILL before it gives up and fails.
const WAIT_TO_BE_KILLED: Duration = Duration::from_secs(60);

/// The whole `--kill-holder` run; with `python`, CPython's version of the scene follows.
pub fn run(step: Duration, python: bool) -> anyhow::Result<ExitCode> {
    let total = children::set_up(
        "lesson05-lock --kill-holder: the lock's holder is killed; the other process recovers the lock",
        ROBUST,
    )?;
    println!(
        "parent: p1 adds 1 and p2 adds 3, {STEPS} steps each under the lock; whichever takes it first stops after {STEPS_BEFORE_KILL} steps and waits, still holding it, for the parent's SIGKILL"
    );
    // Where the holder writes its pid when it stops to be killed.
    let holder = Value::<i32>::new_in(PREFIX, 0)?;
    let mut children = children::start_both(|worker| job(&total, &holder, worker, step))?;
    let dead = kill_the_holder(&total, &holder, &mut children, step)?;
    let joined = children::join_both(&mut children, step, Some(dead.pid))?;
    println!("parent: joined {joined}");

    let survivor = other(dead.worker);
    let survivors = survivor.adds * STEPS;
    let last = total.get();
    ensure!(
        last == dead.value + survivors,
        "final value {last}, expected {} + {survivors}",
        dead.value
    );
    println!(
        "parent: final value {last} = {} from {} before it died + {survivors} from {}'s {STEPS} steps (checked)",
        dead.value, dead.worker.name, survivor.name
    );
    drop((total, holder));
    if python {
        cpython::kill_holder(step)?;
    } else {
        println!(
            "parent: CPython's multiprocessing.Lock is not robust: there the survivor waits for ever (add --python to see it)"
        );
    }
    signals::check()?;
    Ok(ExitCode::SUCCESS)
}

/// A worker: the first to take the lock stops after a few steps and waits, holding it, to be
/// killed (exit code 1 if nobody does); the second makes the notes' ten steps.
fn job(total: &LockedValue<i32>, holder: &Value<i32>, worker: Worker, step: Duration) -> i32 {
    let guard = take_lock(total, worker, Some(holder));
    if guard.get() != 0 {
        steps(&guard, worker, step, STEPS);
        release(guard, worker);
        return 0;
    }
    steps(&guard, worker, step, STEPS_BEFORE_KILL);
    let me = getpid();
    println!(
        "{} (pid {me}): made {STEPS_BEFORE_KILL} steps; stops here, holding the lock, until the parent kills it",
        worker.name
    );
    holder.set(me.as_raw());
    thread::sleep(WAIT_TO_BE_KILLED);
    eprintln!("{} (pid {me}): nobody killed me", worker.name);
    1
}

/// The process the parent killed while it held the lock.
#[derive(Debug, Clone, Copy)]
struct Killed {
    pid: Pid,
    worker: Worker,
    /// The value when it died: its own steps so far.
    value: i32,
}

/// Waits until the first holder has stopped (it writes its pid to `holder`), then SIGKILLs it
/// and reaps it.
fn kill_the_holder(
    total: &LockedValue<i32>,
    holder: &Value<i32>,
    children: &mut [(Worker, Child)],
    step: Duration,
) -> anyhow::Result<Killed> {
    let limit = Duration::from_secs(10) + step * (STEPS_BEFORE_KILL as u32 + 1) * 2;
    let deadline = Instant::now() + limit;
    let pid = loop {
        signals::check()?;
        if let pid @ 1.. = holder.get() {
            break Pid::from_raw(pid);
        }
        for (worker, child) in children.iter_mut() {
            if let Some(status) = child.try_wait()? {
                bail!(
                    "{} (pid {}) ended before it could be killed: {status}",
                    worker.name,
                    child.pid()
                );
            }
        }
        ensure!(
            Instant::now() < deadline,
            "no process took the lock and stopped within {} s",
            limit.as_secs()
        );
        thread::sleep(Duration::from_millis(1));
    };
    let (worker, child) = children
        .iter_mut()
        .find(|(_, child)| child.pid() == pid)
        .with_context(|| format!("pid {pid}, which says it holds the lock, is not our child"))?;
    let value = total.get();
    println!(
        "parent: SIGKILL to {} (pid {pid}), which holds the lock at value {value}",
        worker.name
    );
    let status = child.kill()?;
    ensure!(
        status
            == ExitStatus::Signal {
                signal: Signal::SIGKILL,
                core_dumped: false
            },
        "{} (pid {pid}) was to die of SIGKILL, but ended with {status}",
        worker.name
    );
    Ok(Killed {
        pid,
        worker: *worker,
        value,
    })
}
