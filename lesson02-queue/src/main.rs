//! Lesson 2: two worker processes put `job(1000)` on a queue; the parent prints the sum.
//!
//! Notes: Queue进程输出. `--plain` runs the notes' program (`src/notes.rs`) and nothing else;
//! the default run says what happens as it goes. Run `cargo run -p lesson02-queue -- --help`
//! for the options, and `cargo run --release -p lesson02-queue --bin compare` for the
//! efficiency comparison.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use common::cli::{exit_code, parse_args};
use lesson01_process::start::{Orders, spawned_orders};
use lesson01_process::{StartMethod, forkserver};
use lesson02_queue::bad_frame::BadFrame;
use lesson02_queue::{bench, deadlock, like_python, notes, threads, walkthrough};

/// Two workers put job(1000) on a queue; the parent gets both results and prints their sum.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Run the notes' program as it is (src/notes.rs), printing only the sum as the notes do;
    /// with --threads, the thread version, as quietly
    #[arg(long, conflicts_with_all = ["bench", "payload_bytes"])]
    plain: bool,

    /// How the two workers are started, as in multiprocessing.set_start_method
    #[arg(long, value_name = "METHOD", default_value = "fork",
          conflicts_with_all = ["threads", "bench", "payload_bytes"])]
    start_method: StartMethod,

    /// With --plain: each worker sleeps this long before its job (look at it with ps, or kill
    /// it)
    #[arg(long, value_name = "MS", default_value_t = 0, requires = "plain",
          conflicts_with = "threads",
          value_parser = clap::value_parser!(u64).range(0..=10_000))]
    child_sleep_ms: u64,

    /// Use threads and crossbeam channels instead of processes and a pipe: three workers take
    /// the notes' two tasks from one queue
    #[arg(long, conflicts_with_all = ["bench", "payload_bytes"])]
    threads: bool,

    /// Each worker puts BYTES bytes instead: past the pipe's buffer, join-then-get deadlocks
    #[arg(long, value_name = "BYTES", conflicts_with = "bench",
          value_parser = clap::value_parser!(u64).range(1..=64 * 1024 * 1024))]
    payload_bytes: Option<u64>,

    /// Measure the queue's throughput (messages per second)
    #[arg(long)]
    bench: bool,

    /// Messages to send for --bench
    #[arg(long, value_name = "N", default_value_t = 1_000_000, requires = "bench",
          value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    messages: u64,

    /// With --bench: run the same measurement with CPython's multiprocessing.Queue
    #[arg(long, requires = "bench")]
    python: bool,

    /// Fault hook for the tests: the first worker (forked) puts a frame that is not a
    /// WorkerResult
    #[arg(long, hide = true, value_name = "KIND",
          conflicts_with_all = ["plain", "threads", "bench", "payload_bytes", "start_method"])]
    bad_frame: Option<BadFrame>,
}

fn main() -> ExitCode {
    // Rust's `if __name__ == '__main__':` -- a spawned worker runs only its target.
    if let Some(orders) = spawned_orders() {
        return child_main(orders);
    }
    let args: Args = parse_args();
    if args.start_method == StartMethod::Forkserver {
        // Now, while this program has one thread.
        if let Err(err) = forkserver::start(child_main) {
            return exit_code(Err(err));
        }
    }
    let set_up = like_python::set_start_method(args.start_method)
        .and_then(|()| like_python::set_child_sleep(Duration::from_millis(args.child_sleep_ms)));
    let result = if let Err(err) = set_up {
        Err(err)
    } else if args.bench {
        bench::run(args.messages, args.python)
    } else if let Some(bytes) = args.payload_bytes {
        deadlock::run(usize::try_from(bytes).unwrap_or(usize::MAX))
    } else if args.threads {
        threads::run(args.plain)
    } else if args.plain {
        notes::queue_program::main().map(|()| ExitCode::SUCCESS)
    } else {
        walkthrough::run(args.start_method, args.bad_frame)
    };
    // The workers are joined: the server, if one was started, is stopped and reaped.
    forkserver::stop();
    exit_code(result)
}

/// A spawned or forkserver child's `main`: a walk-through worker, or a worker of the notes'
/// program, which finds its target by name.
fn child_main(orders: anyhow::Result<Orders>) -> ExitCode {
    let walkthrough = orders.as_ref().is_ok_and(|orders| {
        orders
            .args
            .first()
            .is_some_and(|order| order == walkthrough::WORKER)
    });
    if walkthrough {
        walkthrough::worker_main(orders)
    } else {
        like_python::child_main(orders)
    }
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
