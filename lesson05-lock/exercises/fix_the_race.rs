//! Exercise lesson05/fix-the-race (Notes: Lock). Easy, about 10 minutes.
//!
//! Two worker processes add to one shared total, `steps` times each: the first adds `adds[0]`
//! at every step, the second `adds[1]`. A step reads the total, works a little (a sleep of
//! `work_ms`), and writes back what it read plus its amount. Run it: the total ends far below
//! `steps * (adds[0] + adds[1])`, because each process overwrites the other's updates.
//!
//! `cargo exercise` chooses `steps`, `adds` and `work_ms` afresh for every check (the code
//! below already reads them with `common::exercise::{input, inputs}`), computes the total it
//! expects, and watches from outside that both workers run as processes at the same time.
//! The total is a `lesson05_lock::race::SharedTotal`: a `LockedValue<i32>` in shared memory
//! whose read without the lock waits for the other worker to read too, so the race shows at
//! every step instead of now and then. Removing the sleep does not fix it, and running the
//! workers one after the other is not a fix either: the checker wants them side by side.
//!
//! Fix the race with the lock that lives next to the total (`total.lock()`), so that the
//! program prints
//!
//!     total: <n> (expected <n>)
//!
//! Keep the sleep: it stands for the work a step does between its read and its write.
//! Useful: `SharedTotal::lock`, which returns a guard; `guard.get()`, `guard.set(..)`.
//!
//! Check your work:   cargo exercise lesson05/fix-the-race
//! Stuck? A hint:     cargo exercise lesson05/fix-the-race --hint 1   (then 2, then 3)

use std::thread;
use std::time::Duration;

use common::exercise::{input, inputs};
use lesson01_process::start::fork_child;
use lesson05_lock::race::SharedTotal;

fn add_at_every_step(total: &SharedTotal, amount: i32, steps: i32, work: Duration) -> i32 {
    for _ in 0..steps {
        // TODO: the other process may write between this read and the write below. Fix it.
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
