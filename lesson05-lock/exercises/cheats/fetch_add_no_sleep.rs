//! A kept cheat of exercise lesson05/fetch-add: the sleep between the load and the store is
//! removed, so the gap is short and a lost update rare, but the two are still two steps. The
//! check must reject it.

use std::sync::atomic::Ordering::SeqCst;
use std::thread;

use common::exercise::{input, inputs};
use lesson05_lock::race::AtomicTotal;

fn main() {
    let steps: i32 = input("steps");
    let adds: Vec<i32> = inputs("adds");
    let total = AtomicTotal::new(0);
    thread::scope(|scope| {
        for &amount in &adds {
            let total = &total;
            scope.spawn(move || {
                for _ in 0..steps {
                    let seen = total.load(SeqCst);
                    total.store(seen + amount, SeqCst);
                }
            });
        }
    });
    let expected: i32 = adds.iter().map(|amount| amount * steps).sum();
    println!("total: {} (expected {expected})", total.load(SeqCst));
}
