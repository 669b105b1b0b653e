//! Exercise lesson04/counter-slots (Notes: 共享内存shared memory). Medium, about 20 minutes.
//!
//! A shared `Array('i', [0, 0, 0, 0])`: four slots, one child per slot. Child `k` adds 1 to
//! slot `k`, one step at a time, 1000 times. No two children touch the same slot, so no lock is
//! needed. When all four are joined, the parent prints
//!
//!     slots: [1000, 1000, 1000, 1000]
//!     total: 4000
//!
//! Useful: `slots[k].get()` and `slots[k].set(..)`, `lesson01_process::start::fork_child`.
//!
//! Check your work:   cargo exercise lesson04/counter-slots
//! Stuck? A hint:     cargo exercise lesson04/counter-slots --hint 1   (then 2, then 3)

use common::process::Child;
use common::pyfmt::py_list;
use lesson04_shared_memory::Array;

const SLOTS: usize = 4;
const STEPS: i32 = 1000;

// TODO: start the child that adds 1 to `slots[k]`, STEPS times.
fn start_counter(slots: &Array<i32>, k: usize) -> anyhow::Result<Child> {
    todo!(
        "start the counter of slot {k} of {}: {STEPS} steps",
        slots.len()
    )
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
