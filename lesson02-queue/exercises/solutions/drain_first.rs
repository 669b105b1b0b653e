//! Reference solution of exercise lesson02/drain-first. Try the exercise first!

use lesson01_process::start::fork_child;
use lesson02_queue::Queue;

const RESULT_BYTES: usize = 100_000;

fn main() -> anyhow::Result<()> {
    let mut results = Queue::<Vec<u8>>::new()?;
    let mut workers = Vec::new();
    for _ in 0..2 {
        let results = &results;
        workers.push(fork_child(move || {
            let result = vec![7u8; RESULT_BYTES];
            i32::from(results.put(&result).is_err())
        })?);
    }

    // Read first: a worker's put() can only finish once someone reads the pipe.
    let mut received = 0;
    for _ in 0..2 {
        let result = results.get()?;
        anyhow::ensure!(result.len() == RESULT_BYTES, "a result arrived short");
        received += 1;
    }
    let mut joined = Vec::new();
    for worker in &mut workers {
        joined.push((worker.pid(), worker.wait()?));
    }

    println!("got {received} results of {RESULT_BYTES} bytes");
    for (pid, status) in joined {
        println!("joined worker {pid}: {status}");
    }
    Ok(())
}
