//! Exercise lesson03/callback (Notes: 进程池pool, `apply_async`). Medium, about 15 minutes.
//!
//! Python's `pool.apply_async(f, args, callback=cb)` calls `cb(result)` as soon as `f`'s result
//! is ready, so the caller never has to `get()` it. Our `Pool::apply_async` has no callback.
//! Write `apply_async_with_callback` on top of it. `main` then squares 0..10 with callbacks that
//! collect the results, and prints
//!
//!     callbacks saw: [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]
//!     callbacks ran: 10
//!
//! Check your work:   cargo exercise lesson03/callback
//! Stuck? A hint:     cargo exercise lesson03/callback --hint 1   (then 2, then 3)

use std::sync::{Arc, Mutex};

use common::pyfmt::py_list;
use lesson03_pool::{AsyncResult, Pool};

// TODO: run `task` on the pool; when it returns, call `callback` with its result.
fn apply_async_with_callback<R, F, C>(pool: &Pool, task: F, callback: C) -> AsyncResult<()>
where
    F: FnOnce() -> R + Send + 'static,
    C: FnOnce(R) + Send + 'static,
    R: Send + 'static,
{
    let _ = (pool, task, callback); // delete this line: it only keeps the starter free of warnings
    todo!("apply_async with a callback")
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
        handle.get()?; // waits until that task and its callback have run
    }
    let mut squares = seen.lock().expect("no callback panics").clone();
    squares.sort_unstable(); // callbacks run in whatever order the tasks finish
    println!("callbacks saw: {}", py_list(&squares));
    println!("callbacks ran: {}", squares.len());
    Ok(())
}
