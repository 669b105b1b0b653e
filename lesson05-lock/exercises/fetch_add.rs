//! Exercise lesson05/fetch-add (Notes: Lock). Easy, about 10 minutes.
//!
//! Two threads add to one atomic total, `steps` times each: the first adds `adds[0]` at every
//! step, the second `adds[1]`. Rust accepts this program (an atomic may be shared by threads; a
//! plain `i32` may not), and no load or store is ever torn. Yet run it: the total ends far
//! below `steps * (adds[0] + adds[1])`. A load followed by a store is two steps, and the other
//! thread's store in between is overwritten.
//!
//! `cargo exercise` chooses `steps`, `adds` and `work_ms` afresh for every check (the code
//! below already reads them with `common::exercise::{input, inputs}`) and computes the total it
//! expects. The total is a `lesson05_lock::race::AtomicTotal`: an `AtomicI32` (every method of
//! `AtomicI32` works on it) whose `load` waits for the other thread to load too, so the race
//! shows at every step instead of now and then. Removing the sleep does not fix it.
//!
//! Make each addition one indivisible step, without a lock (no `Mutex`: this exercise is about
//! atomics), so that the program prints
//!
//!     total: <n> (expected <n>)
//!
//! Useful: the methods of `std::sync::atomic::AtomicI32` whose names start with `fetch_`.
//!
//! Check your work:   cargo exercise lesson05/fetch-add
//! Stuck? A hint:     cargo exercise lesson05/fetch-add --hint 1   (then 2, then 3)

use std::sync::atomic::Ordering::SeqCst;
use std::thread;
use std::time::Duration;

use common::exercise::{input, inputs};
use lesson05_lock::race::AtomicTotal;

fn main() {
    let steps: i32 = input("steps");
    let adds: Vec<i32> = inputs("adds");
    let work = Duration::from_millis(input("work_ms"));
    let total = AtomicTotal::new(0);
    thread::scope(|scope| {
        for &amount in &adds {
            let total = &total;
            scope.spawn(move || {
                for _ in 0..steps {
                    // TODO: two steps, with a gap between them (the sleep stands for the work
                    // done between them). Make them one.
                    let seen = total.load(SeqCst);
                    thread::sleep(work);
                    total.store(seen + amount, SeqCst);
                }
            });
        }
    });
    let expected: i32 = adds.iter().map(|amount| amount * steps).sum();
    println!("total: {} (expected {expected})", total.load(SeqCst));
}
