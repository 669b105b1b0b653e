//! The few Python names the notes' port uses, so that `notes.rs` reads like the notes:
//! `Process` with its `start` and `join`, `set_start_method` (fork unless `main` says
//! otherwise, as the notes assume), `threading.Thread(...).start()` and `time()`.

use std::any::{type_name, type_name_of_val};
use std::io;
use std::os::fd::OwnedFd;
use std::process::ExitCode;
use std::sync::OnceLock;
use std::thread::{self, Scope, ScopedJoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, ensure};
use common::process::Child;
use lesson01_process::StartMethod;
use lesson01_process::start::{Orders, field, fork_child, run_spawned, start_with_orders};

use crate::notes::{compare_program, queue_program};
use crate::queue::Queue;

/// How [`Process::start`] starts a child; fork until [`set_start_method`] says otherwise.
static START_METHOD: OnceLock<StartMethod> = OnceLock::new();

/// Python's `multiprocessing.set_start_method(method)`: `main` calls it before the notes'
/// program runs, so that `notes.rs` stays the notes' program. Like Python's, once only.
pub fn set_start_method(method: StartMethod) -> anyhow::Result<()> {
    START_METHOD
        .set(method)
        .map_err(|_| anyhow::anyhow!("the start method was already set"))
}

/// How long each worker waits before its target (`--child-sleep-ms`, not Python's): time to
/// look at it with `ps`, or to kill it. None unless `main` sets it.
static CHILD_SLEEP: OnceLock<Duration> = OnceLock::new();

/// Sets [`CHILD_SLEEP`], once.
pub fn set_child_sleep(sleep: Duration) -> anyhow::Result<()> {
    CHILD_SLEEP
        .set(sleep)
        .map_err(|_| anyhow::anyhow!("the child's sleep was already set"))
}

/// The notes' `job(q)`: what a worker runs.
type Job = fn(&Queue<u128>) -> io::Result<()>;

/// The targets a spawned or forkserver child can run, each under its full name. Such a child
/// is not a copy of the parent, so no closure or pointer can reach it: it gets the target's
/// name and looks it up here, as pickle sends a function by its qualified name and the child
/// imports it.
fn targets() -> [(&'static str, Job); 2] {
    [
        (type_name_of_val(&queue_program::job), queue_program::job),
        (
            type_name_of_val(&compare_program::job),
            compare_program::job,
        ),
    ]
}

/// `multiprocessing.Process(target=..., args=...)`: a process that will run `target(queue)`
/// once started. The notes' `args=(q,)` is a tuple holding the queue.
#[derive(Debug)]
pub struct Process<'q, F> {
    target: F,
    queue: &'q Queue<u128>,
    child: Option<Child>,
}

impl<'q, F: Fn(&Queue<u128>) -> io::Result<()>> Process<'q, F> {
    pub fn new(target: F, queue: &'q Queue<u128>) -> Self {
        Self {
            target,
            queue,
            child: None,
        }
    }

    /// Starts the child by the start method [`set_start_method`] chose. A forked child runs
    /// `target` itself; a spawned or forkserver child is told the target's name and handed
    /// the queue's pipes. It exits with 0 if the target returned `Ok`, else 1.
    pub fn start(&mut self) -> anyhow::Result<()> {
        ensure!(self.child.is_none(), "a process can be started only once");
        let method = START_METHOD.get().copied().unwrap_or(StartMethod::Fork);
        let child = if method == StartMethod::Fork {
            fork_child(|| exit_code(&self.target, self.queue, child_sleep()))
        } else {
            // `F` is the function's own type, named after it; a closure's ends in `{{closure}}`.
            let name = type_name::<F>();
            ensure!(
                targets().iter().any(|(known, _)| *known == name),
                "cannot start {name} by {method}: the child finds its target by name, and only the functions in like_python::targets() can be found"
            );
            let sleep_ms = format!("sleep_ms={}", child_sleep().as_millis());
            start_with_orders(method, &[name.to_string(), sleep_ms], &self.queue.fds())
        };
        self.child = Some(child.context("cannot start a worker process")?);
        Ok(())
    }

    /// Waits for the child to end and reaps it. Unlike Python's `join()`, a child that failed
    /// is an error here: otherwise the parent would wait for its result for ever.
    pub fn join(&mut self) -> anyhow::Result<()> {
        let child = self.child.as_mut().context("join() before start()")?;
        let status = child.wait()?;
        ensure!(status.success(), "worker {} failed: {status}", child.pid());
        Ok(())
    }
}

fn child_sleep() -> Duration {
    CHILD_SLEEP.get().copied().unwrap_or_default()
}

/// Runs `target(queue)` in the child, after `sleep`: exit code 0 if it returned `Ok`, else 1.
fn exit_code(
    target: impl Fn(&Queue<u128>) -> io::Result<()>,
    queue: &Queue<u128>,
    sleep: Duration,
) -> i32 {
    thread::sleep(sleep);
    match target(queue) {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("worker {}: {err}", std::process::id());
            1
        }
    }
}

/// A spawned or forkserver worker's `main`: finds its target by name, rebuilds the queue from
/// the pipes it was handed, and runs the target.
pub fn child_main(orders: anyhow::Result<Orders>) -> ExitCode {
    let orders = orders.and_then(|orders| orders.parse_with_fds(worker_orders));
    run_spawned(orders, |worker| {
        Ok(exit_code(worker.target, &worker.queue, worker.sleep))
    })
}

/// What a spawned or forkserver worker is told and handed.
#[derive(Debug)]
struct WorkerOrders {
    target: Job,
    sleep: Duration,
    queue: Queue<u128>,
}

/// Reads a worker's orders: `TARGET sleep_ms=N`, and the queue's four pipe ends.
fn worker_orders(args: &[String], fds: Vec<OwnedFd>) -> anyhow::Result<WorkerOrders> {
    let [name, sleep_ms] = args else {
        anyhow::bail!("expected TARGET sleep_ms=N, got {args:?}");
    };
    let (_, target) = targets()
        .into_iter()
        .find(|(known, _)| known == name)
        .with_context(|| format!("no target named {name:?}"))?;
    Ok(WorkerOrders {
        target,
        sleep: Duration::from_millis(field(sleep_ms, "sleep_ms")?),
        queue: Queue::from_fds(fds)?,
    })
}

/// `threading.Thread(target=...).start()` in a scope: a thread that may borrow what outlives
/// the scope. A thread that cannot be started (too many processes, too little memory) is an
/// error, as Python raises `RuntimeError: can't start new thread`, not a panic.
pub fn start_thread<'scope, T: Send + 'scope>(
    scope: &'scope Scope<'scope, '_>,
    target: impl FnOnce() -> T + Send + 'scope,
) -> anyhow::Result<ScopedJoinHandle<'scope, T>> {
    thread::Builder::new()
        .spawn_scoped(scope, target)
        .context("cannot start a thread")
}

/// Python's `time.time()`: seconds since 1970, as a float.
pub fn time() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_travels_by_its_full_name_and_only_known_names_are_found() {
        let [(queue_job, _), (compare_job, _)] = targets();
        assert_eq!(queue_job, "lesson02_queue::notes::queue_program::job");
        assert_eq!(compare_job, "lesson02_queue::notes::compare_program::job");
        let closure = type_name_of_val(&|| ());
        assert!(closure.ends_with("{{closure}}"), "{closure}");
        for unknown in [closure, "lesson02_queue::notes::queue_program::main", "job"] {
            let args = [unknown.to_string(), "sleep_ms=0".to_string()];
            let err = worker_orders(&args, Vec::new()).expect_err(unknown);
            assert!(err.to_string().starts_with("no target named"), "{err}");
        }
        let args = [queue_job.to_string(), "sleep_ms=0".to_string()];
        let err = worker_orders(&args, Vec::new()).expect_err("no pipes");
        assert!(err.to_string().contains("4 file descriptors"), "{err}");
    }

    /// The only test here that sets the start method: it is set once per process.
    #[test]
    fn a_closure_cannot_be_started_by_spawn_and_nothing_is_started() {
        set_start_method(StartMethod::Spawn).expect("set once");
        let queue = Queue::<u128>::new().expect("pipe");
        let mut worker = Process::new(|queue: &Queue<u128>| queue_program::job(queue), &queue);
        let err = worker.start().expect_err("a closure has no name to find");
        let message = err.to_string();
        assert!(
            message.contains("{{closure}} by spawn: the child finds its target by name"),
            "{message}"
        );
        assert!(worker.child.is_none(), "no child was started");
    }
}
