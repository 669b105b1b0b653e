//! Reference solution of exercise lesson05/fetch-add. Try the exercise first!

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
                    thread::sleep(work);
                    // Read, add and write as one step: no other thread can come in between.
                    total.fetch_add(amount, SeqCst);
                }
            });
        }
    });
    let expected: i32 = adds.iter().map(|amount| amount * steps).sum();
    println!("total: {} (expected {expected})", total.load(SeqCst));
}
