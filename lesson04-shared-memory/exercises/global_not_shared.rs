//! Exercise lesson04/global-not-shared (Notes: 共享内存shared memory). Easy, about 10 minutes.
//!
//! A child counts: for every step `i` in `0..steps` it adds `amount(seed, i)` (a number from 1
//! to 9) to the global `COUNTER`. Then the parent prints what it sees. As shipped it prints
//! `parent sees 0`: the child changed its own copy of the global, in its own memory. Make the
//! counter shared, so that the parent prints the child's count:
//!
//!     parent sees <the child's count>
//!
//! `cargo exercise` chooses `seed`, `steps` and `sleep_ms` afresh for every check (the given
//! code reads them with `common::exercise::input`) and works the count out itself. It also
//! watches your processes from outside: the counting must happen in the child (it costs a
//! visible amount of CPU time), and the parent must only read the result.
//! Useful: `lesson04_shared_memory::Value` (`Value::<i32>::new(0)?`, `get`, `set`). Create it
//! before the fork, so the child inherits the mapping.
//!
//! Check your work:   cargo exercise lesson04/global-not-shared
//! Stuck? A hint:     cargo exercise lesson04/global-not-shared --hint 1   (then 2, then 3)

use std::sync::atomic::AtomicI32;
use std::sync::atomic::Ordering::SeqCst;
use std::thread;
use std::time::Duration;

use common::exercise::input;
use lesson01_process::start::fork_child;
use lesson04_shared_memory::work::amount;

// TODO: a global lives in each process's own memory. Replace it with a shared Value.
static COUNTER: AtomicI32 = AtomicI32::new(0);

fn main() -> anyhow::Result<()> {
    let seed: u64 = input("seed");
    let steps: u64 = input("steps");
    let sleep_ms: u64 = input("sleep_ms");
    let mut child = fork_child(|| {
        for i in 0..steps {
            COUNTER.fetch_add(amount(seed, i), SeqCst);
        }
        // Gives `cargo exercise` time to see the child's CPU time before it ends.
        thread::sleep(Duration::from_millis(sleep_ms));
        0
    })?;
    child.wait()?;
    println!("parent sees {}", COUNTER.load(SeqCst));
    Ok(())
}
