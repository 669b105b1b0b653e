//! The notes' queue program, its thread version, the deadlock it hides, and the queue's speed.

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use common::process::Child;
use common::python::{self, Better};
use common::timing::{BUILD, debug_build_warning, time};
use lesson01_process::start::fork_child;
use nix::unistd::getpid;

use crate::queue::{Message, PIPE_BUF, Queue};

/// The notes' workers each compute `job(1000)`.
pub const N: u64 = 1000;
/// What each worker puts: `job(1000)`.
pub const JOB_1000: u128 = 249_833_583_000;

/// A worker's result and who computed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerResult {
    pub pid: u32,
    pub value: u128,
}

impl Message for WorkerResult {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.pid.to_le_bytes());
        out.extend_from_slice(&self.value.to_le_bytes());
    }
    fn decode(bytes: &[u8]) -> Option<Self> {
        let (pid, value) = bytes.split_at_checked(4)?;
        Some(Self {
            pid: u32::from_le_bytes(pid.try_into().ok()?),
            value: u128::from_le_bytes(value.try_into().ok()?),
        })
    }
}

fn this_pid() -> u32 {
    getpid().as_raw().unsigned_abs()
}

/// Starts a worker process that puts `job(N)` on `queue`.
fn start_worker(queue: &Queue<WorkerResult>) -> anyhow::Result<Child> {
    fork_child(|| {
        let value = common::job(N).expect("job(1000) fits in a u128");
        match queue.put(&WorkerResult {
            pid: this_pid(),
            value,
        }) {
            Ok(()) => 0,
            Err(err) => {
                eprintln!("worker {}: put failed: {err}", this_pid());
                1
            }
        }
    })
}

/// The notes' program: two worker processes put `job(1000)` on a queue, the parent joins them,
/// gets both results and prints their sum. `plain` prints only the sum, as CPython does.
pub fn run(plain: bool) -> anyhow::Result<ExitCode> {
    let commentary = !plain;
    let mut queue = Queue::<WorkerResult>::new()?;
    if commentary {
        println!(
            "lesson02-queue: two worker processes put job({N}) on a queue; the parent adds up what it gets  (Notes: Queue进程输出)"
        );
        println!(
            "parent: pid {}; the queue is a pipe, and each put() is one write() of a 24-byte frame",
            this_pid()
        );
    }
    let mut workers = vec![start_worker(&queue)?, start_worker(&queue)?];
    // The notes join first and get afterwards. That is safe only because each result is a few
    // bytes, which fit in the pipe's buffer: see `deadlock_demo`.
    for worker in &mut workers {
        let status = worker.wait()?;
        ensure!(status.success(), "worker {} failed: {status}", worker.pid());
        if commentary {
            println!("parent: joined worker {}: {status}", worker.pid());
        }
    }
    let mut total = 0;
    for _ in &workers {
        let result = queue
            .get_timeout(Duration::from_secs(10))?
            .context("a worker exited without putting its result")?;
        if commentary {
            println!(
                "parent: got {} from worker pid {}",
                result.value, result.pid
            );
        }
        total += result.value;
    }
    if commentary {
        let buffer = queue
            .pipe_capacity()
            .map_or("buffer".to_string(), |bytes| format!("{bytes}-byte buffer"));
        println!(
            "parent: join() before get() worked only because both results fit in the pipe's {buffer}; try --payload-bytes 200000"
        );
    }
    println!("{total}");
    Ok(ExitCode::SUCCESS)
}

/// The same program with two threads and a crossbeam channel: no pipe, no encoding.
pub fn run_threads(plain: bool) -> anyhow::Result<ExitCode> {
    let commentary = !plain;
    if commentary {
        println!(
            "lesson02-queue --threads: two threads send job({N}) down a crossbeam channel; no pipe, no encoding: the u128 itself moves"
        );
    }
    let (sender, receiver) = crossbeam::channel::unbounded();
    let workers: Vec<_> = (1..=2)
        .map(|number| {
            let sender = sender.clone();
            thread::spawn(move || {
                let value = common::job(N).expect("job(1000) fits in a u128");
                sender
                    .send((number, value))
                    .expect("the receiver outlives the workers");
            })
        })
        .collect();
    for worker in workers {
        worker
            .join()
            .map_err(|_| anyhow::anyhow!("a worker thread panicked"))?;
    }
    let mut total = 0;
    for (number, value) in receiver.try_iter().take(2) {
        if commentary {
            println!(
                "main thread: got {value} from worker thread {number} (same pid {}: threads share one process)",
                this_pid()
            );
        }
        total += value;
    }
    println!("{total}");
    Ok(ExitCode::SUCCESS)
}

/// How long the deadlock demo waits in `join()` before it calls the wait a deadlock.
pub const DEADLOCK_TIMEOUT: Duration = Duration::from_secs(2);

/// Each of two workers puts `payload_bytes` bytes. First the notes' order (join, then get),
/// which deadlocks once a payload does not fit in the pipe; then the fix (get, then join).
pub fn deadlock_demo(payload_bytes: usize) -> anyhow::Result<ExitCode> {
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

/// Moves `messages` u64 values from a child process to the parent and back checks them.
pub fn bench(messages: u64, with_python: bool) -> anyhow::Result<ExitCode> {
    if let Some(warning) = debug_build_warning() {
        println!("{warning}");
    }
    let expected_sum: u128 = u128::from(messages) * u128::from(messages.saturating_sub(1)) / 2;
    let put_each =
        time(|| send_through_queue(messages, false)).check(|sum| check_sum(sum, expected_sum))?;
    let rate = |elapsed: &Duration| (messages as f64 / elapsed.as_secs_f64()).round() as u64;
    let per_put = rate(put_each.time());
    println!(
        "queue throughput: {per_put} msgs/s  ({messages} u64 messages from one process to another; one write() per put; {BUILD})"
    );
    let batched =
        time(|| send_through_queue(messages, true)).check(|sum| check_sum(sum, expected_sum))?;
    println!(
        "queue throughput, batched: {} msgs/s  (the same, written {PIPE_BUF} bytes at a time: a message is seen only when its batch is written; {BUILD})",
        rate(batched.time())
    );
    let channel =
        time(|| send_through_channel(messages)).check(|sum| check_sum(&Ok(*sum), expected_sum))?;
    println!(
        "channel throughput, threads: {} msgs/s  (crossbeam-channel from one thread to another: no pipe, no encoding; {BUILD})",
        rate(channel.time())
    );
    if with_python {
        compare_with_python(messages, per_put)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn check_sum(sum: &anyhow::Result<u128>, expected: u128) -> Result<(), String> {
    match sum {
        Ok(sum) if *sum == expected => Ok(()),
        Ok(sum) => Err(format!("the values sum to {sum}, expected {expected}")),
        Err(err) => Err(format!("{err:#}")),
    }
}

/// A child puts 0..messages; the parent gets them all and sums them.
fn send_through_queue(messages: u64, batched: bool) -> anyhow::Result<u128> {
    let mut queue = Queue::<u64>::new()?;
    let mut producer = fork_child(|| {
        let sent = if batched {
            let mut batch = queue.batch();
            (0..messages)
                .try_for_each(|value| batch.put(&value))
                .and_then(|()| batch.flush())
        } else {
            (0..messages).try_for_each(|value| queue.put(&value))
        };
        i32::from(sent.is_err())
    })?;
    let mut sum = 0u128;
    for _ in 0..messages {
        let value = queue
            .get_timeout(Duration::from_secs(30))?
            .context("the producer stopped sending")?;
        sum += u128::from(value);
    }
    let status = producer.wait()?;
    if !status.success() {
        bail!("the producer failed: {status}");
    }
    Ok(sum)
}

fn send_through_channel(messages: u64) -> u128 {
    let (sender, receiver) = crossbeam::channel::unbounded();
    let producer = thread::spawn(move || {
        for value in 0..messages {
            sender
                .send(value)
                .expect("the receiver waits for every message");
        }
    });
    let sum = receiver.iter().map(u128::from).sum();
    producer.join().expect("the producer does not panic");
    sum
}

fn compare_with_python(messages: u64, rust_rate: u64) -> anyhow::Result<()> {
    let script = crate::python_dir().join("bench_queue.py");
    if let Some(output) =
        python::counterpart(&script, &["--messages".into(), messages.to_string()])?
    {
        let what = format!("{}, multiprocessing.Queue, same work", output.version);
        output.compare(
            "queue throughput",
            "msgs/s",
            rust_rate as f64,
            Better::Higher,
            &what,
        )?;
    }
    Ok(())
}
