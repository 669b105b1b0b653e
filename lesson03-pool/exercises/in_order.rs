//! Exercise lesson03/in-order (Notes: 进程池pool). Easy, about 10 minutes.
//!
//! `imap_unordered` hands back each result as soon as its task is done, in whatever order the
//! worker threads finish; the tasks below are made to finish in a scrambled order. Python's
//! `map` returns results in the items' order. Each task returns its item along with its result:
//! use that to put the results back in order, so that the program prints
//!
//!     arrived: <the items, in the order their results arrived>
//!     in order: [0, 1, 4, 9, ..., 361]
//!
//! Check your work:   cargo exercise lesson03/in-order
//! Stuck? A hint:     cargo exercise lesson03/in-order --hint 1   (then 2, then 3)

use std::time::Duration;

use common::pyfmt::py_list;
use lesson03_pool::Pool;

const ITEMS: u64 = 20;

// TODO: `arrivals` holds (item, item²) pairs in arrival order, for the items 0..count.
// Return the squares in the items' order.
fn put_in_order(arrivals: &[(u64, u64)], count: usize) -> Vec<u64> {
    todo!("order {} arrivals of {count} items", arrivals.len())
}

fn main() -> anyhow::Result<()> {
    let pool = Pool::new(4)?;
    let task = |item: u64| {
        // Later items sleep less, so results arrive out of order.
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
