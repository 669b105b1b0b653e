//! Lesson 4: a forked child cannot change its parent's globals; `Value` and `Array` in shared
//! memory can be changed by a child; the same program with threads.
//!
//! Notes: 共享内存shared memory. Run `cargo run -p lesson04-shared-memory -- --help` for the
//! options.

use std::process::ExitCode;

use clap::Parser;
use common::cli::parse_args;
use lesson01_process::StartMethod;
use lesson01_process::start::{run_spawned, spawned_orders};
use lesson04_shared_memory::lesson::{ChildOptions, ChildOrders, Options, run, threads};
use lesson04_shared_memory::signals;

/// Show that processes share no memory, then share a Value and an Array through named shared
/// memory, then do the same with threads.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Print only what the CPython counterpart prints: the value and the array, before and
    /// after the child changes them
    #[arg(long)]
    plain: bool,

    /// How to start the child that changes the shared values, as in
    /// multiprocessing.set_start_method
    #[arg(long, value_name = "METHOD", default_value = "fork")]
    start_method: StartMethod,

    /// Run the thread version alone: Arc<Mutex<f64>> and Arc<[AtomicI32]>, no shared memory
    #[arg(long, conflicts_with_all = ["start_method", "child_sleep_ms", "child_panics"])]
    threads: bool,

    /// Make the child sleep this long before it changes the values (look at /dev/shm, send
    /// signals)
    #[arg(long, value_name = "MS", default_value_t = 0)]
    child_sleep_ms: u64,

    /// Make the child panic instead of changing the values
    #[arg(long)]
    child_panics: bool,
}

fn main() -> ExitCode {
    // Rust's `if __name__ == '__main__':` -- a spawned child does only its part.
    if let Some(orders) = spawned_orders() {
        let orders = orders.and_then(|orders| orders.parse(ChildOrders::from_args));
        return run_spawned(orders, ChildOrders::run);
    }
    let args: Args = parse_args();
    let result = if args.threads {
        threads(args.plain).map(|()| ExitCode::SUCCESS)
    } else {
        run(&Options {
            method: args.start_method,
            plain: args.plain,
            child: ChildOptions {
                commentary: false,
                sleep_ms: args.child_sleep_ms,
                panic: args.child_panics,
            },
        })
    };
    signals::exit_code(
        result,
        "lesson04-shared-memory",
        "child killed and reaped, segments removed",
    )
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
