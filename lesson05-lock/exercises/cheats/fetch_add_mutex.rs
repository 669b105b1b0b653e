//! A kept cheat of exercise lesson05/fetch-add: a `Mutex` around the load and the store. No
//! update is lost, but the exercise is about one atomic step without a lock. The check must
//! reject it.

use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use common::exercise::{input, inputs};
use lesson05_lock::race::AtomicTotal;

fn main() {
    let steps: i32 = input("steps");
    let adds: Vec<i32> = inputs("adds");
    let work = Duration::from_millis(input("work_ms"));
    let total = AtomicTotal::new(0);
    let lock = Mutex::new(());
    thread::scope(|scope| {
        for &amount in &adds {
            let total = &total;
            let lock = &lock;
            scope.spawn(move || {
                for _ in 0..steps {
                    let _held = lock.lock().unwrap_or_else(PoisonError::into_inner);
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
