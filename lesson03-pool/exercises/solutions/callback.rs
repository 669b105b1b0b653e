//! Reference solution of exercise lesson03/callback. Try the exercise first!

use std::sync::{Arc, Mutex};

use common::pyfmt::py_list;
use lesson03_pool::{AsyncResult, Pool};

fn apply_async_with_callback<R, F, C>(pool: &Pool, task: F, callback: C) -> AsyncResult<()>
where
    F: FnOnce() -> R + Send + 'static,
    C: FnOnce(R) + Send + 'static,
    R: Send + 'static,
{
    // The callback runs on the worker thread, right after the task: as in Python, it should
    // be quick, or it holds up the pool.
    pool.apply_async(move || callback(task()))
}

fn main() -> anyhow::Result<()> {
    let pool = Pool::new(2)?;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut handles = Vec::new();
    for i in 0..10u64 {
        let seen = Arc::clone(&seen);
        let record = move |square: u64| seen.lock().expect("no callback panics").push(square);
        handles.push(apply_async_with_callback(&pool, move || i * i, record));
    }
    for handle in handles {
        handle.get()?;
    }
    let mut squares = seen.lock().expect("no callback panics").clone();
    squares.sort_unstable();
    println!("callbacks saw: {}", py_list(&squares));
    println!("callbacks ran: {}", squares.len());
    Ok(())
}
