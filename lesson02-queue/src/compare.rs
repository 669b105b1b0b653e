//! The notes' efficiency comparison: `2 × job(n)` computed normally, by threads, by processes
//! and (our addition) by rayon, each timed after its result is checked.
//!
//! The work is the same in every variant: `2n` loop iterations. The notes give each of their
//! two workers a whole `job(n)`; we split `0..n` into one range per worker and each worker
//! loops over its range twice, so any number of workers shares the same `2n` iterations.
//!
//! rayon is timed as programs use it: on a pool built before the timer starts, so its time is
//! the cost of one job, and [`rayon_start_up`] measures the pool's start-up on its own. The
//! pool lives only inside rayon's own measurement: it is shut down, and its threads gone, before
//! [`measure`] returns, because the multicore variant forks and a fork copies only one thread.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use common::process::{Activity, Child, ExitStatus};
use common::timing::{Summary, time, time_runs};
use common::{TooLarge, job_closed_form, job_range};
use lesson01_process::start::fork_child;
use rayon::prelude::*;

use crate::queue::Queue;

/// The four ways to compute `2 × job(n)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// One loop after the other in this thread, as the notes' `normal()`.
    Normal,
    /// One thread per worker; results come back through the threads' join handles.
    Multithread,
    /// One forked process per worker; results come back through lesson 2's queue.
    Multicore,
    /// A rayon pool with one thread per worker, built before the timer starts.
    Rayon,
}

impl Variant {
    pub const ALL: [Variant; 4] = [
        Self::Normal,
        Self::Multithread,
        Self::Multicore,
        Self::Rayon,
    ];
    /// The three the notes time, in the notes' order.
    pub const NOTES: [Variant; 3] = [Self::Normal, Self::Multithread, Self::Multicore];

    pub fn name(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Multithread => "multithread",
            Self::Multicore => "multicore",
            Self::Rayon => "rayon",
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `2 × job(n)`, the value every variant must produce; an error if it does not fit in a u128.
pub fn expected(n: u64) -> Result<u128, TooLarge> {
    job_closed_form(n)
        .and_then(|once| once.checked_mul(2))
        .ok_or(TooLarge { n })
}

/// The largest n for which `2 × job(n)` fits in a u128.
pub fn max_n() -> u64 {
    let (mut fits, mut too_big) = (0, common::MAX_N);
    while too_big - fits > 1 {
        let middle = fits + (too_big - fits) / 2;
        if expected(middle).is_ok() {
            fits = middle;
        } else {
            too_big = middle;
        }
    }
    fits
}

/// One worker's share: the loop over `range`, twice, as the notes' `normal()` loops twice.
fn job_twice(range: std::ops::Range<u64>) -> Result<u128, TooLarge> {
    Ok(job_range(range.clone())? + job_range(range)?)
}

/// `0..n` cut into `workers` contiguous ranges whose lengths differ by at most one.
pub fn split(n: u64, workers: usize) -> Vec<std::ops::Range<u64>> {
    let workers = workers.max(1) as u64;
    (0..workers)
        .map(|w| n * w / workers..n * (w + 1) / workers)
        .collect()
}

/// Computes `2 × job(n)` by `variant` with `workers` workers.
pub fn compute(variant: Variant, n: u64, workers: usize) -> anyhow::Result<u128> {
    expected(n)?; // refuse an n that would overflow before starting anyone
    let ranges = split(n, workers);
    Ok(match variant {
        Variant::Normal => job_twice(0..n)?,
        Variant::Multithread => thread::scope(|scope| {
            // A thread that cannot be started (too many processes or too little memory) is an
            // error; the threads already started are joined when the scope ends.
            let handles = ranges
                .into_iter()
                .map(|range| thread::Builder::new().spawn_scoped(scope, move || job_twice(range)))
                .collect::<Result<Vec<_>, _>>()
                .context("cannot start a thread")?;
            let total = handles
                .into_iter()
                .map(|handle| handle.join().expect("job_twice does not panic"))
                .sum::<Result<u128, TooLarge>>()?;
            anyhow::Ok(total)
        })?,
        Variant::Multicore => by_processes(ranges)?,
        Variant::Rayon => {
            let pool = start_pool(workers)?;
            let total = by_rayon(&pool, ranges)?;
            shut_down(pool)?;
            total
        }
    })
}

/// A rayon pool, and a count of its threads that have ended.
struct Pool {
    pool: rayon::ThreadPool,
    ended: Arc<AtomicUsize>,
    workers: usize,
}

/// `2 × job(n)` as one job on `pool`: the ranges shared among its threads.
fn by_rayon(pool: &Pool, ranges: Vec<std::ops::Range<u64>>) -> Result<u128, TooLarge> {
    pool.pool.install(|| {
        ranges
            .into_par_iter()
            .map(job_twice)
            .sum::<Result<u128, TooLarge>>()
    })
}

/// A pool of `workers` threads, each of which has run once; an error unless all have.
fn start_pool(workers: usize) -> anyhow::Result<Pool> {
    let ended = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&ended);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .exit_handler(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        // Its message already holds the OS error, which its source repeats.
        .map_err(|err| anyhow::anyhow!("cannot start the rayon pool's threads: {err}"))?;
    let ran: Vec<usize> = pool.broadcast(|thread| thread.index());
    ensure!(
        ran == (0..workers).collect::<Vec<_>>(),
        "the pool's threads did not all run: {ran:?}"
    );
    Ok(Pool {
        pool,
        ended,
        workers,
    })
}

/// Drops the pool and waits until its threads have ended: the multicore variant forks, and
/// `fork_child` refuses to fork a process with more than one thread.
fn shut_down(pool: Pool) -> anyhow::Result<()> {
    let Pool {
        pool,
        ended,
        workers,
    } = pool;
    drop(pool);
    let deadline = Instant::now() + Duration::from_secs(2);
    while ended.load(Ordering::SeqCst) < workers {
        ensure!(
            Instant::now() < deadline,
            "rayon's threads were still running 2 s after their pool was dropped"
        );
        thread::sleep(Duration::from_micros(100));
    }
    Ok(())
}

/// What starting a rayon pool costs: building a pool of `workers` threads until each has run
/// a first (empty) job; the median of `runs` runs. A program pays it once, not per job.
pub fn rayon_start_up(workers: usize, runs: usize) -> anyhow::Result<Duration> {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        // start_pool fails unless every thread ran: only then is its time kept.
        let checked = time(|| start_pool(workers)).check(|started| match started {
            Ok(_) => Ok(()),
            Err(err) => Err(format!("{err:#}")),
        })?;
        samples.push(*checked.time());
        shut_down(checked.into_value()?)?;
    }
    Ok(Summary::of(samples).context("at least one run")?.median)
}

/// One forked worker per range; each puts its share on the queue. The parent gets every
/// share *before* it joins, which cannot deadlock whatever the size of a result.
fn by_processes(ranges: Vec<std::ops::Range<u64>>) -> anyhow::Result<u128> {
    let mut queue = Queue::<u128>::new()?;
    let mut workers = Vec::with_capacity(ranges.len());
    for range in ranges {
        let queue = &queue;
        let worker = fork_child(move || match job_twice(range) {
            Ok(share) => i32::from(queue.put(&share).is_err()),
            Err(_) => 1,
        });
        workers.push(worker.context("cannot start a worker process")?);
    }
    let mut stopped_since = vec![None; workers.len()];
    let mut total = 0u128;
    let mut shares = 0;
    while shares < workers.len() {
        // The parent holds a write end of the pipe too, so a worker that dies closes nothing
        // and the pipe stays silent: between waits, look at the workers themselves.
        if let Some(share) = queue.get_timeout(LOOK_EVERY)? {
            total += share;
            shares += 1;
            continue;
        }
        let mut all_ended = true;
        for (worker, since) in workers.iter_mut().zip(&mut stopped_since) {
            match look_at(worker, since)? {
                None => all_ended = false,
                Some(status) if status.success() => {}
                Some(status) => bail!("worker {} ended without its share: {status}", worker.pid()),
            }
        }
        if all_ended && queue.get_timeout(Duration::ZERO)?.is_none() {
            bail!(
                "every worker exited, but only {shares} of {} shares came",
                workers.len()
            );
        }
    }
    for (worker, since) in workers.iter_mut().zip(&mut stopped_since) {
        let status = loop {
            if let Some(status) = worker.wait_timeout(LOOK_EVERY)? {
                break status;
            }
            if let Some(status) = look_at(worker, since)? {
                break status;
            }
        };
        ensure!(status.success(), "worker {} failed: {status}", worker.pid());
    }
    Ok(total)
}

/// How often a parent waiting on its workers checks that none died or was stopped.
const LOOK_EVERY: Duration = Duration::from_millis(100);

/// How long a worker may stay stopped before the run gives up on it: time enough for the
/// shell's `fg` after a Ctrl-Z, which stops and then continues every process of the job.
const STOP_GRACE: Duration = Duration::from_secs(1);

/// How `worker` ended, or `None` while it is at work; an error, in one line, once it has been
/// stopped for longer than [`STOP_GRACE`] (`since`: when we first saw it stopped). The
/// workers are killed when they are dropped.
fn look_at(worker: &mut Child, since: &mut Option<Instant>) -> anyhow::Result<Option<ExitStatus>> {
    match worker.activity()? {
        Activity::Ended(status) => Ok(Some(status)),
        Activity::Running => {
            *since = None;
            Ok(None)
        }
        Activity::Stopped(signal) => {
            let since = since.get_or_insert_with(Instant::now);
            ensure!(
                since.elapsed() < STOP_GRACE,
                "worker {} was stopped by {} and not continued; the workers were killed",
                worker.pid(),
                signal.as_str()
            );
            Ok(None)
        }
    }
}

/// Runs `variant` `runs` times, checks every result, and returns the (checked) result and the
/// time summary. A variant that fails to run is an error, not a wrong result.
pub fn measure(
    variant: Variant,
    n: u64,
    workers: usize,
    runs: usize,
) -> anyhow::Result<(u128, Summary)> {
    let expected = expected(n)?;
    let timed = if variant == Variant::Rayon {
        // Built and warmed before the timer starts, shut down after it stops.
        let pool = start_pool(workers)?;
        let _warm_up = by_rayon(&pool, split(n, workers));
        let timed = time_runs(runs, || -> anyhow::Result<u128> {
            Ok(by_rayon(&pool, split(n, workers))?)
        });
        shut_down(pool)?;
        timed
    } else {
        time_runs(runs, || compute(variant, n, workers))
    };
    let timed = timed
        .all_succeeded()
        .with_context(|| format!("{variant} failed"))?;
    let checked =
        timed.check(
            |results| match results.iter().find(|total| **total != expected) {
                Some(total) => Err(format!("{variant} gave {total}, expected {expected}")),
                None => Ok(()),
            },
        )?;
    let summary = *checked.time();
    let total = checked.into_value().into_iter().next();
    let total = total.context("no run")?;
    Ok((total, summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_0_to_n_once() {
        for (n, workers) in [(10, 3), (1_000_000, 2), (5, 8), (0, 2), (7, 1)] {
            let ranges = split(n, workers);
            assert_eq!(ranges.len(), workers);
            assert_eq!(ranges[0].start, 0);
            assert_eq!(ranges[workers - 1].end, n);
            for pair in ranges.windows(2) {
                assert_eq!(pair[0].end, pair[1].start, "{n} {workers}");
            }
        }
    }

    #[test]
    fn thread_variants_give_the_notes_value() {
        // Multicore forks, which a multi-threaded test process must not do: the black-box
        // tests check it through the binary.
        for variant in [Variant::Normal, Variant::Multithread, Variant::Rayon] {
            for workers in [1, 2, 3] {
                assert_eq!(
                    compute(variant, 1_000_000, workers).expect("fits"),
                    499_999_666_667_166_666_000_000,
                    "{variant} with {workers} workers"
                );
            }
        }
    }

    #[test]
    fn max_n_is_the_exact_limit_for_twice_job() {
        assert!(expected(max_n()).is_ok());
        assert!(expected(max_n() + 1).is_err());
    }

    #[test]
    fn an_n_that_overflows_is_refused() {
        assert!(expected(common::MAX_N).is_err(), "2 × job(MAX_N) overflows");
        assert!(compute(Variant::Normal, u64::MAX, 2).is_err());
    }
}
