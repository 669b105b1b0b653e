//! Reference solution of exercise lesson02/split-job. Try the exercise first!

use std::ops::Range;

use common::exercise::input;
use common::job_range;
use common::process::Child;
use lesson01_process::start::fork_child;
use lesson02_queue::Queue;
use nix::unistd::getpid;

fn share(w: u64, workers: u64, n: u64) -> Range<u64> {
    w * n / workers..(w + 1) * n / workers
}

fn start_worker(w: u64, range: Range<u64>, queue: &Queue<u128>) -> anyhow::Result<Child> {
    fork_child(move || {
        let sum = job_range(range.clone()).expect("the checker's n fits in a u128");
        println!(
            "worker {w}: pid {}, i in {}..{}, sum {sum}",
            getpid(),
            range.start,
            range.end
        );
        i32::from(queue.put(&sum).is_err())
    })
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
