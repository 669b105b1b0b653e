//! Exercise lesson04/global-not-shared (Notes: 共享内存shared memory). Easy, about 10 minutes.
//!
//! A child adds 1 to the global `COUNTER` five times; then the parent prints what it sees. As
//! shipped it prints `parent sees 0`: the child changed its own copy of the global, in its own
//! memory. Make the counter shared, so that the program prints
//!
//!     parent sees 5
//!
//! Useful: `lesson04_shared_memory::Value` (`Value::<i32>::new(0)?`, `get`, `set`). Create it
//! before the fork, so the child inherits the mapping.
//!
//! Check your work:   cargo exercise lesson04/global-not-shared
//! Stuck? A hint:     cargo exercise lesson04/global-not-shared --hint 1   (then 2, then 3)

use std::sync::atomic::AtomicI32;
use std::sync::atomic::Ordering::SeqCst;

use lesson01_process::start::fork_child;

// TODO: a global lives in each process's own memory. Replace it with a shared Value.
static COUNTER: AtomicI32 = AtomicI32::new(0);

fn main() -> anyhow::Result<()> {
    let mut child = fork_child(|| {
        for _ in 0..5 {
            COUNTER.fetch_add(1, SeqCst);
        }
        0
    })?;
    child.wait()?;
    println!("parent sees {}", COUNTER.load(SeqCst));
    Ok(())
}
