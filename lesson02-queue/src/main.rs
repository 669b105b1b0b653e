//! Lesson 2: two worker processes put `job(1000)` on a queue; the parent prints the sum.
//!
//! Notes: Queue进程输出. `--plain` runs the notes' program (`src/notes.rs`) and nothing else;
//! the default run says what happens as it goes. Run `cargo run -p lesson02-queue -- --help`
//! for the options, and `cargo run --release -p lesson02-queue --bin compare` for the
//! efficiency comparison.

use std::process::ExitCode;

use clap::Parser;
use common::cli::{exit_code, parse_args};
use lesson02_queue::bad_frame::BadFrame;
use lesson02_queue::{bench, deadlock, notes, threads, walkthrough};

/// Two workers put job(1000) on a queue; the parent gets both results and prints their sum.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Run the notes' program as it is (src/notes.rs), printing only the sum as the notes do;
    /// with --threads, the thread version, as quietly
    #[arg(long, conflicts_with_all = ["bench", "payload_bytes"])]
    plain: bool,

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

    /// Fault hook for the tests: the first worker puts a frame that is not a WorkerResult
    #[arg(long, hide = true, value_name = "KIND",
          conflicts_with_all = ["plain", "threads", "bench", "payload_bytes"])]
    bad_frame: Option<BadFrame>,
}

fn main() -> ExitCode {
    let args: Args = parse_args();
    exit_code(if args.bench {
        bench::run(args.messages, args.python)
    } else if let Some(bytes) = args.payload_bytes {
        deadlock::run(usize::try_from(bytes).unwrap_or(usize::MAX))
    } else if args.threads {
        threads::run(args.plain)
    } else if args.plain {
        notes::queue_program::main().map(|()| ExitCode::SUCCESS)
    } else {
        walkthrough::run(args.bad_frame)
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
