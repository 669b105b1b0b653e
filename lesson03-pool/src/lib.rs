//! Lesson 3: the notes' process pool (`map`, `apply_async`, a list of async results) on a pool
//! of rayon threads; what a pool of processes still buys (isolation); and the best pool size,
//! measured.
//!
//! Notes: 进程池pool, and 其他思考 1 (how many processes?). Different in Rust: with no GIL a
//! pool of threads runs `job` in parallel, so the pool is threads, not processes; a task's
//! panic comes back through its handle as an error, as Python's `get()` re-raises; and the one
//! thing threads cannot give, surviving a task that kills its process, is shown with a small
//! pool of worker processes built from lesson01's `fork_child` and lesson02's `Queue`.
//!
//! [`notes`] is the notes' program (`--plain`), on the [`pool`] module's `Pool`;
//! [`walk_through`] is the default run, and [`panicking_task`] its last step; each variation has
//! its own module: [`isolation`] (on [`process_pool`]), [`best_size`] (`--sweep`), [`bench`].

pub mod bench;
pub mod best_size;
pub mod isolation;
pub mod notes;
pub mod panicking_task;
pub mod pool;
pub mod process_pool;
pub mod walk_through;

/// The notes' `job` for this section: `x * x`. (Lesson 2's `common::job` is another one.)
pub use notes::job;
pub use pool::{AsyncResult, Pool, TaskPanicked};

/// `1 worker thread`, `2 worker threads`: `count` and the noun, singular or plural.
pub fn count(count: usize, singular: &str, plural: &str) -> String {
    format!("{count} {}", if count == 1 { singular } else { plural })
}

/// Prints one line per worker, `   <name> ran job(a) job(b) ...`, from `(worker, item)` pairs.
pub fn print_who_ran<W: Ord>(ran: impl IntoIterator<Item = (W, u64)>, name: impl Fn(&W) -> String) {
    let mut by_worker: std::collections::BTreeMap<W, Vec<u64>> = Default::default();
    for (worker, item) in ran {
        by_worker.entry(worker).or_default().push(item);
    }
    for (worker, mut items) in by_worker {
        items.sort_unstable();
        let jobs: Vec<String> = items.iter().map(|item| format!("job({item})")).collect();
        println!("   {} ran {}", name(&worker), jobs.join(" "));
    }
}

/// Makes every panic print one line on stderr (which thread, what it said) and no backtrace,
/// whatever `RUST_BACKTRACE` says: a task's panic is reported again by its handle.
pub fn report_panics_in_one_line() {
    std::panic::set_hook(Box::new(|info| {
        let thread = std::thread::current();
        common::cli::write_panic_line(thread.name().unwrap_or("a thread"), info);
    }));
}
