//! The default run: the notes' three steps again, beside `notes.rs`, each followed by which
//! worker thread ran what; then what `get()` does with a task that panics (`panicking_task`).

use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use common::pyfmt::py_list;

use crate::pool::{AsyncResult, Pool};
use crate::{best_size, count, job, panicking_task, print_who_ran};

/// A task's result, and which of the pool's threads computed it.
#[derive(Debug, Clone, Copy)]
struct Traced {
    item: u64,
    value: u64,
    worker: Option<usize>,
}

/// The notes' `job`, run in the pool: sleeps `task` first (to make the sharing visible), and
/// notes which worker thread ran it.
fn traced_job(item: u64, task: Duration) -> Traced {
    thread::sleep(task);
    Traced {
        item,
        value: job(item),
        worker: rayon::current_thread_index(),
    }
}

fn worker_name(worker: Option<usize>) -> String {
    worker.map_or("a thread outside the pool".to_string(), |index| {
        format!("pool-worker-{index}")
    })
}

fn who_ran(results: &[Traced]) {
    print_who_ran(
        results.iter().map(|result| (result.worker, result.item)),
        |worker| worker_name(*worker),
    );
}

fn introduce(workers: usize, task: Duration) -> anyhow::Result<()> {
    println!(
        "lesson03-pool: a pool of {} runs the notes' job(x) = x * x  (Notes: 进程池pool)",
        count(workers, "worker thread", "worker threads")
    );
    println!(
        "pool: rayon::ThreadPoolBuilder::new().num_threads({workers}), where Python's Pool(processes={workers}) starts {workers} processes"
    );
    println!("{}", best_size::default_size_line()?);
    if task.is_zero() {
        println!(
            "tasks do not sleep (--task-ms 0): x * x takes about a nanosecond, so one worker may finish them all before the other wakes up"
        );
    } else {
        println!(
            "each task sleeps {} ms first (--task-ms), so that every worker gets a share you can see",
            task.as_millis()
        );
    }
    Ok(())
}

/// The walk-through: `workers` threads, each task sleeping `task` first.
pub fn run(workers: usize, task: Duration) -> anyhow::Result<ExitCode> {
    introduce(workers, task)?;
    let pool = Pool::new(workers)?;

    println!("1. pool.map(job, range(10)): an order-keeping parallel map; who ran what:");
    let mapped = pool.map(|item| traced_job(item, task), 0..10u64)?;
    who_ran(&mapped);
    println!("{}", py_list(mapped.iter().map(|result| result.value)));

    let one = pool.apply_async(move || traced_job(2, task)).get()?;
    println!(
        "2. pool.apply_async(job, (2,)).get(): a handle at once, get() waits for the result; {} ran job(2)",
        worker_name(one.worker)
    );
    println!("{}", one.value);

    println!("3. ten apply_async calls, then get() on each handle in order; who ran what:");
    let handles: Vec<AsyncResult<Traced>> = (0..10u64)
        .map(|item| pool.apply_async(move || traced_job(item, task)))
        .collect();
    let collected = handles
        .into_iter()
        .map(AsyncResult::get)
        .collect::<Result<Vec<_>, _>>()?;
    who_ran(&collected);
    println!("{}", py_list(collected.iter().map(|result| result.value)));

    panicking_task::show(&pool)?;
    Ok(ExitCode::SUCCESS)
}
