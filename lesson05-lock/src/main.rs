//! Lesson 5: two processes add 1 and 3 to one shared value under one lock; without the lock,
//! updates are lost; and when the holder of the lock is killed, the other process recovers it.
//!
//! Notes: Lock. `--plain` runs the notes' program (`src/notes.rs`) and nothing else; the other
//! flags pick a variation, each in its own module. Different in Rust: the lock sits next to the
//! value in one segment, and it is robust. Run `cargo run -p lesson05-lock -- --help`.

use std::process::ExitCode;

use clap::{ArgGroup, Parser};
use common::cli::parse_args;
use lesson01_process::StartMethod;

/// Two processes add to one shared value under one lock, as in the notes; then the same without
/// the lock, with the holder killed, with threads, and measured.
#[derive(Debug, Parser)]
#[command(version)]
#[command(group(ArgGroup::new("with_python").args(["bench", "kill_holder"])))]
struct Args {
    /// Run the notes' program (src/notes.rs) and print only what the notes' Python prints: the
    /// running value, one number a line
    #[arg(long, conflicts_with_all = ["kill_holder", "bench"])]
    plain: bool,

    /// With --plain: how the notes' program starts its two processes, as in
    /// multiprocessing.set_start_method
    #[arg(long, value_name = "METHOD", default_value = "fork", requires = "plain",
          conflicts_with_all = ["no_lock", "threads"])]
    start_method: StartMethod,

    /// Sleep this long in each step (the notes sleep 100 ms)
    #[arg(long, value_name = "MS", default_value_t = 100, conflicts_with = "bench",
          value_parser = clap::value_parser!(u64).range(0..=10_000))]
    step_ms: u64,

    /// Leave the lock out, and see updates lost
    #[arg(long, conflicts_with_all = ["kill_holder", "bench"])]
    no_lock: bool,

    /// Kill the process that holds the lock (SIGKILL, after 3 of its steps) and watch the other
    /// one recover the lock; with --threads, the holder panics and poisons the Mutex instead
    #[arg(long, conflicts_with = "bench")]
    kill_holder: bool,

    /// The same program with two threads and a std::sync::Mutex<i32>, no shared memory
    #[arg(long, conflicts_with = "bench")]
    threads: bool,

    /// Measure the lock: two processes each add 1 to the shared value --count times, taking
    /// the lock for every increment
    #[arg(long)]
    bench: bool,

    /// Increments per process for --bench
    #[arg(long, value_name = "N", default_value_t = 1_000_000, requires = "bench",
          value_parser = clap::value_parser!(u32).range(1..=100_000_000))]
    count: u32,

    /// Runs for --bench (the median is printed)
    #[arg(long, value_name = "N", default_value_t = 5, requires = "bench",
          value_parser = clap::value_parser!(u32).range(1..=100))]
    runs: u32,

    /// With --bench or --kill-holder: run the CPython counterpart too
    #[arg(long, requires = "with_python", conflicts_with = "threads")]
    python: bool,
}

#[cfg(target_os = "linux")]
fn main() -> ExitCode {
    use std::time::Duration;

    use lesson01_process::forkserver;
    use lesson01_process::start::spawned_orders;
    use lesson04_shared_memory::signals;
    use lesson05_lock::{Mode, bench, children, kill_holder, no_lock, threads, walkthrough};

    // Rust's `if __name__ == '__main__':` -- a spawned worker runs only its target.
    if let Some(orders) = spawned_orders() {
        return children::child_main(orders);
    }
    let args: Args = parse_args();
    if args.start_method == StartMethod::Forkserver {
        // Now, while this program has one thread, and before its signal handlers: the server
        // and the children it forks start with the default ones.
        if let Err(err) = forkserver::start(children::child_main) {
            return signals::exit_code(Err(err), "lesson05-lock", "nothing to remove");
        }
    }
    let step = Duration::from_millis(args.step_ms);
    let result = if let Err(err) = children::set_start_method(args.start_method) {
        Err(err)
    } else if args.bench {
        bench::bench(args.count, args.runs, args.python)
    } else if args.threads {
        let mode = if args.no_lock {
            Mode::NoLock
        } else if args.kill_holder {
            Mode::KillHolder
        } else {
            Mode::Lock
        };
        threads::run(mode, args.plain, step)
    } else if args.kill_holder {
        kill_holder::run(step, args.python)
    } else if args.no_lock && args.plain {
        no_lock::plain(step)
    } else if args.no_lock {
        no_lock::run(step)
    } else if args.plain {
        children::plain(step)
    } else {
        walkthrough::run(step)
    };
    // The workers are joined or killed: the server, if one was started, is stopped and reaped.
    forkserver::stop();
    signals::exit_code(
        result,
        "lesson05-lock",
        "children killed and reaped, segments removed",
    )
}

/// macOS has process-shared mutexes but no robust ones, and this lesson is about the robust kind.
#[cfg(not(target_os = "linux"))]
fn main() -> ExitCode {
    let _: Args = parse_args();
    eprintln!(
        "error: lesson05-lock needs robust process-shared mutexes (pthread_mutexattr_setrobust), which this system lacks; it runs on Linux"
    );
    ExitCode::FAILURE
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
