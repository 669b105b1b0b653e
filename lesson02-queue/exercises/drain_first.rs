//! Exercise lesson02/drain-first (Notes: Queue进程输出). Easy, about 10 minutes.
//!
//! This program has the notes' bug. Two workers each put a 100 000-byte result on the queue,
//! and the parent joins them before it gets the results. Run it: it never ends. (The checker
//! stops it after 5 seconds, and the workers die with it.)
//!
//! Find out why, and fix it so that the program prints
//!
//!     got 2 results of 100000 bytes
//!     joined worker <pid>: exit code 0
//!     joined worker <pid>: exit code 0
//!
//! Check your work:   cargo exercise lesson02/drain-first
//! Stuck? A hint:     cargo exercise lesson02/drain-first --hint 1   (then 2, then 3)

use lesson01_process::start::fork_child;
use lesson02_queue::Queue;

const RESULT_BYTES: usize = 100_000;

fn main() -> anyhow::Result<()> {
    let mut results = Queue::<Vec<u8>>::new()?;
    let mut workers = Vec::new();
    for _ in 0..2 {
        let results = &results;
        workers.push(fork_child(move || {
            let result = vec![7u8; RESULT_BYTES];
            i32::from(results.put(&result).is_err())
        })?);
    }

    // TODO: this order is the notes' order, and it never finishes here. Why? Fix it.
    let mut joined = Vec::new();
    for worker in &mut workers {
        joined.push((worker.pid(), worker.wait()?));
    }
    let mut received = 0;
    for _ in 0..2 {
        let result = results.get()?;
        anyhow::ensure!(result.len() == RESULT_BYTES, "a result arrived short");
        received += 1;
    }

    println!("got {received} results of {RESULT_BYTES} bytes");
    for (pid, status) in joined {
        println!("joined worker {pid}: {status}");
    }
    Ok(())
}
