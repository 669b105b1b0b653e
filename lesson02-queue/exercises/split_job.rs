//! Exercise lesson02/split-job (Notes: Queue进程输出, 多线程多进程效率对比). Medium, about 25
//! minutes.
//!
//! Compute `job(1_000_000)` with W = 3 worker processes. Each worker takes its own share of
//! the i in 0..1000000, sums `i + i² + i³` over it, prints
//!
//!     worker <w>: pid <its pid>, i in <start>..<end>, sum <its sum>
//!
//! and puts its sum on the queue. The parent gets the three sums and prints
//!
//!     total: <the sum of the sums>
//!
//! which must equal job(1000000) = 249999833333583333000000. The shares must cover 0..1000000
//! with no gap and no overlap.
//! Useful: `common::job_range`, `lesson01_process::start::fork_child`, `nix::unistd::getpid`.
//!
//! Check your work:   cargo exercise lesson02/split-job
//! Stuck? A hint:     cargo exercise lesson02/split-job --hint 1   (then 2, then 3)

use std::ops::Range;

use common::process::Child;
use lesson02_queue::Queue;

const N: u64 = 1_000_000;
const WORKERS: u64 = 3;

// TODO: the share of worker `w` (0, 1, ... workers - 1) of the i in 0..n.
fn share(w: u64, workers: u64, n: u64) -> Range<u64> {
    todo!("the share of worker {w} of {workers}, for n = {n}")
}

// TODO: start worker `w`: it sums over `range`, prints its line, and puts its sum on `queue`.
fn start_worker(w: u64, range: Range<u64>, queue: &Queue<u128>) -> anyhow::Result<Child> {
    let _ = queue;
    todo!("start worker {w} on {range:?}")
}

fn main() -> anyhow::Result<()> {
    let mut queue = Queue::<u128>::new()?;
    let mut workers = Vec::new();
    for w in 0..WORKERS {
        workers.push(start_worker(w, share(w, WORKERS, N), &queue)?);
    }
    let mut total = 0;
    for _ in 0..WORKERS {
        total += queue.get()?;
    }
    for worker in &mut workers {
        let status = worker.wait()?;
        anyhow::ensure!(status.success(), "worker {} failed: {status}", worker.pid());
    }
    println!("total: {total}");
    Ok(())
}
