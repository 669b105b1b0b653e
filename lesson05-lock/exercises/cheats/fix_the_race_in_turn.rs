//! A kept cheat of exercise lesson05/fix-the-race: the workers run one after the other, so
//! no update can be lost, but they never run side by side. The check must reject it.

use std::thread;
use std::time::Duration;

use common::exercise::{input, inputs};
use lesson01_process::start::fork_child;
use lesson05_lock::race::SharedTotal;

fn add_at_every_step(total: &SharedTotal, amount: i32, steps: i32, work: Duration) -> i32 {
    for _ in 0..steps {
        let seen = total.get();
        thread::sleep(work);
        total.set(seen + amount);
    }
    0
}

fn main() -> anyhow::Result<()> {
    let steps: i32 = input("steps");
    let adds: Vec<i32> = inputs("adds");
    let work = Duration::from_millis(input("work_ms"));
    let total = SharedTotal::new_in("lesson05", 0)?;
    for &amount in &adds {
        let mut worker = fork_child(|| add_at_every_step(&total, amount, steps, work))?;
        let status = worker.wait()?;
        anyhow::ensure!(status.success(), "worker {} failed: {status}", worker.pid());
    }
    let expected: i32 = adds.iter().map(|amount| amount * steps).sum();
    println!("total: {} (expected {expected})", total.get());
    Ok(())
}
