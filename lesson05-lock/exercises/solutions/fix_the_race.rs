//! Reference solution of exercise lesson05/fix-the-race. Try the exercise first!

use std::thread;
use std::time::Duration;

use common::exercise::{input, inputs};
use lesson01_process::start::fork_child;
use lesson05_lock::OwnerDied;
use lesson05_lock::race::SharedTotal;

fn add_at_every_step(total: &SharedTotal, amount: i32, steps: i32, work: Duration) -> i32 {
    for _ in 0..steps {
        // Read, work and write while holding the lock: the three are one step for the other
        // process. (If the other process died holding the lock, carry on with it.)
        let guard = total.lock().unwrap_or_else(OwnerDied::recover);
        let seen = guard.get();
        thread::sleep(work);
        guard.set(seen + amount);
    }
    0
}

fn main() -> anyhow::Result<()> {
    let steps: i32 = input("steps");
    let adds: Vec<i32> = inputs("adds");
    let work = Duration::from_millis(input("work_ms"));
    let total = SharedTotal::new_in("lesson05", 0)?;
    let mut workers = Vec::new();
    for &amount in &adds {
        workers.push(fork_child(|| {
            add_at_every_step(&total, amount, steps, work)
        })?);
    }
    for worker in &mut workers {
        let status = worker.wait()?;
        anyhow::ensure!(status.success(), "worker {} failed: {status}", worker.pid());
    }
    let expected: i32 = adds.iter().map(|amount| amount * steps).sum();
    println!("total: {} (expected {expected})", total.get());
    Ok(())
}
