//! Full duplex, measured (`--bench`): bytes per second through a virtual serial pair, one
//! direction alone and both directions at once, with the writers and readers as threads and
//! as processes, optionally paced to a real line's speed, and optionally against CPython.
//!
//! - [`plan`]: how many bytes, how many runs, what pace;
//! - [`stream`]: the test stream, its writer and its checking reader;
//! - [`pace`]: a writer no faster than a real line at N baud;
//! - [`threads`] and [`processes`]: one transfer each way;
//! - [`measure`]: one way and both ways taking turns, medians;
//! - [`verdict`]: the table and what each ratio says;
//! - [`python`]: the same measurement in CPython.

pub mod measure;
pub mod pace;
pub mod plan;
pub mod processes;
pub mod python;
pub mod stream;
pub mod threads;
pub mod verdict;

use std::process::ExitCode;
use std::thread;

use common::timing::debug_build_warning;

pub use measure::{Ends, Rates, Workers, measure};
pub use plan::Plan;
pub use python::PYSERIAL_MISSING;
pub use stream::{PERIOD, pattern_byte};
pub use verdict::judge;

/// `--bench`: one way and both ways at once, with threads and with processes.
pub fn bench(plan: &Plan, with_python: bool) -> anyhow::Result<ExitCode> {
    if let Some(warning) = debug_build_warning() {
        println!("{warning}");
    }
    println!(
        "full duplex, measured: {}, one way and both ways taking turns; every byte is compared with what was sent before a rate is printed",
        plan.describe()
    );
    let block = stream::pattern_block();
    // Processes first: lesson01's fork refuses to fork a process that has other threads, and
    // a finished thread may linger in /proc for a moment after it was joined.
    let processes = measure(Workers::Processes, plan, &block)?;
    let threads = measure(Workers::Threads, plan, &block)?;
    verdict::report(threads, processes);
    match plan.bytes_per_s() {
        None => {
            let cpus = thread::available_parallelism().map_or(1, |cpus| cpus.get());
            println!(
                "a pty has no wire and no baud rate: it moves bytes as fast as the kernel copies them, and with both directions at once 4 busy workers (2 writers, 2 readers) share {cpus} CPU{}",
                if cpus == 1 { "" } else { "s" }
            );
        }
        Some(rate) => println!(
            "a real line at this speed carries at most {rate:.0} bytes/s each way, in both directions at once (a UART sends and receives on separate wires); 2.00x is all a full-duplex line can give"
        ),
    }
    if with_python {
        python::compare_with_python(plan, threads)?;
    }
    Ok(ExitCode::SUCCESS)
}
