//! Reference solution of exercise lesson04/counter-slots. Try the exercise first!

use std::thread;
use std::time::Duration;

use common::exercise::{input, inputs};
use common::process::Child;
use common::pyfmt::py_list;
use lesson01_process::start::fork_child;
use lesson04_shared_memory::Array;
use lesson04_shared_memory::work::amount;

fn start_counter(
    slots: &Array<i32>,
    k: usize,
    seed: u64,
    steps: u64,
    sleep_ms: u64,
) -> anyhow::Result<Child> {
    fork_child(|| {
        for i in 0..steps {
            slots[k].set(slots[k].get() + amount(seed, i));
        }
        thread::sleep(Duration::from_millis(sleep_ms));
        0
    })
}

fn main() -> anyhow::Result<()> {
    let seeds: Vec<u64> = inputs("seeds");
    let steps: u64 = input("steps");
    let sleep_ms: u64 = input("sleep_ms");
    let slots = Array::<i32>::from_slice(&vec![0; seeds.len()])?;
    let mut children = Vec::new();
    for (k, &seed) in seeds.iter().enumerate() {
        children.push(start_counter(&slots, k, seed, steps, sleep_ms)?);
    }
    for child in &mut children {
        let status = child.wait()?;
        anyhow::ensure!(status.success(), "child {} failed: {status}", child.pid());
    }
    let counts = slots.to_vec();
    println!("slots: {}", py_list(&counts));
    println!("total: {}", counts.iter().sum::<i32>());
    Ok(())
}
