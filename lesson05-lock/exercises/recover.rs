//! Exercise lesson05/recover (Notes: Lock). Medium, about 15 minutes.
//!
//! A worker process takes the lock, sets the shared value to `left`, and sleeps holding the
//! lock until `cargo exercise`, watching from outside, kills it with SIGKILL. In CPython the
//! parent would now wait for ever. Our lock is robust: the parent's `lock()` returns
//! `Err(OwnerDied)` to say that the holder died, and the parent holds the lock all the same.
//!
//! As shipped, the parent does not expect that, and panics. Make it handle the dead holder:
//! report it with the value the holder left, take the lock with `recover()`, add `adds`, and
//! then show that the lock works as usual again. The program should print (with the worker's
//! real pid, and the numbers of this check):
//!
//!     worker <pid>: killed by signal SIGKILL
//!     the holder died; value <left>
//!     value after recovery: <left + adds>
//!     locked again: no error
//!
//! `cargo exercise` chooses `left` and `adds` afresh for every check (the code below already
//! reads them with `common::exercise::input`) and checks that the worker it killed is the one
//! your program reports.
//! Useful: `match total.lock() { Ok(guard) => ..., Err(dead) => ... }`, `OwnerDied::recover`.
//! It is the same shape as `std::sync::Mutex::lock` and `PoisonError::into_inner`.
//!
//! Check your work:   cargo exercise lesson05/recover
//! Stuck? A hint:     cargo exercise lesson05/recover --hint 1   (then 2, then 3)

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
        // Sleeps holding the lock until the checker kills it: the guard is never dropped.
        thread::sleep(Duration::from_secs(60));
        1
    })?;
    println!("worker {}: {}", worker.pid(), worker.wait()?);

    // TODO: the worker died holding the lock, so this `lock()` returns Err(OwnerDied). Print
    // `the holder died; value <v>`, then carry on with the guard that `recover()` gives you.
    let guard = total.lock().expect("the lock");
    guard.set(guard.get() + adds);
    println!("value after recovery: {}", guard.get());
    drop(guard);

    // TODO: lock it once more, to show that it is a normal lock again, and print
    // `locked again: no error` if `lock()` returned Ok.
    todo!("lock it again")
}
