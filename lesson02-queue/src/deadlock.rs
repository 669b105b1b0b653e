//! `--payload-bytes`: the deadlock the notes' join-then-get order hides, and its fix.
//!
//! Each of two workers puts a result too big for the pipe's buffer. A worker's `write()` then
//! waits for a reader; the only reader is the parent, which waits in `join()` for the worker.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use common::process::Child;
use lesson01_process::start::fork_child;

use crate::queue::Queue;

/// How long the deadlock demo waits in `join()` before it calls the wait a deadlock.
pub const DEADLOCK_TIMEOUT: Duration = Duration::from_secs(2);

/// Each of two workers puts `payload_bytes` bytes. First the notes' order (join, then get),
/// which deadlocks once a payload does not fit in the pipe; then the fix (get, then join).
pub fn run(payload_bytes: usize) -> anyhow::Result<ExitCode> {
    let mut queue = Queue::<Vec<u8>>::new()?;
    let capacity = queue.pipe_capacity();
    println!(
        "two workers each put a {payload_bytes}-byte result; the pipe buffers {} bytes",
        capacity.map_or("a limited number of".to_string(), |bytes| bytes.to_string())
    );
    println!("1. the notes' order: join() both workers, then get() both results");
    let mut workers = start_payload_workers(&queue, payload_bytes)?;
    let deadline = Instant::now() + DEADLOCK_TIMEOUT;
    let mut stuck = Vec::new();
    for worker in &mut workers {
        let left = deadline.saturating_duration_since(Instant::now());
        match worker.wait_timeout(left)? {
            Some(status) => println!("   joined worker {}: {status}", worker.pid()),
            None => stuck.push(worker.pid()),
        }
    }
    if stuck.is_empty() {
        drain(&mut queue, 2, payload_bytes)?;
        println!(
            "   no deadlock: each result fit in the pipe's buffer, so put() returned at once and the workers exited before anyone read"
        );
    } else {
        for pid in &stuck {
            println!(
                "   deadlock: after {} s worker {pid} is still blocked in put()",
                DEADLOCK_TIMEOUT.as_secs()
            );
        }
        println!(
            "   the pipe is full, so write() waits for a reader; the reader is the parent, which waits in join() for the worker. Each waits for the other, for ever."
        );
        println!(
            "   CPython deadlocks the same way: a process does not end until its queue's feeder thread has written everything to the pipe (its documentation warns about joining a process that has put items on a queue)"
        );
        println!("   (the demo kills the stuck workers and goes on)");
    }
    drop(workers); // kills and reaps any that are stuck

    println!("2. the fix: get() both results first, then join()");
    let mut queue = Queue::<Vec<u8>>::new()?;
    let mut workers = start_payload_workers(&queue, payload_bytes)?;
    drain(&mut queue, 2, payload_bytes)?;
    println!("   got 2 results of {payload_bytes} bytes, each intact");
    for worker in &mut workers {
        let status = worker
            .wait_timeout(DEADLOCK_TIMEOUT)?
            .context("a worker did not exit after its result was read")?;
        ensure!(status.success(), "worker {} failed: {status}", worker.pid());
        println!("   joined worker {}: {status}", worker.pid());
    }
    Ok(ExitCode::SUCCESS)
}

/// The byte at `index` of a payload: a pattern, so the reader can check every byte arrived.
fn payload_byte(index: usize) -> u8 {
    (index % 251) as u8
}

fn start_payload_workers(
    queue: &Queue<Vec<u8>>,
    payload_bytes: usize,
) -> anyhow::Result<Vec<Child>> {
    let payload: Vec<u8> = (0..payload_bytes).map(payload_byte).collect();
    (0..2)
        .map(|_| fork_child(|| i32::from(queue.put(&payload).is_err())))
        .collect()
}

fn drain(queue: &mut Queue<Vec<u8>>, count: usize, payload_bytes: usize) -> anyhow::Result<()> {
    for _ in 0..count {
        let payload = queue
            .get_timeout(DEADLOCK_TIMEOUT)?
            .context("a result never arrived")?;
        let intact = payload.len() == payload_bytes
            && payload
                .iter()
                .enumerate()
                .all(|(i, byte)| *byte == payload_byte(i));
        ensure!(intact, "a result arrived damaged ({} bytes)", payload.len());
    }
    Ok(())
}
