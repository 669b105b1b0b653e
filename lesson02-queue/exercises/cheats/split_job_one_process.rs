//! A kept cheat of exercise lesson02/split-job: the parent runs the whole loop itself, and
//! starts children that only sleep, to print their real pids as the workers'. The check must
//! reject it.

use std::thread;
use std::time::Duration;

use common::exercise::input;
use common::job_range;
use lesson01_process::start::fork_child;

fn main() -> anyhow::Result<()> {
    let n: u64 = input("n");
    let workers: u64 = input("workers");
    let mut sleepers = Vec::new();
    for _ in 0..workers {
        sleepers.push(fork_child(|| {
            thread::sleep(Duration::from_secs(60));
            0
        })?);
    }
    let mut total = 0;
    for (w, sleeper) in (0..workers).zip(&sleepers) {
        let (start, end) = (w * n / workers, (w + 1) * n / workers);
        let sum = job_range(start..end)?;
        println!(
            "worker {w}: pid {}, i in {start}..{end}, sum {sum}",
            sleeper.pid()
        );
        total += sum;
    }
    println!("total: {total}");
    // Dropping a `Child` kills it.
    drop(sleepers);
    Ok(())
}
