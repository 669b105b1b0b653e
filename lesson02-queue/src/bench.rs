//! `--bench`: how many messages a second the queue moves from one process to another, one
//! `write()` per put and batched, against a crossbeam channel between threads and (with
//! `--python`) CPython's `multiprocessing.Queue`. Every rate is printed only after the sum of
//! what arrived was checked.

use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail};
use common::python::{self, Better};
use common::timing::{BUILD, debug_build_warning, time};
use lesson01_process::start::fork_child;

use crate::queue::{PIPE_BUF, Queue};

/// Moves `messages` u64 values from a child process to the parent and back checks them.
pub fn run(messages: u64, with_python: bool) -> anyhow::Result<ExitCode> {
    if let Some(warning) = debug_build_warning() {
        println!("{warning}");
    }
    let expected_sum: u128 = u128::from(messages) * u128::from(messages.saturating_sub(1)) / 2;
    let put_each = time(|| send_through_queue(messages, false))
        .succeeded()?
        .check(|sum| check_sum(*sum, expected_sum))?;
    let rate = |elapsed: &Duration| (messages as f64 / elapsed.as_secs_f64()).round() as u64;
    let per_put = rate(put_each.time());
    println!(
        "queue throughput: {per_put} msgs/s  ({messages} u64 messages from one process to another; one write() per put; {BUILD})"
    );
    let batched = time(|| send_through_queue(messages, true))
        .succeeded()?
        .check(|sum| check_sum(*sum, expected_sum))?;
    println!(
        "queue throughput, batched: {} msgs/s  (the same, written {PIPE_BUF} bytes at a time: a message is seen only when its batch is written; {BUILD})",
        rate(batched.time())
    );
    let channel = time(|| send_through_channel(messages))
        .succeeded()?
        .check(|sum| check_sum(*sum, expected_sum))?;
    println!(
        "channel throughput, threads: {} msgs/s  (crossbeam-channel from one thread to another: no pipe, no encoding; {BUILD})",
        rate(channel.time())
    );
    if with_python {
        compare_with_python(messages, per_put)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn check_sum(sum: u128, expected: u128) -> Result<(), String> {
    if sum == expected {
        Ok(())
    } else {
        Err(format!("the values sum to {sum}, expected {expected}"))
    }
}

/// A child puts 0..messages; the parent gets them all and sums them.
fn send_through_queue(messages: u64, batched: bool) -> anyhow::Result<u128> {
    let mut queue = Queue::<u64>::new()?;
    let producer = fork_child(|| {
        let sent = if batched {
            let mut batch = queue.batch();
            (0..messages)
                .try_for_each(|value| batch.put(&value))
                .and_then(|()| batch.flush())
        } else {
            (0..messages).try_for_each(|value| queue.put(&value))
        };
        i32::from(sent.is_err())
    });
    let mut producer = producer.context("cannot start the producer process")?;
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

fn send_through_channel(messages: u64) -> anyhow::Result<u128> {
    let (sender, receiver) = crossbeam::channel::unbounded();
    let producer = thread::Builder::new()
        .spawn(move || {
            for value in 0..messages {
                sender
                    .send(value)
                    .expect("the receiver waits for every message");
            }
        })
        .context("cannot start the producer thread")?;
    let sum = receiver.iter().map(u128::from).sum();
    producer.join().expect("the producer does not panic");
    Ok(sum)
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
