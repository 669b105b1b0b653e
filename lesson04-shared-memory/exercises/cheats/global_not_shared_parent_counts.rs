//! A kept cheat of exercise lesson04/global-not-shared: the child still counts in its own copy
//! of the global, and the parent counts again, itself, and prints its own count. The check
//! must reject it: the count must come from the child.

use std::sync::atomic::AtomicI32;
use std::sync::atomic::Ordering::SeqCst;
use std::thread;
use std::time::Duration;

use common::exercise::input;
use lesson01_process::start::fork_child;
use lesson04_shared_memory::work::amount;

static COUNTER: AtomicI32 = AtomicI32::new(0);

fn main() -> anyhow::Result<()> {
    let seed: u64 = input("seed");
    let steps: u64 = input("steps");
    let sleep_ms: u64 = input("sleep_ms");
    let mut child = fork_child(|| {
        for i in 0..steps {
            COUNTER.fetch_add(amount(seed, i), SeqCst);
        }
        thread::sleep(Duration::from_millis(sleep_ms));
        0
    })?;
    child.wait()?;
    for i in 0..steps {
        COUNTER.fetch_add(amount(seed, i), SeqCst);
    }
    println!("parent sees {}", COUNTER.load(SeqCst));
    Ok(())
}
