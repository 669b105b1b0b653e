//! `--threads`: the notes' queue program with threads, and what a Python `Queue` does that
//! `std::sync::mpsc` cannot: several workers taking from one queue. The notes' two `job(1000)`
//! tasks go on one crossbeam channel; three worker threads take from it, whichever is free,
//! and put their results on a second channel, which the main thread reads with a timeout
//! (Python's `q.get(timeout=10)`). No pipe and no serde: the values themselves move between
//! threads of one process.
//!
//! Why crossbeam: std's `mpsc::Receiver` cannot be cloned or shared, so only one thread can
//! take from a std channel (mpsc: many producers, one consumer). crossbeam's `Receiver` is
//! `Clone`, and every clone takes from the same queue. A timed get is no reason by itself:
//! std's `Receiver` has `recv_timeout` too.

use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use crossbeam::channel::{self, RecvTimeoutError};

use crate::walkthrough::{N, this_pid};

/// How many worker threads take from the task queue: more than the tasks, so one stays idle.
pub const WORKERS: usize = 3;
/// How long the main thread waits for each result before it gives up.
pub const WAIT: Duration = Duration::from_secs(10);

/// The same program with threads; `plain` prints only the sum, as the notes do.
pub fn run(plain: bool) -> anyhow::Result<ExitCode> {
    let commentary = !plain;
    if commentary {
        println!(
            "lesson02-queue --threads: the notes' two job({N}) tasks go on one crossbeam channel; {WORKERS} worker threads take from it, whichever is free; no pipe, no serde: the values themselves move"
        );
    }
    let job = |n| common::job(n).expect("job(1000) fits in a u128");
    let results = share_out(&[N, N], WORKERS, WAIT, job)?;
    let mut total = 0;
    for (worker, value) in results {
        if commentary {
            println!(
                "main thread: got {value} from worker thread {worker} (same pid {}: threads share one process)",
                this_pid()
            );
        }
        total += value;
    }
    if commentary {
        println!(
            "main thread: each get waited at most {} s (recv_timeout, Python's q.get(timeout={}))",
            WAIT.as_secs(),
            WAIT.as_secs()
        );
    }
    println!("{total}");
    Ok(ExitCode::SUCCESS)
}

/// Puts `tasks` on one queue that `workers` threads take from, and returns one result per
/// task, each with the number of the worker that ran it, in the order they came. Waits at most
/// `wait` for each result: then it returns an error and leaves the late workers behind (the
/// process is about to end).
pub fn share_out(
    tasks: &[u64],
    workers: usize,
    wait: Duration,
    job: impl Fn(u64) -> u128 + Clone + Send + 'static,
) -> anyhow::Result<Vec<(usize, u128)>> {
    let (task_sender, task_queue) = channel::unbounded();
    for &task in tasks {
        task_sender.send(task).expect("open: we hold a receiver");
    }
    // Closed once empty: each worker's loop ends when no task is left.
    drop(task_sender);
    let (result_sender, result_queue) = channel::unbounded();
    let mut handles = Vec::with_capacity(workers);
    for worker in 1..=workers {
        // Each clone of the receiver takes from the same queue: a task goes to one worker.
        let task_queue = task_queue.clone();
        let (result_sender, job) = (result_sender.clone(), job.clone());
        let handle = thread::Builder::new().spawn(move || {
            for task in task_queue {
                // Only fails if the main thread gave up waiting.
                let _ = result_sender.send((worker, job(task)));
            }
        });
        handles.push(handle.context("cannot start a worker thread")?);
    }
    // Only the workers hold senders now: if they all end early, `recv_timeout` says so.
    drop(result_sender);
    let results = tasks
        .iter()
        .map(|_| match result_queue.recv_timeout(wait) {
            Ok(result) => Ok(result),
            Err(RecvTimeoutError::Timeout) => {
                bail!("no result came within {} s", wait.as_secs_f64())
            }
            Err(RecvTimeoutError::Disconnected) => {
                bail!("every worker thread ended before every result came: one panicked")
            }
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    for handle in handles {
        handle
            .join()
            .map_err(|_| anyhow!("a worker thread panicked"))?;
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier};

    use super::*;

    #[test]
    fn two_workers_take_from_one_queue_at_once() {
        // Each task waits until two tasks are running: one worker alone could never finish.
        let both_running = Arc::new(Barrier::new(2));
        let job = move |n| {
            both_running.wait();
            u128::from(n) * 2
        };
        let results = share_out(&[20, 21], 2, WAIT, job).expect("both tasks done");
        let mut values: Vec<u128> = results.iter().map(|(_, value)| *value).collect();
        values.sort_unstable();
        assert_eq!(values, [40, 42]);
        assert_ne!(results[0].0, results[1].0, "two workers: {results:?}");
    }

    #[test]
    fn a_get_that_waits_too_long_is_an_error() {
        let (release, gate) = channel::bounded::<()>(0);
        // The job waits for a message that never comes until the test is over.
        let job = move |n| {
            let _ = gate.recv();
            u128::from(n)
        };
        let err = share_out(&[1], 1, Duration::from_millis(50), job).expect_err("timed out");
        assert_eq!(err.to_string(), "no result came within 0.05 s");
        drop(release); // the worker ends
    }

    #[test]
    fn a_panicking_worker_is_an_error_not_a_hang() {
        let err = share_out(&[1], 2, WAIT, |_| panic!("test panic")).expect_err("a panic");
        assert!(err.to_string().contains("panicked"), "{err}");
    }
}
