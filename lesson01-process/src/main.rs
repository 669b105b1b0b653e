//! Lesson 1: a child process runs the notes' `job` (it prints `aaaa`); the parent joins it.
//!
//! Notes: 创建进程. Run `cargo run -p lesson01-process -- --help` for the options.

use std::process::ExitCode;

use clap::Parser;
use common::cli::{exit_code, parse_args};
use lesson01_process::start::{Orders, run_spawned, spawned_orders};
use lesson01_process::walkthrough::ChildOptions;
use lesson01_process::{
    StartMethod, Target, bench, forkserver, live_thread, notes, walkthrough, without_guard,
};

/// Start a child process by fork, spawn or forkserver, run the notes' job in it, and join it.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Run only the notes' program and print what the notes' Python prints: `aaaa` (with a
    /// --child-* hook: the walk-through's child, without its commentary)
    #[arg(long, conflicts_with_all = ["bench", "without_guard"])]
    plain: bool,

    /// How to start the child, as in multiprocessing.set_start_method
    #[arg(long, value_name = "METHOD", default_value = "fork")]
    start_method: StartMethod,

    /// Show what goes wrong when main() has no `__main__` guard (with spawn; capped at 3 processes)
    #[arg(long, conflicts_with = "bench")]
    without_guard: bool,

    /// Keep a second thread alive while the child starts: fork is refused, forkserver works
    #[arg(long, conflicts_with_all = ["bench", "without_guard", "plain"])]
    live_thread: bool,

    /// Make the child sleep this long before its job (look at it with ps, or kill it)
    #[arg(long, value_name = "MS", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=10_000))]
    child_sleep_ms: u64,

    /// Make the child panic instead of printing, to see how the parent reports it
    #[arg(long)]
    child_panics: bool,

    /// Measure the median start+join latency of fork, spawn and forkserver
    #[arg(long)]
    bench: bool,

    /// Runs per start method for --bench
    #[arg(long, value_name = "N", default_value_t = 100, requires = "bench",
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    runs: u32,

    /// With --bench: run the same measurement in CPython and print the ratios
    #[arg(long, requires = "bench")]
    python: bool,
}

fn main() -> ExitCode {
    // Rust's `if __name__ == '__main__':` -- a spawned child runs only its target, never the
    // parent's code below. (`--without-guard` shows what happens without it.)
    if let Some(orders) = spawned_orders() {
        return child_main(orders);
    }
    let args: Args = parse_args();
    // The server is forked now, while main has its only thread; --bench measures it too.
    if (args.start_method == StartMethod::Forkserver || args.bench)
        && let Err(err) = forkserver::start(child_main)
    {
        return exit_code(Err(err));
    }
    let code = exit_code(if args.bench {
        bench::run(args.runs as usize, args.python)
    } else if args.without_guard {
        without_guard::run(args.start_method)
    } else if args.plain && args.child_sleep_ms == 0 && !args.child_panics {
        plain(args.start_method)
    } else {
        let options = ChildOptions {
            commentary: !args.plain,
            sleep_ms: args.child_sleep_ms,
            panic: args.child_panics,
        };
        if args.live_thread {
            live_thread::run(args.start_method, options)
        } else {
            walkthrough::run(args.start_method, options)
        }
    });
    forkserver::stop();
    code
}

/// What a spawned child, or a child of the forkserver, runs: its target, with its open files.
fn child_main(orders: anyhow::Result<Orders>) -> ExitCode {
    let orders = orders
        .and_then(|orders| orders.parse_with_fds(|args, fds| Ok((Target::from_args(args)?, fds))));
    run_spawned(orders, |(target, fds)| Ok(target.run(fds)))
}

/// The notes' program and nothing else; a failed child is one line on stderr and exit code 1.
fn plain(start_method: StartMethod) -> anyhow::Result<ExitCode> {
    let status = notes::main(start_method)?;
    if status.success() {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("error: the child failed: {status}");
    Ok(ExitCode::FAILURE)
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
