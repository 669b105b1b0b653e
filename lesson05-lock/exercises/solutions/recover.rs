//! Reference solution of exercise lesson05/recover. Try the exercise first!

use std::thread;
use std::time::Duration;

use common::exercise::input;
use lesson01_process::start::fork_child;
use lesson05_lock::LockedValue;

fn main() -> anyhow::Result<()> {
    let left: i32 = input("left");
    let adds: i32 = input("adds");
    let total = LockedValue::<i32>::new_in("lesson05", 0)?;
    let mut worker = fork_child(|| {
        let guard = total.lock().expect("nobody has died yet");
        guard.set(left);
        // Sleeps holding the lock until the checker kills it: the guard is never dropped.
        thread::sleep(Duration::from_secs(60));
        1
    })?;
    println!("worker {}: {}", worker.pid(), worker.wait()?);

    let guard = match total.lock() {
        Ok(guard) => guard,
        Err(dead) => {
            let guard = dead.recover();
            println!("the holder died; value {}", guard.get());
            guard
        }
    };
    guard.set(guard.get() + adds);
    println!("value after recovery: {}", guard.get());
    drop(guard);

    match total.lock() {
        Ok(_guard) => println!("locked again: no error"),
        Err(dead) => anyhow::bail!("still marked as dead after the recovery: {dead}"),
    }
    Ok(())
}
