//! A kept cheat of exercise lesson05/recover: once the worker is dead it never takes the lock
//! again; it reads and writes the value without it and prints the lines the check wants. The
//! check must reject it.

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
        thread::sleep(Duration::from_secs(60));
        1
    })?;
    println!("worker {}: {}", worker.pid(), worker.wait()?);
    println!("the holder died; value {}", total.get());
    total.set(total.get() + adds);
    println!("value after recovery: {}", total.get());
    println!("locked again: no error");
    Ok(())
}
