//! The notes' program in Rust: two processes add 1 and 3 to one shared value, ten times each,
//! each one holding the lock for all of its ten steps. Notes: Lock.

use std::thread::sleep;
use std::time::Duration;

use crate::children::{join, start};
use crate::{LockedValue, PREFIX};

/// `step` is the notes' `time.sleep(0.1)`: 100 ms, unless `--step-ms` says otherwise.
pub fn job(total: &LockedValue<i32>, adds: i32, step: Duration) {
    let guard = total.acquire();
    for _ in 0..10 {
        sleep(step);
        guard.set(guard.get() + adds);
        println!("{}", guard.get());
    }
    drop(guard); // release()
}

pub fn multicore(step: Duration) -> anyhow::Result<()> {
    // Lock() and Value('i', 0) in one: the lock lives next to the value, in one segment.
    let total = LockedValue::<i32>::new_in(PREFIX, 0)?;
    // Process(target=job, args=(v, 1, l)) and start() in one call.
    let mut p1 = start(job, (&total, 1, step))?;
    let mut p2 = start(job, (&total, 3, step))?;
    join(&mut p1)?;
    join(&mut p2)?;
    Ok(())
}
