//! A kept cheat of exercise lesson03/in-order: no pool at all. It works out every line from the
//! inputs on the main thread and prints them as the pool would, so the results are right and in
//! order. The check must reject it.

use common::exercise::inputs;
use common::pyfmt::py_list;
use lesson03_pool::job;
use nix::unistd::gettid;

fn main() {
    let items: Vec<u64> = inputs("items");
    let thread = gettid().as_raw();
    for (position, item) in items.iter().enumerate() {
        println!("task {position}: job({item}) on thread {thread}");
    }
    println!("arrived: {}", py_list(0..items.len()));
    println!("results: {}", py_list(items.iter().map(|&item| job(item))));
    println!(
        "computed by threads: {}",
        py_list(items.iter().map(|_| thread))
    );
}
