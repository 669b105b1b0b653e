//! Exercise lesson05/fix-the-race (Notes: Lock). Easy, about 10 minutes.
//!
//! Two processes each add 1 to a shared total, 50 times. The total should end at 100, but run
//! this program: it ends far below. Each step reads the total, works a little (the sleep), and
//! writes back what it read plus 1; the two processes lose each other's updates.
//!
//! Fix the race with the lock that lives next to the total, in the same shared-memory segment
//! (`total.lock()`), so that the program prints
//!
//!     total: 100 (expected 100)
//!
//! Keep the sleep: it stands for the work a step does between its read and its write.
//! Useful: `LockedValue::lock`, which returns a guard; `guard.get()`, `guard.set(..)`.
//!
//! Check your work:   cargo exercise lesson05/fix-the-race
//! Stuck? A hint:     cargo exercise lesson05/fix-the-race --hint 1   (then 2, then 3)

use std::thread;
use std::time::Duration;

use lesson01_process::start::fork_child;
use lesson05_lock::LockedValue;

const STEPS: i32 = 50;

fn add_one_at_a_time(total: &LockedValue<i32>) -> i32 {
    for _ in 0..STEPS {
        // TODO: the other process may write between this read and the write below. Fix it.
        let seen = total.get();
        thread::sleep(Duration::from_millis(1));
        total.set(seen + 1);
    }
    0
}

fn main() -> anyhow::Result<()> {
    let total = LockedValue::<i32>::new_in("lesson05", 0)?;
    let mut workers = [
        fork_child(|| add_one_at_a_time(&total))?,
        fork_child(|| add_one_at_a_time(&total))?,
    ];
    for worker in &mut workers {
        let status = worker.wait()?;
        anyhow::ensure!(status.success(), "worker {} failed: {status}", worker.pid());
    }
    println!("total: {} (expected {})", total.get(), 2 * STEPS);
    Ok(())
}
