//! A kept cheat of exercise lesson03/in-order: it sorts the results by value instead of putting
//! them at their positions. Squares of items that came in ascending order would pass; the
//! checker's items come in any order. The check must reject it.

use std::thread;
use std::time::Duration;

use common::exercise::{input, inputs};
use common::pyfmt::py_list;
use lesson03_pool::{Pool, job};
use nix::unistd::gettid;

fn put_in_order<R: Ord>(arrivals: Vec<(usize, R)>) -> Vec<R> {
    let mut results: Vec<R> = arrivals.into_iter().map(|(_, result)| result).collect();
    results.sort();
    results
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
