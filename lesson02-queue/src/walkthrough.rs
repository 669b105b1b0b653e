//! The default run: the notes' queue program again, beside `notes.rs`, saying as it goes which
//! process did what. Each worker puts its pid with its result, so the parent can tell them
//! apart.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, ensure};
use common::process::Child;
use lesson01_process::StartMethod;
use lesson01_process::start::{Orders, fork_child, run_spawned, start_with_orders};

use serde::{Deserialize, Serialize};

use crate::bad_frame::{self, BadFrame};
use crate::queue::Queue;

/// The notes' workers each compute `job(1000)`.
pub const N: u64 = 1000;

/// A worker's result and who computed it: serde turns it into bytes for the queue, as pickle
/// would in CPython.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerResult {
    pub pid: u32,
    pub value: u128,
}

pub(crate) fn this_pid() -> u32 {
    std::process::id()
}

/// What a spawned or forkserver child is told to be a worker of this walk-through.
pub const WORKER: &str = "walkthrough-worker";

/// Starts a worker process that puts `job(N)` and its pid on `queue` (or, as a fault hook for
/// the tests, a bad frame: forked workers only). By fork, it runs [`worker`] itself; by spawn
/// or forkserver, it is told [`WORKER`] and handed the queue.
fn start_worker(
    method: StartMethod,
    queue: &Queue<WorkerResult>,
    bad: Option<BadFrame>,
) -> anyhow::Result<Child> {
    match method {
        StartMethod::Fork => fork_child(|| worker(queue, bad)),
        method => start_with_orders(method, &[WORKER.to_string()], &queue.fds()),
    }
    .context("cannot start a worker process")
}

/// A worker: puts `job(N)` and its pid on `queue` (or a bad frame of the kind `bad`); exit
/// code 0, or 1 if the put failed.
fn worker(queue: &Queue<WorkerResult>, bad: Option<BadFrame>) -> i32 {
    let value = common::job(N).expect("job(1000) fits in a u128");
    let result = WorkerResult {
        pid: this_pid(),
        value,
    };
    let put = match bad {
        None => queue.put(&result),
        Some(kind) => bad_frame::put(queue, kind, &result),
    };
    match put {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("worker {}: put failed: {err}", this_pid());
            1
        }
    }
}

/// A spawned or forkserver worker's `main`: rebuilds the queue from the pipes it was handed.
pub fn worker_main(orders: anyhow::Result<Orders>) -> ExitCode {
    let orders = orders.and_then(|orders| {
        orders.parse_with_fds(|args, fds| {
            ensure!(args == [WORKER], "expected {WORKER}, got {args:?}");
            Ok(Queue::<WorkerResult>::from_fds(fds)?)
        })
    });
    run_spawned(orders, |queue| Ok(worker(&queue, None)))
}

/// Two worker processes, started by `method`, put `job(1000)` on a queue, the parent joins
/// them, gets both results and prints their sum, saying what happens at each step. With `bad`,
/// the first worker puts a bad frame instead (a fault hook for the tests).
pub fn run(method: StartMethod, bad: Option<BadFrame>) -> anyhow::Result<ExitCode> {
    let mut queue = Queue::<WorkerResult>::new()?;
    println!(
        "lesson02-queue: two worker processes put job({N}) on a queue; the parent adds up what it gets  (Notes: Queue进程输出)"
    );
    println!(
        "parent: pid {}; the queue is a pipe, and each put() is one write() of a frame: a 4-byte length, then the WorkerResult as serde serialized it",
        this_pid()
    );
    let mut workers = vec![
        start_worker(method, &queue, bad)?,
        start_worker(method, &queue, None)?,
    ];
    // The notes join first and get afterwards. That is safe only because each result is a few
    // bytes, which fit in the pipe's buffer: see `deadlock`.
    for worker in &mut workers {
        let status = worker.wait()?;
        ensure!(status.success(), "worker {} failed: {status}", worker.pid());
        println!("parent: joined worker {}: {status}", worker.pid());
    }
    let mut total = 0;
    for _ in &workers {
        let result = queue
            .get_timeout(Duration::from_secs(10))
            .context("the results queue")?
            .context("a worker exited without putting its result")?;
        println!(
            "parent: got {} from worker pid {}",
            result.value, result.pid
        );
        total += result.value;
    }
    let buffer = queue
        .pipe_capacity()
        .map_or("buffer".to_string(), |bytes| format!("{bytes}-byte buffer"));
    println!(
        "parent: join() before get() worked only because both results fit in the pipe's {buffer}; try --payload-bytes 200000"
    );
    println!("{total}");
    Ok(ExitCode::SUCCESS)
}
