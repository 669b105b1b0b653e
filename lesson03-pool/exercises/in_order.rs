//! Exercise lesson03/in-order (Notes: 进程池pool, `map`). Easy, about 10 minutes.
//!
//! Python's `pool.map(job, items)` returns the results in the items' order, whichever worker
//! finished first. `imap_unordered` hands back each result as soon as its task is done, in
//! whatever order the worker threads finish: here each task sleeps a while first, so they
//! finish scrambled. Each task returns its position in `items` along with its result; use that
//! to put the results back in the items' order, so that the program prints
//!
//!     arrived: <the positions, in the order their results arrived>
//!     results: <job(item) for each item, in the items' order>
//!     computed by threads: <the worker thread that computed each of them, in the same order>
//!
//! `cargo exercise` chooses `items`, each task's `sleep_ms` and the pool's size `workers`
//! afresh for every check (they reach your program through `common::exercise::{input,
//! inputs}`), and looks at your program's threads from outside while the tasks sleep: every
//! result must come from one of the pool's worker threads.
//!
//! Check your work:   cargo exercise lesson03/in-order
//! Stuck? A hint:     cargo exercise lesson03/in-order --hint 1   (then 2, then 3)

use std::thread;
use std::time::Duration;

use common::exercise::{input, inputs};
use common::pyfmt::py_list;
use lesson03_pool::{Pool, job};
use nix::unistd::gettid;

// TODO: `arrivals` holds one (position, result) pair for every position 0..arrivals.len(),
// in the order the tasks finished. Return the results in the positions' order, as `map` does.
fn put_in_order<R>(arrivals: Vec<(usize, R)>) -> Vec<R> {
    todo!("put {} results in order", arrivals.len())
}

fn main() -> anyhow::Result<()> {
    let items: Vec<u64> = inputs("items");
    let sleep_ms: Vec<u64> = inputs("sleep_ms");
    let workers: usize = input("workers");
    let pool = Pool::new(workers)?;
    let tasks: Vec<(usize, u64, u64)> = items
        .iter()
        .zip(&sleep_ms)
        .enumerate()
        .map(|(position, (&item, &sleep))| (position, item, sleep))
        .collect();
    let task = |(position, item, sleep): (usize, u64, u64)| {
        thread::sleep(Duration::from_millis(sleep));
        let thread = gettid().as_raw();
        println!("task {position}: job({item}) on thread {thread}");
        (position, (job(item), thread))
    };
    let mut arrivals = Vec::new();
    for outcome in pool.imap_unordered(task, tasks) {
        arrivals.push(outcome?);
    }
    let arrived: Vec<usize> = arrivals.iter().map(|(position, _)| *position).collect();
    println!("arrived: {}", py_list(&arrived));
    let (results, threads): (Vec<u64>, Vec<i32>) = put_in_order(arrivals).into_iter().unzip();
    println!("results: {}", py_list(&results));
    println!("computed by threads: {}", py_list(&threads));
    Ok(())
}
