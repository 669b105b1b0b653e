//! Lesson 4: a forked child cannot change its parent's globals; `Value` and `Array` in shared
//! memory can be changed by a child; the same program with threads.
//!
//! Notes: 共享内存shared memory. `--plain` runs the notes' program (`src/notes.rs`) alone. Run
//! `cargo run -p lesson04-shared-memory -- --help` for the options.

use std::process::ExitCode;

use clap::Parser;
use common::cli::parse_args;
use lesson01_process::start::spawned_orders;
use lesson01_process::{StartMethod, forkserver};
use lesson04_shared_memory::faults::ChildFaults;
use lesson04_shared_memory::{signals, threads, walkthrough};

/// Show that processes share no memory, then share a Value and an Array through named shared
/// memory, then do the same with threads.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Run only the notes' program and print only what it prints: the new Value and Array.
    /// It starts no process and no thread, so --start-method and --threads change nothing
    #[arg(long, conflicts_with_all = ["child_sleep_ms", "child_panics"])]
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
    #[arg(long, value_name = "MS", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=10_000))]
    child_sleep_ms: u64,

    /// Make the child panic instead of changing the values
    #[arg(long)]
    child_panics: bool,
}

fn main() -> ExitCode {
    // Rust's `if __name__ == '__main__':` -- a spawned child does only its part.
    if let Some(orders) = spawned_orders() {
        return walkthrough::child_main(orders);
    }
    let args: Args = parse_args();
    if args.start_method == StartMethod::Forkserver && !args.plain {
        // Now, while this program has one thread, and before its signal handlers: the server
        // and the children it forks start with the default ones.
        if let Err(err) = forkserver::start(walkthrough::child_main) {
            return signals::exit_code(Err(err), "lesson04-shared-memory", "nothing to remove");
        }
    }
    let (result, cleaned) = if args.plain {
        (walkthrough::notes_program(), "segments removed")
    } else if args.threads {
        (
            threads::run().map(|()| ExitCode::SUCCESS),
            "nothing to remove",
        )
    } else {
        let faults = ChildFaults {
            sleep_ms: args.child_sleep_ms,
            panic: args.child_panics,
        };
        (
            walkthrough::run(args.start_method, &faults),
            "child killed and reaped, segments removed",
        )
    };
    // The child is joined or killed: the server, if one was started, is stopped and reaped.
    forkserver::stop();
    signals::exit_code(result, "lesson04-shared-memory", cleaned)
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
