//! A kept cheat of exercise lesson03/callback: no pool and no callback. It prints what the
//! program would, with made-up thread ids that look like a pool's (the ids right after its
//! pid). The check must reject it.

use common::exercise::{input, inputs};
use common::pyfmt::py_list;
use lesson03_pool::job;

fn main() {
    let items: Vec<u64> = inputs("items");
    let workers: u32 = input("workers");
    let pid = std::process::id();
    for (i, &item) in (0u32..).zip(&items) {
        let thread = pid + 1 + i % workers;
        println!("job({item}) ran on thread {thread}");
        println!("callback got {} on thread {thread}", job(item));
    }
    let mut squares: Vec<u64> = items.iter().map(|&item| job(item)).collect();
    squares.sort_unstable();
    println!("callbacks saw: {}", py_list(&squares));
    println!("callbacks ran: {}", squares.len());
}
