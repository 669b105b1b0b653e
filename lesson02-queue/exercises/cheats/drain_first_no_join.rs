//! A kept cheat of exercise lesson02/drain-first: it gets every result and never joins the
//! workers (the join was what hung, so it was deleted; dropping a `Child` kills it). The check must reject it.

use std::thread;
use std::time::Duration;

use common::exercise::input;
use lesson01_process::start::fork_child;
use lesson02_queue::Queue;

fn main() -> anyhow::Result<()> {
    let workers: u8 = input("workers");
    let payload: usize = input("payload");
    let sleep_ms: u64 = input("sleep_ms");
    let mut results = Queue::<Vec<u8>>::new()?;
    let mut started = Vec::new();
    for w in 0..workers {
        let results = &results;
        started.push(fork_child(move || {
            thread::sleep(Duration::from_millis(sleep_ms));
            let result = vec![w; payload];
            i32::from(results.put(&result).is_err())
        })?);
    }
    for _ in 0..workers {
        let result = results.get()?;
        let from = result.first().copied().unwrap_or_default();
        println!("got {} bytes from worker {from}", result.len());
    }
    // `started` is dropped here unjoined: no `joined worker` line can tell how a worker ended.
    drop(started);
    Ok(())
}
