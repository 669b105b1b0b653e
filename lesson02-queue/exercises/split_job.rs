//! Exercise lesson02/split-job (Notes: Queue进程输出, 多线程多进程效率对比). Medium, about 25
//! minutes.
//!
//! Compute `job(n)` with `workers` worker processes, all running at the same time. Worker `w`
//! (0, 1, ... workers - 1) takes its own share of the i in 0..n, runs the loop that sums
//! `i + i² + i³` over it (`common::job_range`), prints
//!
//!     worker <w>: pid <its pid>, i in <start>..<end>, sum <its sum>
//!
//! and puts its sum on the queue. The parent gets the sums and prints
//!
//!     total: <the sum of the sums>
//!
//! which must equal job(n). The shares must cover 0..n with no gap and no overlap, and be as
//! equal as possible (their sizes differ by one at most).
//!
//! `cargo exercise` chooses `n` and `workers` afresh for every check; the code below already
//! reads them with `common::exercise::input`. The checker watches your program from outside:
//! every pid you print must be a real child, each worker must be seen doing its share of the
//! loop (its CPU time, not the parent's), and all of them alive at the same time.
//! Useful: `common::job_range`, `lesson01_process::start::fork_child`, `nix::unistd::getpid`.
//!
//! Check your work:   cargo exercise lesson02/split-job
//! Stuck? A hint:     cargo exercise lesson02/split-job --hint 1   (then 2, then 3)

use std::ops::Range;

use common::exercise::input;
use common::process::Child;
use lesson02_queue::Queue;

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
    let n: u64 = input("n");
    let workers: u64 = input("workers");
    let mut queue = Queue::<u128>::new()?;
    let mut started = Vec::new();
    for w in 0..workers {
        started.push(start_worker(w, share(w, workers, n), &queue)?);
    }
    let mut total = 0;
    for _ in 0..workers {
        total += queue.get()?;
    }
    for worker in &mut started {
        let status = worker.wait()?;
        anyhow::ensure!(status.success(), "worker {} failed: {status}", worker.pid());
    }
    println!("total: {total}");
    Ok(())
}
