//! Exercise lesson03/callback (Notes: 进程池pool, `apply_async`). Medium, about 15 minutes.
//!
//! Python's `pool.apply_async(f, args, callback=cb)` calls `cb(result)` as soon as `f`'s result
//! is ready, so the caller never has to `get()` it and is never held up by it. Our
//! `Pool::apply_async` has no callback. Write `apply_async_with_callback` on top of it: `task`
//! runs on the pool, then `callback` gets its result, on a worker thread too, never on the
//! caller's; the handle it returns is ready once both have run.
//!
//! `main` runs one task per item of `items` (each sleeps `sleep_ms`, then squares its item) on a
//! pool of `workers` threads, with a callback that collects the squares. Task and callback each
//! print the thread they ran on; at the end the program prints
//!
//!     callbacks saw: <the squares, sorted>
//!     callbacks ran: <how many>
//!
//! `cargo exercise` chooses `items`, `sleep_ms` and `workers` afresh for every check (they reach
//! your program through `common::exercise::{input, inputs}`), and looks at your program's
//! threads from outside while the tasks sleep: neither a task nor a callback may run on the
//! main thread.
//!
//! Check your work:   cargo exercise lesson03/callback
//! Stuck? A hint:     cargo exercise lesson03/callback --hint 1   (then 2, then 3)

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use common::exercise::{input, inputs};
use common::pyfmt::py_list;
use lesson03_pool::{AsyncResult, Pool, job};
use nix::unistd::gettid;

// TODO: run `task` on the pool; when it returns, call `callback` with its result, on the same
// worker thread. `get()` on the handle you return must wait for both.
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
