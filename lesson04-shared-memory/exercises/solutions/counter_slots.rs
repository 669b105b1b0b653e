//! Reference solution of exercise lesson04/counter-slots. Try the exercise first!

use common::process::Child;
use common::pyfmt::py_list;
use lesson01_process::start::fork_child;
use lesson04_shared_memory::Array;

const SLOTS: usize = 4;
const STEPS: i32 = 1000;

fn start_counter(slots: &Array<i32>, k: usize) -> anyhow::Result<Child> {
    fork_child(|| {
        for _ in 0..STEPS {
            slots[k].set(slots[k].get() + 1);
        }
        0
    })
}

fn main() -> anyhow::Result<()> {
    let slots = Array::<i32>::from_slice(&[0; SLOTS])?;
    let mut children = Vec::new();
    for k in 0..SLOTS {
        children.push(start_counter(&slots, k)?);
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
