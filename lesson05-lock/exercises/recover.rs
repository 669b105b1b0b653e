//! Exercise lesson05/recover (Notes: Lock). Medium, about 15 minutes.
//!
//! A worker process takes the lock, sets the shared value to 7, and is killed (SIGKILL) before
//! it can release the lock. In CPython the parent would now wait for ever. Our lock is robust:
//! the parent's `lock()` returns `Err(OwnerDied)` to say that the holder died, and the parent
//! holds the lock all the same.
//!
//! As shipped, the parent does not expect that, and panics. Make it handle the dead holder:
//! report it with the value the holder left, take the lock with `recover()`, add 1, and then
//! show that the lock works as usual again. The program should print (the pid will differ):
//!
//!     worker 1234: killed by signal SIGKILL
//!     the holder died; value 7
//!     value after recovery: 8
//!     locked again: no error
//!
//! Useful: `match total.lock() { Ok(guard) => ..., Err(dead) => ... }`, `OwnerDied::recover`.
//! It is the same shape as `std::sync::Mutex::lock` and `PoisonError::into_inner`.
//!
//! Check your work:   cargo exercise lesson05/recover
//! Stuck? A hint:     cargo exercise lesson05/recover --hint 1   (then 2, then 3)

use lesson01_process::start::fork_child;
use lesson05_lock::LockedValue;
use nix::sys::signal::{Signal, raise};

fn main() -> anyhow::Result<()> {
    let total = LockedValue::<i32>::new_in("lesson05", 0)?;
    let mut worker = fork_child(|| {
        let guard = total.lock().expect("nobody has died yet");
        guard.set(7);
        // Dies here, holding the lock: the guard is never dropped.
        let _ = raise(Signal::SIGKILL);
        1
    })?;
    println!("worker {}: {}", worker.pid(), worker.wait()?);

    // TODO: the worker died holding the lock, so this `lock()` returns Err(OwnerDied). Print
    // `the holder died; value <v>`, then carry on with the guard that `recover()` gives you.
    let guard = total.lock().expect("the lock");
    guard.set(guard.get() + 1);
    println!("value after recovery: {}", guard.get());
    drop(guard);

    // TODO: lock it once more, to show that it is a normal lock again, and print
    // `locked again: no error` if `lock()` returned Ok.
    todo!("lock it again")
}
