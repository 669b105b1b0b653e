//! A kept cheat of exercise lesson05/fix-the-race: the sleep between the read and the write is
//! removed, so the gap is short and a lost update rare, but the read and the write are still
//! two steps. The check must reject it.

use std::time::Duration;

use common::exercise::{input, inputs};
use lesson01_process::start::fork_child;
use lesson05_lock::race::SharedTotal;

fn add_at_every_step(total: &SharedTotal, amount: i32, steps: i32, _work: Duration) -> i32 {
    for _ in 0..steps {
        let seen = total.get();
        total.set(seen + amount);
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
