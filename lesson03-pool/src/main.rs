//! Lesson 3: the notes' `Pool(processes=2)` with `map` and `apply_async`, on a pool of rayon
//! threads: `--plain` runs `src/notes.rs`, the default run walks through it with commentary.
//!
//! Notes: 进程池pool and 其他思考 1. Run `cargo run -p lesson03-pool -- --help` for the options.

use std::process::ExitCode;
use std::time::Duration;

use clap::{ArgGroup, Parser};
use common::cli::{exit_code, parse_args};
use lesson03_pool::{bench, best_size, isolation, notes, report_panics_in_one_line, walk_through};

/// A pool of worker threads runs the notes' job(x) = x * x: map, apply_async, a list of handles.
#[derive(Debug, Parser)]
#[command(version, group(ArgGroup::new("measure").args(["bench", "sweep"])))]
struct Args {
    /// Print only what the notes' Python program prints: three lines
    #[arg(long, conflicts_with_all = ["isolation", "sweep", "bench"])]
    plain: bool,

    /// The pool's size, as in Pool(processes=N)
    #[arg(long, value_name = "N", default_value_t = 2,
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    processes: u16,

    /// Each task sleeps MS milliseconds first, to watch the work being shared [default: 10; --plain runs the notes' tasks, which do not sleep]
    #[arg(long, value_name = "MS", conflicts_with_all = ["sweep", "bench"],
          value_parser = clap::value_parser!(u64).range(0..=10_000))]
    task_ms: Option<u64>,

    /// A task that kills its process: a thread pool dies whole, a process pool loses one task
    #[arg(long, conflicts_with_all = ["sweep", "bench"])]
    isolation: bool,

    /// Time a CPU-bound and an I/O-bound job with 1 ... 2 × cpus workers: the best pool size
    #[arg(long, conflicts_with_all = ["bench", "processes"])]
    sweep: bool,

    /// Measure the pool's map(x * x) throughput in items per second
    #[arg(long)]
    bench: bool,

    /// Items to map for --bench
    #[arg(long, value_name = "N", default_value_t = 1_000_000, requires = "bench",
          value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    items: u64,

    /// Timed runs for --bench (default 21) or --sweep (default 5); the median is printed
    #[arg(long, value_name = "R", requires = "measure",
          value_parser = clap::value_parser!(u16).range(1..=1000))]
    runs: Option<u16>,

    /// With --bench: run the same measurement with CPython's multiprocessing.Pool
    #[arg(long, requires = "bench")]
    python: bool,
}

fn main() -> ExitCode {
    let args: Args = parse_args();
    report_panics_in_one_line();
    let workers = usize::from(args.processes);
    if args.isolation
        && let Err(line) = isolation::check_open_files(workers)
    {
        eprintln!("{line}");
        return ExitCode::from(2);
    }
    if !args.sweep
        && let Some(note) = best_size::oversized_note(workers)
    {
        eprintln!("{note}");
    }
    let task = Duration::from_millis(args.task_ms.unwrap_or(10));
    exit_code(if args.plain {
        notes::multicore(workers).map(|()| ExitCode::SUCCESS)
    } else if args.bench {
        let runs = args.runs.map_or(21, usize::from);
        bench::run(workers, args.items, runs, args.python)
    } else if args.sweep {
        best_size::run(args.runs.map_or(5, usize::from))
    } else if args.isolation {
        isolation::run(workers, task)
    } else {
        walk_through::run(workers, task)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_consistent() {
        use clap::CommandFactory;
        Args::command().debug_assert();
    }
}
