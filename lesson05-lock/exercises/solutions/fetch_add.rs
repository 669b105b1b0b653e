//! Reference solution of exercise lesson05/fetch-add. Try the exercise first!

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
                    thread::sleep(Duration::from_millis(1));
                    // Read, add and write as one step: no other thread can come in between.
                    total.fetch_add(1, SeqCst);
                }
            });
        }
    });
    println!("total: {} (expected {})", total.load(SeqCst), 2 * STEPS);
}
