//! The parent's side of every run with processes: start the two workers with lesson01's fork,
//! join them with lesson04's signal handling, and the set-up the walk-throughs share.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use common::process::{Child, Pid};
use lesson04_shared_memory::cleanup::{self, remove_stale_and_report};
use lesson04_shared_memory::signals;

use crate::{LockedValue, PREFIX, STEPS, WORKERS, Worker, notes};

/// What the default run and `--kill-holder` say about the lock.
pub const ROBUST: &str = "a robust, process-shared pthread mutex next to the i32";

/// Forks a child that runs `work` and exits with the code it returns, with the handled signals
/// back to their defaults in it.
pub use lesson04_shared_memory::signals::fork_child as fork;

/// Python's `Process(target=work)` and `start()`: forks a child that runs `work`.
pub fn start(work: impl FnOnce()) -> anyhow::Result<Child> {
    fork(|| {
        work();
        0
    })
}

/// Python's `join()`: waits for the child (a handled signal kills and reaps it instead), and
/// fails if the child did not end well.
pub fn join(child: &mut Child) -> anyhow::Result<()> {
    let status = signals::join(child)?;
    ensure!(
        status.success(),
        "child (pid {}) failed: {status}",
        child.pid()
    );
    Ok(())
}

/// `--plain`: the notes' program, [`notes::multicore`], with the signal handling and the sweep
/// of segments that killed runs left, both silent.
pub fn plain(step: Duration) -> anyhow::Result<ExitCode> {
    quiet_set_up()?;
    notes::multicore(step)?;
    signals::check()?;
    Ok(ExitCode::SUCCESS)
}

/// Installs the signal handlers and removes what killed runs left, saying nothing.
pub fn quiet_set_up() -> anyhow::Result<()> {
    signals::install().context("cannot install the signal handlers")?;
    remove_stale_and_report(PREFIX, false);
    Ok(())
}

/// The start of a walk-through: its heading, the sweep of what killed runs left (said), and the
/// shared value with its lock, described (`lock` says what its lock does in this run).
pub fn set_up(heading: &str, lock: &str) -> anyhow::Result<LockedValue<i32>> {
    signals::install().context("cannot install the signal handlers")?;
    println!("{heading}  (Notes: Lock)");
    remove_stale_and_report(PREFIX, true);
    let total = LockedValue::<i32>::new_in(PREFIX, 0)?;
    match cleanup::describe(total.name()) {
        Some(details) => println!(
            "parent: Value('i', 0) and its lock are /dev/shm/{}: {details} ({lock})",
            total.name()
        ),
        None => println!(
            "parent: Value('i', 0) and its lock are shared-memory segment /{} ({lock})",
            total.name()
        ),
    }
    Ok(total)
}

/// Forks p1 and p2, each running `job`.
pub fn start_both(job: impl Fn(Worker) -> i32) -> anyhow::Result<Vec<(Worker, Child)>> {
    let mut children = Vec::new();
    for worker in WORKERS {
        children.push((worker, fork(|| job(worker))?));
    }
    Ok(children)
}

/// Joins both children, then fails if one failed (other than `killed`, which the parent killed
/// on purpose). A child still running when the other's steps and its own should long be over is
/// stuck waiting for a lock nobody recovered: it is killed, and that is an error. Returns
/// `p1 (pid X): exit code 0, p2 (pid Y): ...`.
pub fn join_both(
    children: &mut [(Worker, Child)],
    step: Duration,
    killed: Option<Pid>,
) -> anyhow::Result<String> {
    // Both are joined before either is judged: if one died, the other may still be finishing
    // its steps with the recovered lock.
    let limit = Duration::from_secs(10) + step * (STEPS as u32 + 1) * 2;
    let mut statuses = Vec::new();
    for index in 0..children.len() {
        let (worker, child) = &mut children[index];
        let Some(status) = signals::wait_within(child, Some(limit))? else {
            // Look before killing: a stopped process is not waiting for anything.
            let stopped: Vec<String> = children
                .iter()
                .filter(|(_, child)| is_stopped(child.pid()))
                .map(|(worker, child)| format!("{} (pid {})", worker.name, child.pid()))
                .collect();
            let (worker, child) = &children[index];
            let late = format!("{} (pid {})", worker.name, child.pid());
            let seconds = limit.as_secs();
            // Returning drops the children, which kills and reaps them.
            if stopped.contains(&late) {
                bail!(
                    "{late} was stopped (SIGSTOP, or a debugger) and had not ended after {seconds} s, so it was killed"
                );
            }
            if let Some(holder) = stopped.first() {
                bail!(
                    "{late} still waited for the lock after {seconds} s, because {holder}, which held it, was stopped (SIGSTOP, or a debugger): both were killed"
                );
            }
            bail!(
                "{late} still waited for the lock after {seconds} s, so it was killed: the lock was not recovered"
            );
        };
        statuses.push((*worker, child.pid(), status));
    }
    let failed = statuses
        .iter()
        .find(|(_, pid, status)| !status.success() && killed != Some(*pid));
    if let Some((worker, pid, status)) = failed {
        bail!("{} (pid {pid}) failed: {status}", worker.name);
    }
    let statuses: Vec<String> = statuses
        .iter()
        .map(|(worker, pid, status)| format!("{} (pid {pid}): {status}", worker.name))
        .collect();
    Ok(statuses.join(", "))
}

/// Whether `pid` is stopped (state `T` in `/proc/PID/stat`: SIGSTOP, or `t`: a debugger).
fn is_stopped(pid: Pid) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The name is in parentheses and may hold anything: the state follows the last `)`.
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .is_some_and(|state| state == "T" || state == "t")
}
