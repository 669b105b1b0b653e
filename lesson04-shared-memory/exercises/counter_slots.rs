//! Exercise lesson04/counter-slots (Notes: 共享内存shared memory). Medium, about 20 minutes.
//!
//! A shared `Array('i', [0, 0, ...])` with one slot per entry of `seeds`, and one child per
//! slot. Child `k` fills slot `k`: for every step `i` in `0..steps` it adds
//! `amount(seeds[k], i)` (a number from 1 to 9) to `slots[k]`, one step at a time; then it
//! sleeps `sleep_ms` milliseconds and exits with exit code 0. No two children touch the same
//! slot, so no lock is needed. When all are joined, the parent prints, e.g.
//!
//!     slots: [5001234, 4998765, 5000321]
//!     total: 15000320
//!
//! `cargo exercise` chooses `seeds`, `steps` and `sleep_ms` afresh for every check (the given
//! code reads them with `common::exercise::inputs` and `input`) and works the counts out
//! itself. It also watches your processes from outside while they run: every slot must be
//! filled by a child of its own (each costs a visible amount of CPU time, and none of it in the
//! parent), and the children must run at the same time.
//! Useful: `slots[k].get()` and `slots[k].set(..)`, `lesson01_process::start::fork_child`,
//! `lesson04_shared_memory::work::amount`.
//!
//! Check your work:   cargo exercise lesson04/counter-slots
//! Stuck? A hint:     cargo exercise lesson04/counter-slots --hint 1   (then 2, then 3)

use common::exercise::{input, inputs};
use common::process::Child;
use common::pyfmt::py_list;
use lesson04_shared_memory::Array;

// TODO: start the child that fills `slots[k]`: for every `i` in `0..steps` it adds
// `amount(seed, i)` to the slot; then it sleeps `sleep_ms` ms and exits with 0.
fn start_counter(
    slots: &Array<i32>,
    k: usize,
    seed: u64,
    steps: u64,
    sleep_ms: u64,
) -> anyhow::Result<Child> {
    todo!(
        "start the counter of slot {k} of {}: {steps} steps with seed {seed}, then sleep {sleep_ms} ms",
        slots.len()
    )
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
