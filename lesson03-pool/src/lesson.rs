//! The notes' program on a pool of threads: `map`, one `apply_async(...).get()`, then ten
//! `apply_async` handles collected in order; with commentary, which worker ran what, and what
//! `get()` does with a task that panics.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use common::pyfmt::py_list;
use lesson01_process::machine::available_cpus;

use crate::pool::{AsyncResult, Pool};
use crate::{count, job};

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

/// One line per worker: the items it ran.
fn print_who_ran(results: &[Traced]) {
    let mut by_worker: BTreeMap<Option<usize>, Vec<u64>> = BTreeMap::new();
    for result in results {
        by_worker
            .entry(result.worker)
            .or_default()
            .push(result.item);
    }
    for (worker, mut items) in by_worker {
        items.sort_unstable();
        let jobs: Vec<String> = items.iter().map(|item| format!("job({item})")).collect();
        println!("   {} ran {}", worker_name(worker), jobs.join(" "));
    }
}

/// A note for a pool far bigger than the machine, or `None`.
pub fn oversized_note(workers: usize) -> Option<String> {
    let cpus = available_cpus();
    (workers > cpus).then(|| {
        format!(
            "note: {workers} workers for {cpus} cpus: CPU-bound tasks such as x * x get no faster with more workers than cores, the extra ones only take turns on the same cores; more workers help only tasks that mostly wait, such as I/O (see --sweep)"
        )
    })
}

/// The notes' program. With `plain`, only the three lines CPython prints.
pub fn run(workers: usize, plain: bool, task: Duration) -> anyhow::Result<ExitCode> {
    let commentary = !plain;
    let pool = Pool::new(workers)?;
    if commentary {
        println!(
            "lesson03-pool: a pool of {} runs the notes' job(x) = x * x  (Notes: 进程池pool)",
            count(workers, "worker thread", "worker threads")
        );
        println!(
            "pool: rayon::ThreadPoolBuilder::new().num_threads({workers}), where Python's Pool(processes={workers}) starts {workers} processes"
        );
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
        println!("1. pool.map(job, range(10)): an order-keeping parallel map; who ran what:");
    }
    let mapped = pool.map(|item| traced_job(item, task), 0..10u64)?;
    if commentary {
        print_who_ran(&mapped);
    }
    println!("{}", py_list(mapped.iter().map(|result| result.value)));

    let one = pool.apply_async(move || traced_job(2, task)).get()?;
    if commentary {
        println!(
            "2. pool.apply_async(job, (2,)).get(): a handle at once, get() waits for the result; {} ran job(2)",
            worker_name(one.worker)
        );
    }
    println!("{}", one.value);

    if commentary {
        println!("3. ten apply_async calls, then get() on each handle in order; who ran what:");
    }
    let handles: Vec<AsyncResult<Traced>> = (0..10u64)
        .map(|item| pool.apply_async(move || traced_job(item, task)))
        .collect();
    let collected = handles
        .into_iter()
        .map(AsyncResult::get)
        .collect::<Result<Vec<_>, _>>()?;
    if commentary {
        print_who_ran(&collected);
    }
    println!("{}", py_list(collected.iter().map(|result| result.value)));

    if commentary {
        show_a_panicking_task(&pool)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A task that panics: its handle's `get()` returns the panic as an error, and the pool goes on.
fn show_a_panicking_task(pool: &Pool) -> anyhow::Result<()> {
    println!(
        "4. a task that panics: get() hands the panic back as an error, as Python's get() re-raises the task's exception"
    );
    let failing = pool.apply_async(|| -> u64 { panic!("job(5) panicked on purpose") });
    match failing.get() {
        Ok(value) => anyhow::bail!("the panicking task returned {value}"),
        Err(err) => println!("   get() -> error: {err}"),
    }
    let after = pool.apply_async(|| job(3)).get()?;
    println!(
        "   the pool is unharmed: pool.apply_async(job, (3,)).get() -> {after}; a panic is caught per task, but nothing catches a task that kills the whole process (see --isolation)"
    );
    Ok(())
}
