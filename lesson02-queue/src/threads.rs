//! `--threads`: the notes' queue program with two threads and a crossbeam channel. No pipe and
//! no encoding: the `u128` itself moves from one thread to the other, inside one process.

use std::process::ExitCode;
use std::thread;

use anyhow::Context;

use crate::walkthrough::{N, this_pid};

/// The same program with two threads; `plain` prints only the sum, as the notes do.
pub fn run(plain: bool) -> anyhow::Result<ExitCode> {
    let commentary = !plain;
    if commentary {
        println!(
            "lesson02-queue --threads: two threads send job({N}) down a crossbeam channel; no pipe, no encoding: the u128 itself moves"
        );
    }
    let (sender, receiver) = crossbeam::channel::unbounded();
    let workers = (1..=2)
        .map(|number| {
            let sender = sender.clone();
            thread::Builder::new().spawn(move || {
                let value = common::job(N).expect("job(1000) fits in a u128");
                // Only fails if the main thread gave up (it could not start the other worker).
                let _ = sender.send((number, value));
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .context("cannot start a worker thread")?;
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
