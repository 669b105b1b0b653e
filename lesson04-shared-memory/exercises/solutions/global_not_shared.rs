//! Reference solution of exercise lesson04/global-not-shared. Try the exercise first!

use std::thread;
use std::time::Duration;

use common::exercise::input;
use lesson01_process::start::fork_child;
use lesson04_shared_memory::Value;
use lesson04_shared_memory::work::amount;

fn main() -> anyhow::Result<()> {
    let seed: u64 = input("seed");
    let steps: u64 = input("steps");
    let sleep_ms: u64 = input("sleep_ms");
    // Created before the fork: the child's copy of `counter` maps the same segment.
    let counter = Value::<i32>::new(0)?;
    let mut child = fork_child(|| {
        for i in 0..steps {
            counter.set(counter.get() + amount(seed, i));
        }
        thread::sleep(Duration::from_millis(sleep_ms));
        0
    })?;
    child.wait()?;
    println!("parent sees {}", counter.get());
    Ok(())
}
