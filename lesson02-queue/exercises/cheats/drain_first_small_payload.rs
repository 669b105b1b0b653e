//! A kept cheat of exercise lesson02/drain-first: it keeps the notes' order (join, then get)
//! and makes it finish by sending results small enough to fit in the pipe, instead of the
//! `payload` bytes asked for. The check must reject it.

use std::thread;
use std::time::Duration;

use common::exercise::input;
use lesson01_process::start::fork_child;
use lesson02_queue::Queue;

/// Small enough that every worker's result fits in the pipe at once.
const SMALL: usize = 1000;

fn main() -> anyhow::Result<()> {
    let workers: u8 = input("workers");
    let sleep_ms: u64 = input("sleep_ms");
    let mut results = Queue::<Vec<u8>>::new()?;
    let mut started = Vec::new();
    for w in 0..workers {
        let results = &results;
        started.push(fork_child(move || {
            thread::sleep(Duration::from_millis(sleep_ms));
            let result = vec![w; SMALL];
            i32::from(results.put(&result).is_err())
        })?);
    }
    let mut joined = Vec::new();
    for worker in &mut started {
        joined.push((worker.pid(), worker.wait()?));
    }
    for _ in 0..workers {
        let result = results.get()?;
        let from = result.first().copied().unwrap_or_default();
        println!("got {} bytes from worker {from}", result.len());
    }
    for (w, (pid, status)) in joined.into_iter().enumerate() {
        println!("joined worker {w}: pid {pid}, {status}");
    }
    Ok(())
}
