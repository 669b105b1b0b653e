//! The notes' 其他思考 1, measured: which pool size is best? A workers sweep (1 ... 2 × cpus)
//! of a CPU-bound job and of an I/O-bound one, with `common::sweep`. Also the size a pool gets
//! when it is not told one, and the note for a pool bigger than the machine.
//!
//! - CPU-bound: tasks that each add up `i + i² + i³` over their own slice of `0..n` (lesson 2's
//!   kernel). A worker keeps a core busy the whole time.
//! - I/O-bound: tasks that each sleep, as a task waiting on a disk or a network does. A
//!   sleeping worker uses no core at all.

use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use anyhow::Context;
use common::sweep::{Baseline, Column, Sweep, workers_sweep};
use common::timing::{BUILD, debug_build_warning, human, time_runs};
use common::{job_closed_form, job_range};
use lesson01_process::machine::available_cpus;

use crate::count;
use crate::pool::Pool;

/// CPU-bound: this many tasks, each over a slice of this many `i`.
pub const CPU_TASKS: u64 = 64;
pub const CPU_SLICE: u64 = 200_000;
/// I/O-bound: all the tasks together sleep this long; one worker takes this long.
pub const IO_TOTAL: Duration = Duration::from_millis(320);

/// What `Pool()` with no size does, in CPython and here, with the size this machine gets.
pub fn default_size_line() -> anyhow::Result<String> {
    let pool = Pool::with_default_size()?;
    Ok(format!(
        "Pool() with no size: CPython starts one process per CPU (os.cpu_count(), or os.process_cpu_count() from 3.13); Pool::with_default_size() starts {} here (rayon's default: RAYON_NUM_THREADS if set, else available_parallelism(), {} cpus)",
        count(pool.workers(), "thread", "threads"),
        available_cpus()
    ))
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

/// How many I/O-bound tasks: enough that even 2 × cpus workers each get several.
pub fn io_tasks(cpus: usize) -> u64 {
    8 * cpus as u64
}

/// The CPU-bound job with `workers` threads: the median of `runs`, each result checked.
fn cpu_bound(workers: usize, runs: usize) -> anyhow::Result<Duration> {
    let pool = Pool::new(workers)?;
    let expected = job_closed_form(CPU_TASKS * CPU_SLICE).context("fits in a u128")?;
    let slice = |task: u64| job_range(task * CPU_SLICE..(task + 1) * CPU_SLICE);
    let timed = time_runs(runs, || pool.map(slice, 0..CPU_TASKS));
    let checked = timed.check(|results| {
        for result in results {
            let shares = result.as_ref().map_err(|err| err.to_string())?;
            let total: u128 = shares.iter().map(|share| share.unwrap_or(0)).sum();
            if total != expected {
                return Err(format!("the tasks add up to {total}, expected {expected}"));
            }
        }
        Ok(())
    })?;
    Ok(checked.time().median)
}

/// The I/O-bound job with `workers` threads: `tasks` tasks that each sleep, then return their
/// number; the median of `runs`, each result checked.
fn io_bound(workers: usize, runs: usize, tasks: u64) -> anyhow::Result<Duration> {
    let pool = Pool::new(workers)?;
    let nap = IO_TOTAL / u32::try_from(tasks).unwrap_or(u32::MAX);
    let wait = |task: u64| {
        thread::sleep(nap);
        task
    };
    let expected: Vec<u64> = (0..tasks).collect();
    let timed = time_runs(runs, || pool.map(wait, 0..tasks));
    let checked = timed.check(|results| {
        for result in results {
            match result {
                Ok(numbers) if *numbers == expected => {}
                Ok(numbers) => return Err(format!("got {numbers:?}, expected 0..{tasks}")),
                Err(err) => return Err(err.to_string()),
            }
        }
        Ok(())
    })?;
    Ok(checked.time().median)
}

/// Runs the sweep and prints the table, the best size for each job, and why.
pub fn run(runs: usize) -> anyhow::Result<ExitCode> {
    let cpus = available_cpus();
    let tasks = io_tasks(cpus);
    println!(
        "workers sweep: the best pool size for a CPU-bound and an I/O-bound job, 1 to {} workers ({cpus} cpus available); median of {runs} runs; speedup over 1 worker  ({BUILD})  (Notes: 其他思考 1)",
        2 * cpus
    );
    if let Some(warning) = debug_build_warning() {
        println!("{warning}");
    }
    println!(
        "cpu-bound: {CPU_TASKS} tasks, each sums i + i² + i³ over {CPU_SLICE} i; io-bound: {tasks} tasks, each sleeps {} (a wait for a disk or a network)",
        human(IO_TOTAL / u32::try_from(tasks).unwrap_or(u32::MAX))
    );
    let columns = vec![
        Column {
            name: "cpu-bound".to_string(),
            measure: Box::new(move |workers| cpu_bound(workers, runs)),
        },
        Column {
            name: "io-bound (sleep)".to_string(),
            measure: Box::new(move |workers| io_bound(workers, runs, tasks)),
        },
    ];
    let sweep = workers_sweep(1..=2 * cpus, columns, Baseline::FirstRow, || {})?;
    print!("{}", sweep.table());
    for line in verdict(&sweep, cpus, tasks) {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The best size for each column, and what the figures say; worked out from the times measured.
pub fn verdict(sweep: &Sweep, cpus: usize, tasks: u64) -> Vec<String> {
    let best = |column: usize| {
        let best = sweep.best(column);
        let row = sweep.workers.iter().position(|w| *w == best).unwrap_or(0);
        (best, sweep.speedup(column, row))
    };
    let (cpu_best, cpu_speedup) = best(0);
    let (io_best, io_speedup) = best(1);
    let mut lines = vec![
        format!(
            "best for cpu-bound: {} ({cpu_speedup:.2}x one worker)",
            count(cpu_best, "worker", "workers")
        ),
        format!(
            "best for io-bound (sleep): {} ({io_speedup:.2}x one worker)",
            count(io_best, "worker", "workers")
        ),
    ];
    lines.push(if cpu_best <= cpus {
        format!(
            "cpu-bound: a worker keeps a core busy, so past {cpus} workers (one per core) the extra ones only take turns on the same cores: size the pool by the cores, as the notes say"
        )
    } else {
        format!(
            "cpu-bound: {cpu_best} workers came out best on {cpus} cores this time; more workers than cores cannot add computing power, so it is noise (other programs, turbo): run it again"
        )
    });
    lines.push(if io_best > cpus {
        format!(
            "io-bound: more workers than cores pays ({io_best} workers on {cpus} cores), because a waiting worker uses no core: each extra worker overlaps one more wait, and it keeps paying up to one worker per waiting task ({tasks} here)"
        )
    } else {
        format!(
            "io-bound: {} came out best, no more than the {cpus} cores; a sleeping worker uses no core, so more workers should have helped: run it again",
            count(io_best, "worker", "workers")
        )
    });
    lines
}
