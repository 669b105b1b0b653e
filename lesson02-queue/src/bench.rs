//! `--bench`: how many messages a second the queue moves from one process to another, one
//! `write()` per put and batched, against a std channel between threads and (with
//! `--python`) CPython's `multiprocessing.Queue`. Every rate is printed only after the sum of
//! what arrived was checked.

use std::fmt::Write;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail};
use common::python::{self, Better};
use common::timing::{BUILD, debug_build_warning, time};
use lesson01_process::start::fork_child;
use serde::{Deserialize, Serialize};

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
    let structs = time(|| send_structs(messages))
        .succeeded()?
        .check(|wrong| check_none_wrong(*wrong))?;
    let per_message = |elapsed: &Duration| elapsed.as_secs_f64() * 1e9 / messages as f64;
    println!(
        "queue, a small struct: {:.0} ns per message against {:.0} for a u64  ({messages} Orders {{ customer: String, items: Vec<u64> }} serialized by serde, each checked equal on arrival; {BUILD})",
        per_message(structs.time()),
        per_message(put_each.time())
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
        "channel throughput, threads: {} msgs/s  (std::sync::mpsc from one thread to another: no pipe, no serde; {BUILD})",
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

/// A small struct, as a program would send: serde serializes it, as pickle would in Python.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Order {
    customer: String,
    items: Vec<u64>,
}

impl Order {
    fn new() -> Self {
        Self {
            customer: String::with_capacity(32),
            items: vec![0; 3],
        }
    }

    /// Makes this the `number`th order, reusing its memory: no allocation is timed but the
    /// receiver's.
    fn set(&mut self, number: u64) {
        self.customer.clear();
        let _ = write!(self.customer, "customer {number}");
        for (item, value) in self.items.iter_mut().zip(number..) {
            *item = value;
        }
    }
}

/// A child puts `messages` orders; the parent gets them and counts those not equal to what
/// was sent.
fn send_structs(messages: u64) -> anyhow::Result<u64> {
    let mut queue = Queue::<Order>::new()?;
    let producer = fork_child(|| {
        let mut order = Order::new();
        let sent = (0..messages).try_for_each(|number| {
            order.set(number);
            queue.put(&order)
        });
        i32::from(sent.is_err())
    });
    let mut producer = producer.context("cannot start the producer process")?;
    let mut expected = Order::new();
    let mut wrong = 0;
    for number in 0..messages {
        let order = queue
            .get_timeout(Duration::from_secs(30))?
            .context("the producer stopped sending")?;
        expected.set(number);
        wrong += u64::from(order != expected);
    }
    let status = producer.wait()?;
    if !status.success() {
        bail!("the producer failed: {status}");
    }
    Ok(wrong)
}

fn check_none_wrong(wrong: u64) -> Result<(), String> {
    if wrong == 0 {
        Ok(())
    } else {
        Err(format!(
            "{wrong} orders arrived different from what was sent"
        ))
    }
}

fn send_through_channel(messages: u64) -> anyhow::Result<u128> {
    // One producer, one consumer: std's channel does this as well as crossbeam's (since Rust
    // 1.67 it is a port of crossbeam-channel); crossbeam earns its place in `threads`.
    let (sender, receiver) = std::sync::mpsc::channel();
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
