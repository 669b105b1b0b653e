//! Reference solution of exercise lesson03/in-order. Try the exercise first!

use std::time::Duration;

use common::pyfmt::py_list;
use lesson03_pool::Pool;

const ITEMS: u64 = 20;

fn put_in_order(arrivals: &[(u64, u64)], count: usize) -> Vec<u64> {
    let mut results = vec![0; count];
    for &(item, square) in arrivals {
        results[item as usize] = square;
    }
    results
}

fn main() -> anyhow::Result<()> {
    let pool = Pool::new(4)?;
    let task = |item: u64| {
        std::thread::sleep(Duration::from_millis(3 * (ITEMS - item)));
        (item, item * item)
    };
    let mut arrivals = Vec::new();
    for outcome in pool.imap_unordered(task, 0..ITEMS) {
        arrivals.push(outcome?);
    }
    let arrived: Vec<u64> = arrivals.iter().map(|(item, _)| *item).collect();
    println!("arrived: {}", py_list(&arrived));
    println!(
        "in order: {}",
        py_list(put_in_order(&arrivals, ITEMS as usize))
    );
    Ok(())
}
