//! Reference solution of exercise lesson02/drain-first. Try the exercise first!

use std::thread;
use std::time::Duration;

use common::exercise::input;
use lesson01_process::start::fork_child;
use lesson02_queue::Queue;

fn main() -> anyhow::Result<()> {
    let workers: u8 = input("workers");
    let payload: usize = input("payload");
    let sleep_ms: u64 = input("sleep_ms");
    let mut results = Queue::<Vec<u8>>::new()?;
    let mut started = Vec::new();
    for w in 0..workers {
        let results = &results;
        started.push(fork_child(move || {
            thread::sleep(Duration::from_millis(sleep_ms));
            let result = vec![w; payload];
            i32::from(results.put(&result).is_err())
        })?);
    }

    // Get first: a worker's put() of more than the pipe holds only finishes once someone
    // reads, and a worker whose put() has not finished cannot exit, so join() would wait for
    // ever.
    for _ in 0..workers {
        let result = results.get()?;
        let from = result.first().copied().unwrap_or_default();
        println!("got {} bytes from worker {from}", result.len());
    }
    let mut joined = Vec::new();
    for worker in &mut started {
        joined.push((worker.pid(), worker.wait()?));
    }

    for (w, (pid, status)) in joined.into_iter().enumerate() {
        println!("joined worker {w}: pid {pid}, {status}");
    }
    Ok(())
}
