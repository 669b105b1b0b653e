//! Isolation, the one thing a pool of processes still buys over a pool of threads.
//!
//! One task in ten kills the process it runs in. In a thread pool that process is the whole
//! pool: every worker thread and every unfinished task die with it. (We run that pool in a
//! throwaway child process, so that this lesson lives to report it.) In a pool of worker
//! processes only that task's worker dies: the parent sees one failed task, starts a new
//! worker and finishes the rest.

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use common::process::Pid;
use common::pyfmt::py_list;
use lesson01_process::start::fork_child;
use lesson02_queue::Queue;
use nix::sys::signal::{Signal, kill};
use nix::unistd::getpid;

use crate::pool::Pool;
use crate::process_pool::{Closed, Done, Event, ProcessPool};
use crate::{count, job, print_who_ran};

/// The tasks are job(0) ... job(ITEMS - 1).
pub const ITEMS: u64 = 10;
/// The task that kills its own process.
pub const CRASH_ITEM: u64 = 3;
/// The longest the thread-pool half may take before the lesson gives up on it.
const DEADLINE: Duration = Duration::from_secs(60);

/// Each worker process has its own task queue: two pipes, so four file descriptors, all of
/// them open in the parent at once.
const FILES_PER_WORKER: u64 = 4;
/// The descriptors needed besides: stdin, stdout and stderr, the results queue, a new worker's
/// task queue while the dead one's is still open, and a few to spare.
const OTHER_FILES: u64 = 16;

/// Whether `workers` worker processes fit under this process's open-file limit (`ulimit -n`);
/// if not, the line to print before exiting with code 2, which says how many would.
pub fn check_open_files(workers: usize) -> Result<(), String> {
    use nix::sys::resource::{Resource, getrlimit};
    // A system that does not say has no limit we could check.
    let Ok((limit, _)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return Ok(());
    };
    let needed = OTHER_FILES + FILES_PER_WORKER * workers as u64;
    if needed <= limit {
        return Ok(());
    }
    let most = limit.saturating_sub(OTHER_FILES) / FILES_PER_WORKER;
    let advice = if most == 0 {
        "too few for even one worker: raise the limit".to_string()
    } else {
        format!("use at most --processes {most}, or raise the limit")
    };
    Err(format!(
        "error: --isolation with --processes {workers} needs about {needed} open files ({FILES_PER_WORKER} per worker process: its task queue is two pipes), but the limit is {limit} (ulimit -n): {advice}"
    ))
}

/// `job(item)` after a sleep of `task`; but `job(CRASH_ITEM)` kills its whole process with
/// SIGKILL, as the kernel's OOM killer, a segfault in C code or an `abort()` would: there is
/// no panic to catch, and no code of ours runs afterwards.
fn crashing_job(item: u64, task: Duration) -> u64 {
    thread::sleep(task);
    if item == CRASH_ITEM {
        let _ = kill(getpid(), Signal::SIGKILL);
        // Not reached: SIGKILL ends every thread of the process. Should kill() fail, abort
        // ends the process all the same.
        std::process::abort();
    }
    job(item)
}

/// How the workers ended: `2 workers stopped when told to, 1 had died and was replaced (see
/// above); all reaped, none left running`.
fn closed_summary(closed: &Closed) -> String {
    let died = closed.died.len();
    let replaced = match (died, closed.replaced) {
        (0, _) => String::new(),
        (1, 1) => " and was replaced".to_string(),
        (died, replaced) if died == replaced => " and were replaced".to_string(),
        (_, 0) => ", none replaced (no task was left for a new worker)".to_string(),
        (_, replaced) => format!(", {replaced} of them replaced"),
    };
    format!(
        "{} stopped when told to, {died} had died{replaced}{}; all reaped, none left running",
        count(closed.stopped.len(), "worker", "workers"),
        if died == 0 { "" } else { " (see above)" }
    )
}

/// Both halves of the demo. The process must be single-threaded: both halves fork.
pub fn run(workers: usize, task: Duration) -> anyhow::Result<ExitCode> {
    println!(
        "lesson03-pool --isolation: job({CRASH_ITEM}) of job(0) ... job({}) kills its own process with SIGKILL (as the OOM killer or a segfault would: no panic, nothing to catch)",
        ITEMS - 1
    );
    in_a_thread_pool(workers, task)?;
    in_a_process_pool(workers, task)?;
    Ok(ExitCode::SUCCESS)
}

fn in_a_thread_pool(workers: usize, task: Duration) -> anyhow::Result<()> {
    println!(
        "1. a pool of {}, run in a throwaway child process so that this lesson lives to report on it:",
        count(workers, "worker thread", "worker threads")
    );
    let mut results = Queue::<Done>::new()?;
    let mut pool_process = fork_child(|| {
        let Ok(pool) = Pool::new(workers) else {
            return 1;
        };
        let sent = pool.map(
            |item| {
                let value = crashing_job(item, task);
                let done = Done {
                    worker: getpid(),
                    item,
                    value,
                };
                results.put(&done).is_ok()
            },
            0..ITEMS,
        );
        i32::from(!sent.is_ok_and(|sent| sent.iter().all(|ok| *ok)))
    })
    .context("cannot start the thread pool's process")?;
    let began = Instant::now();
    let mut arrived = Vec::new();
    let status = loop {
        if let Some(done) = results.get_timeout(Duration::from_millis(10))? {
            arrived.push(done);
            continue;
        }
        if let Some(status) = pool_process.try_wait()? {
            // What it put before it died is in the pipe now.
            while let Some(done) = results.get_timeout(Duration::ZERO)? {
                arrived.push(done);
            }
            break status;
        }
        ensure!(
            began.elapsed() < DEADLINE,
            "the thread pool's process neither finished nor died within {} s",
            DEADLINE.as_secs()
        );
    };
    arrived.sort_by_key(|done| done.item);
    let got: Vec<String> = arrived
        .iter()
        .map(|done| format!("job({})", done.item))
        .collect();
    println!(
        "   results that reached us before the end: {} of {ITEMS} ({})",
        arrived.len(),
        got.join(" ")
    );
    if status.success() {
        println!("   the pool's process finished every task: exit code 0");
    } else {
        println!(
            "   the pool's process (pid {}) ended: {status}; job({CRASH_ITEM}) took the whole pool down with it, and {} never finished",
            pool_process.pid(),
            count(ITEMS as usize - arrived.len(), "task", "tasks")
        );
        println!(
            "   a panic is caught per task (see the default run), but nothing survives a task that kills the process: threads share one process, so they share its fate"
        );
    }
    Ok(())
}

fn in_a_process_pool(workers: usize, task: Duration) -> anyhow::Result<()> {
    println!(
        "2. a pool of {} (lesson01's fork_child, lesson02's Queue), the same {ITEMS} tasks:",
        count(workers, "worker process", "worker processes")
    );
    let mut pool = ProcessPool::new(workers, |item| crashing_job(item, task))?;
    let pids: Vec<String> = pool.pids().iter().map(|pid| format!("pid {pid}")).collect();
    println!("   workers: {}", pids.join(", "));
    let items: Vec<u64> = (0..ITEMS).collect();
    let mut who_ran: Vec<(Pid, u64)> = Vec::new();
    let outcomes = pool.map(&items, |event| match event {
        Event::Done(done) => who_ran.push((done.worker, done.item)),
        Event::WorkerDied {
            worker,
            status,
            lost: Some(item),
        } => println!(
            "   worker pid {worker} ended while running job({item}): {status}; that one task failed"
        ),
        Event::WorkerDied {
            worker,
            status,
            lost: None,
        } => println!("   worker pid {worker} ended between tasks: {status}"),
        Event::Replaced { old, new } => {
            println!("   started worker pid {new} in the place of pid {old}");
        }
    })?;
    print_who_ran(who_ran, |worker| format!("worker pid {worker}"));
    // A failed task keeps its place, shown as Python's None, so positions still match items.
    let mut values = Vec::new();
    let mut failed = Vec::new();
    for (item, outcome) in items.iter().zip(&outcomes) {
        match outcome {
            Ok(value) => values.push(value.to_string()),
            Err(died) => {
                values.push("None".to_string());
                failed.push(format!("job({item}) ({died})"));
            }
        }
    }
    println!(
        "   done: {} of {ITEMS} tasks; failed: {}",
        values.len() - failed.len(),
        if failed.is_empty() {
            "none".to_string()
        } else {
            failed.join(", ")
        }
    );
    println!("   results, in the items' order: {}", py_list(&values));
    println!("   closed the pool: {}", closed_summary(&pool.close()?));
    println!(
        "   CPython's Pool also replaces a dead worker, but the task it lost never completes: its get() waits for ever (and map() never returns) unless you pass a timeout"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::process::ExitStatus;
    use nix::sys::signal::Signal;

    fn closed(stopped: usize, died: usize, replaced: usize) -> Closed {
        let pid = Pid::from_raw(42);
        Closed {
            stopped: vec![pid; stopped],
            died: vec![
                (
                    pid,
                    ExitStatus::Signal {
                        signal: Signal::SIGKILL,
                        core_dumped: false,
                    }
                );
                died
            ],
            replaced,
        }
    }

    #[test]
    fn the_summary_counts_the_dead_and_the_replaced() {
        let tail = "; all reaped, none left running";
        assert_eq!(
            closed_summary(&closed(2, 0, 0)),
            format!("2 workers stopped when told to, 0 had died{tail}")
        );
        assert_eq!(
            closed_summary(&closed(2, 1, 1)),
            format!(
                "2 workers stopped when told to, 1 had died and was replaced (see above){tail}"
            )
        );
        assert_eq!(
            closed_summary(&closed(2, 2, 2)),
            format!(
                "2 workers stopped when told to, 2 had died and were replaced (see above){tail}"
            )
        );
        assert_eq!(
            closed_summary(&closed(1, 1, 0)),
            format!(
                "1 worker stopped when told to, 1 had died, none replaced (no task was left for a new worker) (see above){tail}"
            )
        );
        assert_eq!(
            closed_summary(&closed(1, 3, 2)),
            format!(
                "1 worker stopped when told to, 3 had died, 2 of them replaced (see above){tail}"
            )
        );
    }
}
