//! Exercise lesson02/drain-first (Notes: Queue进程输出). Easy, about 10 minutes.
//!
//! This program has the notes' bug. `workers` worker processes each sleep `sleep_ms`, then
//! put a result of `payload` bytes on the queue (worker `w`'s bytes are all `w`), and the
//! parent joins them before it gets the results. Run it: it never ends. (The checker stops it
//! after 5 seconds, and the workers die with it.)
//!
//! Find out why, and fix it, so that the parent gets every result and joins every worker.
//! It prints, for each result it gets (in the order they come),
//!
//!     got <bytes> bytes from worker <w>
//!
//! and, for each worker it joined, in order 0, 1, 2, ...
//!
//!     joined worker <w>: pid <pid>, exit code 0
//!
//! `cargo exercise` chooses `workers`, `payload` (always more than a pipe holds) and
//! `sleep_ms` afresh for every check; the code below already reads them with
//! `common::exercise::input`. The checker watches your workers from outside while they
//! sleep: every pid you print must be a real child of your program.
//!
//! Check your work:   cargo exercise lesson02/drain-first
//! Stuck? A hint:     cargo exercise lesson02/drain-first --hint 1   (then 2, then 3)

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

    // TODO: this order is the notes' order, and it never finishes here. Why? Fix it.
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
