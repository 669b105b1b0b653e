//! A pool of worker threads with the calls of Python's `multiprocessing.Pool`, on rayon.
//!
//! | Python | here |
//! | --- | --- |
//! | `Pool(processes=2)` | [`Pool::new(2)`](Pool::new): a rayon pool of 2 threads |
//! | `Pool()` | [`Pool::with_default_size`]: rayon's default, one thread per available CPU |
//! | `pool.map(job, range(10))` | [`pool.map(job, 0..10)`](Pool::map): results in the items' order |
//! | `pool.apply_async(job, (2,))` | [`pool.apply_async(move \|\| job(2))`](Pool::apply_async): an [`AsyncResult`] |
//! | `res.get()` | [`AsyncResult::get`]: waits; a panic in the task comes back as an error |
//! | `pool.imap_unordered(job, items)` | [`Pool::imap_unordered`]: results as they finish |
//!
//! A task's panic never escapes into the caller as a panic: it comes back as [`TaskPanicked`],
//! as Python's `get()` re-raises the exception the task raised.

use std::any::Any;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, mpsc};

use anyhow::Context;
use rayon::prelude::*;

/// A task panicked; Python's `get()` would re-raise its exception here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskPanicked {
    /// What the task's `panic!` said.
    pub message: String,
}

impl TaskPanicked {
    fn from_payload(payload: Box<dyn Any + Send>) -> Self {
        Self {
            message: panic_message(payload.as_ref()).to_string(),
        }
    }
}

impl fmt::Display for TaskPanicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a task panicked: {}", self.message)
    }
}

impl std::error::Error for TaskPanicked {}

pub use common::cli::panic_message;

/// A pool of worker threads: `multiprocessing.Pool`, with threads instead of processes.
#[derive(Debug)]
pub struct Pool {
    threads: rayon::ThreadPool,
}

impl Pool {
    /// A pool of `workers` threads, named `pool-worker-0`, `pool-worker-1`, ... A thread
    /// that cannot be started is an error, not a panic.
    pub fn new(workers: usize) -> anyhow::Result<Self> {
        // rayon would quietly read `num_threads(0)` as "the default size".
        anyhow::ensure!(workers > 0, "a pool needs at least one worker");
        Self::build(rayon::ThreadPoolBuilder::new().num_threads(workers))
            .with_context(|| format!("cannot start a pool of {workers} worker threads"))
    }

    /// Python's `Pool()` with no size, which starts `os.cpu_count()` processes (from 3.13
    /// `os.process_cpu_count()`, which honours CPU affinity as ours does): rayon's
    /// default size, `RAYON_NUM_THREADS` if that is set, else one thread per CPU this program
    /// may use (`std::thread::available_parallelism`).
    pub fn with_default_size() -> anyhow::Result<Self> {
        Self::build(rayon::ThreadPoolBuilder::new())
            .context("cannot start the pool's worker threads")
    }

    fn build(builder: rayon::ThreadPoolBuilder) -> anyhow::Result<Self> {
        let threads = builder
            .thread_name(|index| format!("pool-worker-{index}"))
            .build()
            // rayon's message is the OS error, which its source() repeats: keep it once.
            .map_err(|err| anyhow::anyhow!("{err}"))?;
        Ok(Self { threads })
    }

    pub fn workers(&self) -> usize {
        self.threads.current_num_threads()
    }

    /// Python's `pool.map(f, items)`: runs `f` on every item in the pool's threads and returns
    /// the results in the items' order, whichever thread finished first. If a task panics,
    /// the others still run and the panic comes back as an error.
    pub fn map<I, R, F>(&self, f: F, items: I) -> Result<Vec<R>, TaskPanicked>
    where
        I: IntoParallelIterator + Send,
        F: Fn(I::Item) -> R + Sync + Send,
        R: Send,
    {
        self.run(|| items.into_par_iter().map(f).collect())
    }

    /// [`map`](Self::map) into a vector you keep: its allocation is reused, so a second call
    /// allocates nothing and touches memory that is already mapped (what `--bench` times).
    /// The items must be indexed (a `Vec`, a slice, a `usize` range): each result is written
    /// straight into its place.
    pub fn map_into<I, R, F>(
        &self,
        f: F,
        items: I,
        results: &mut Vec<R>,
    ) -> Result<(), TaskPanicked>
    where
        I: IntoParallelIterator<Iter: IndexedParallelIterator> + Send,
        F: Fn(I::Item) -> R + Sync + Send,
        R: Send,
    {
        self.run(|| items.into_par_iter().map(f).collect_into_vec(results))
    }

    /// Runs `op` on the pool's threads and waits for it; a task's panic, which `install`
    /// would pass on to us, comes back as an error.
    fn run<T: Send>(&self, op: impl FnOnce() -> T + Send) -> Result<T, TaskPanicked> {
        catch_unwind(AssertUnwindSafe(|| self.threads.install(op)))
            .map_err(TaskPanicked::from_payload)
    }

    /// Python's `pool.apply_async(f, args)`: queues one task and returns at once with a handle;
    /// [`AsyncResult::get`] waits for the result. The arguments travel inside the closure.
    pub fn apply_async<R, F>(&self, task: F) -> AsyncResult<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (sender, receiver) = mpsc::sync_channel(1);
        self.threads.spawn(move || {
            // Must be caught here: rayon aborts the whole process if a spawned task panics.
            let outcome = catch_unwind(AssertUnwindSafe(task)).map_err(TaskPanicked::from_payload);
            // The caller may have dropped its handle: then nobody wants the result.
            let _ = sender.send(outcome);
        });
        AsyncResult { receiver }
    }

    /// Python's `pool.imap_unordered(f, items)`: every item becomes a task now, and the
    /// iterator yields each result as soon as its task finishes, in no particular order.
    pub fn imap_unordered<I, T, R, F>(
        &self,
        f: F,
        items: I,
    ) -> impl Iterator<Item = Result<R, TaskPanicked>> + use<I, T, R, F>
    where
        I: IntoIterator<Item = T>,
        F: Fn(T) -> R + Send + Sync + 'static,
        T: Send + 'static,
        R: Send + 'static,
    {
        let f = Arc::new(f);
        let (sender, receiver) = mpsc::channel();
        for item in items {
            let (f, sender) = (Arc::clone(&f), sender.clone());
            self.threads.spawn(move || {
                let outcome =
                    catch_unwind(AssertUnwindSafe(|| f(item))).map_err(TaskPanicked::from_payload);
                let _ = sender.send(outcome);
            });
        }
        // The iterator ends when every task has sent its result and dropped its sender.
        receiver.into_iter()
    }
}

/// The handle `apply_async` returns: Python's `AsyncResult`.
#[derive(Debug)]
pub struct AsyncResult<R> {
    receiver: mpsc::Receiver<Result<R, TaskPanicked>>,
}

impl<R> AsyncResult<R> {
    /// Waits until the task has run; its result, or its panic as an error (Python's `get()`
    /// re-raises the task's exception).
    pub fn get(self) -> Result<R, TaskPanicked> {
        self.receiver.recv().unwrap_or_else(|_| {
            // rayon runs every spawned task before its pool shuts down, so this is not expected.
            Err(TaskPanicked {
                message: "the task was dropped before it ran".to_string(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn square(x: u64) -> u64 {
        x * x
    }

    const SQUARES: [u64; 10] = [0, 1, 4, 9, 16, 25, 36, 49, 64, 81];

    #[test]
    fn map_keeps_the_items_order() {
        for workers in [1, 2, 3, 8] {
            let pool = Pool::new(workers).expect("pool");
            assert_eq!(pool.workers(), workers);
            assert_eq!(pool.map(square, 0..10u64), Ok(SQUARES.to_vec()));
            // Slow early items finish last, and still come back first.
            let slow_first = |x: u64| {
                std::thread::sleep(std::time::Duration::from_millis(10 - x));
                square(x)
            };
            assert_eq!(pool.map(slow_first, 0..10u64), Ok(SQUARES.to_vec()));
        }
    }

    #[test]
    fn map_into_reuses_the_buffer_and_overwrites_it() {
        let pool = Pool::new(2).expect("pool");
        let square = |x: usize| x * x;
        let mut results = vec![7; 3];
        pool.map_into(square, 0..10, &mut results)
            .expect("no panic");
        assert_eq!(results, SQUARES.map(|x| x as usize));
        let buffer = results.as_ptr();
        pool.map_into(square, 0..5, &mut results).expect("no panic");
        assert_eq!(results, SQUARES.map(|x| x as usize)[..5]);
        assert_eq!(results.as_ptr(), buffer, "the same allocation");
    }

    #[test]
    fn apply_async_handles_give_each_result() {
        let pool = Pool::new(2).expect("pool");
        assert_eq!(pool.apply_async(|| square(2)).get(), Ok(4));
        let handles: Vec<_> = (0..10u64)
            .map(|i| pool.apply_async(move || square(i)))
            .collect();
        let results: Result<Vec<u64>, _> = handles.into_iter().map(AsyncResult::get).collect();
        assert_eq!(results, Ok(SQUARES.to_vec()));
    }

    #[test]
    fn a_panicking_task_is_an_error_from_get_and_the_pool_carries_on() {
        let pool = Pool::new(2).expect("pool");
        let failing = pool.apply_async(|| -> u64 { panic!("job(5) panicked on purpose") });
        let formatted = pool.apply_async(|| -> u64 { panic!("item {}", 7) });
        assert_eq!(
            failing.get(),
            Err(TaskPanicked {
                message: "job(5) panicked on purpose".to_string()
            })
        );
        assert_eq!(
            formatted.get().map_err(|err| err.to_string()),
            Err("a task panicked: item 7".to_string())
        );
        assert_eq!(pool.apply_async(|| square(3)).get(), Ok(9));
    }

    #[test]
    fn a_panic_in_map_is_an_error_not_a_panic() {
        let pool = Pool::new(2).expect("pool");
        let result = pool.map(
            |x: u64| {
                assert!(x != 6, "job(6) failed");
                square(x)
            },
            0..10u64,
        );
        assert_eq!(
            result.map_err(|err| err.message),
            Err("job(6) failed".into())
        );
        assert_eq!(pool.map(square, 0..10u64), Ok(SQUARES.to_vec()));
    }

    #[test]
    fn imap_unordered_yields_every_result_once() {
        let pool = Pool::new(3).expect("pool");
        let results: BTreeSet<u64> = pool
            .imap_unordered(square, 0..10u64)
            .map(|result| result.expect("no panic"))
            .collect();
        assert_eq!(results, SQUARES.into_iter().collect());
        let with_panic: Vec<_> = pool
            .imap_unordered(
                |x: u64| {
                    assert!(x != 2, "two");
                    x
                },
                0..4u64,
            )
            .collect();
        assert_eq!(with_panic.len(), 4);
        assert_eq!(with_panic.iter().filter(|r| r.is_err()).count(), 1);
    }

    #[test]
    fn the_default_size_is_rayons() {
        let pool = Pool::with_default_size().expect("pool");
        assert_eq!(pool.workers(), rayon::current_num_threads());
    }

    #[test]
    fn a_pool_of_zero_workers_is_refused() {
        assert!(Pool::new(0).is_err());
    }
}
