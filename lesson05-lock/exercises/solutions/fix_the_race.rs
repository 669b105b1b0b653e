//! Reference solution of exercise lesson05/fix-the-race. Try the exercise first!

use std::thread;
use std::time::Duration;

use lesson01_process::start::fork_child;
use lesson05_lock::{LockedValue, OwnerDied};

const STEPS: i32 = 50;

fn add_one_at_a_time(total: &LockedValue<i32>) -> i32 {
    for _ in 0..STEPS {
        // Read, work and write while holding the lock: the three are one step for the other
        // process. (If the other process died holding the lock, carry on with it.)
        let guard = total.lock().unwrap_or_else(OwnerDied::recover);
        let seen = guard.get();
        thread::sleep(Duration::from_millis(1));
        guard.set(seen + 1);
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
