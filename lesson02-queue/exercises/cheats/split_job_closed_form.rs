//! A kept cheat of exercise lesson02/split-job: real workers, all at once, but each works out
//! its sum from the closed form instead of running the loop over its share, so no work is
//! shared at all. The check must reject it.

use std::ops::Range;

use common::exercise::input;
use common::job_closed_form;
use common::process::Child;
use lesson01_process::start::fork_child;
use lesson02_queue::Queue;
use nix::unistd::getpid;

fn start_worker(w: u64, range: Range<u64>, queue: &Queue<u128>) -> anyhow::Result<Child> {
    fork_child(move || {
        let job = |end| job_closed_form(end).unwrap_or_default();
        let sum = job(range.end) - job(range.start);
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
        let range = w * n / workers..(w + 1) * n / workers;
        started.push(start_worker(w, range, &queue)?);
    }
    let mut total = 0;
    for _ in 0..workers {
        total += queue.get()?;
    }
    for worker in &mut started {
        worker.wait()?;
    }
    println!("total: {total}");
    Ok(())
}
