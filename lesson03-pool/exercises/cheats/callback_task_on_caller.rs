//! A kept cheat of exercise lesson03/callback: the task runs on the caller's thread and only
//! its callback goes to the pool. The check must reject it.

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use common::exercise::{input, inputs};
use common::pyfmt::py_list;
use lesson03_pool::{AsyncResult, Pool, job};
use nix::unistd::gettid;

/// Runs the task on the caller's thread and only hands the callback to the pool.
fn apply_async_with_callback<R, F, C>(pool: &Pool, task: F, callback: C) -> AsyncResult<()>
where
    F: FnOnce() -> R + Send + 'static,
    C: FnOnce(R) + Send + 'static,
    R: Send + 'static,
{
    let result = task();
    pool.apply_async(move || callback(result))
}

fn main() -> anyhow::Result<()> {
    let items: Vec<u64> = inputs("items");
    let sleep_ms: u64 = input("sleep_ms");
    let workers: usize = input("workers");
    let pool = Pool::new(workers)?;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut handles = Vec::new();
    for item in items {
        let task = move || {
            thread::sleep(Duration::from_millis(sleep_ms));
            println!("job({item}) ran on thread {}", gettid());
            job(item)
        };
        let seen = Arc::clone(&seen);
        let record = move |square: u64| {
            println!("callback got {square} on thread {}", gettid());
            seen.lock().expect("no callback panics").push(square);
        };
        handles.push(apply_async_with_callback(&pool, task, record));
    }
    for handle in handles {
        handle.get()?; // waits until that task and its callback have run
    }
    let mut squares = seen.lock().expect("no callback panics").clone();
    squares.sort_unstable(); // callbacks run in whatever order the tasks finish
    println!("callbacks saw: {}", py_list(&squares));
    println!("callbacks ran: {}", squares.len());
    Ok(())
}
