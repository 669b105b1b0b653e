//! Exercise lesson05/fetch-add (Notes: Lock). Easy, about 10 minutes.
//!
//! Two threads each add 1 to an `AtomicI32`, 100 times. Rust accepts this program (an atomic
//! may be shared by threads; a plain `i32` may not), and no load or store is ever torn. Yet run
//! it: the total ends far below 200. A load followed by a store is two steps, and the other
//! thread's store in between is overwritten.
//!
//! Make each increment one indivisible step, without a lock, so that the program prints
//!
//!     total: 200 (expected 200)
//!
//! Useful: the methods of `std::sync::atomic::AtomicI32` whose names start with `fetch_`.
//!
//! Check your work:   cargo exercise lesson05/fetch-add
//! Stuck? A hint:     cargo exercise lesson05/fetch-add --hint 1   (then 2, then 3)

use std::sync::atomic::AtomicI32;
use std::sync::atomic::Ordering::SeqCst;
use std::thread;
use std::time::Duration;

const STEPS: i32 = 100;

fn main() {
    let total = AtomicI32::new(0);
    thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                for _ in 0..STEPS {
                    // TODO: two steps, with a gap between them (the sleep makes the gap wide
                    // enough to see). Make them one.
                    let seen = total.load(SeqCst);
                    thread::sleep(Duration::from_millis(1));
                    total.store(seen + 1, SeqCst);
                }
            });
        }
    });
    println!("total: {} (expected {})", total.load(SeqCst), 2 * STEPS);
}
