//! A kept cheat of exercise lesson02/split-job: real workers that really run the loop, but
//! the parent waits for each before it starts the next, so they never share the machine.
//! The check must reject it.

use common::exercise::input;
use common::job_range;
use lesson01_process::start::fork_child;
use lesson02_queue::Queue;
use nix::unistd::getpid;

fn main() -> anyhow::Result<()> {
    let n: u64 = input("n");
    let workers: u64 = input("workers");
    let mut queue = Queue::<u128>::new()?;
    let mut total = 0;
    for w in 0..workers {
        let range = w * n / workers..(w + 1) * n / workers;
        let queue_ref = &queue;
        let mut worker = fork_child(move || {
            let sum = job_range(range.clone()).unwrap_or_default();
            println!(
                "worker {w}: pid {}, i in {}..{}, sum {sum}",
                getpid(),
                range.start,
                range.end
            );
            i32::from(queue_ref.put(&sum).is_err())
        })?;
        total += queue.get()?;
        worker.wait()?;
    }
    println!("total: {total}");
    Ok(())
}
