//! A pool of worker *processes*, small enough to read: what `multiprocessing.Pool` is
//! underneath, built from lesson01's `fork_child` and lesson02's `Queue`.
//!
//! Each worker has its own task queue (parent → worker) and all of them share one results
//! queue (workers → parent). A worker runs one task at a time, and the parent gives it the
//! next only when its result is back, so the parent always knows which task each worker is
//! running. When a worker dies (SIGKILL, abort, a segfault), the parent notices with
//! `waitpid`, marks that one task failed, starts a new worker in its place and carries on.
//!
//! Forking needs a single-threaded parent (see `fork_child`): use it from a process that has
//! started no threads, as `--isolation` does.

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use common::process::{Child, ExitStatus, Pid};
use lesson01_process::start::fork_child;
use lesson02_queue::Queue;
use nix::unistd::getpid;
use serde::{Deserialize, Serialize};

/// What the parent sends a worker; serde turns it into bytes for the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Order {
    /// Run the task on this item and put the result.
    Run(u64),
    /// No more tasks: exit.
    Stop,
}

/// What a worker sends back: which worker ran which item, and the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done {
    #[serde(with = "pid_as_i32")]
    pub worker: Pid,
    pub item: u64,
    pub value: u64,
}

/// nix's `Pid` has no serde support: it travels as the `i32` it wraps.
mod pid_as_i32 {
    use common::process::Pid;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(pid: &Pid, serializer: S) -> Result<S::Ok, S::Error> {
        pid.as_raw().serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Pid, D::Error> {
        i32::deserialize(deserializer).map(Pid::from_raw)
    }
}

/// A task whose worker process died while it had the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerDied {
    pub worker: Pid,
    pub status: ExitStatus,
}

impl fmt::Display for WorkerDied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "its worker pid {} ended: {}", self.worker, self.status)
    }
}

impl std::error::Error for WorkerDied {}

/// What happened in the pool, as it happens; the lesson prints these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A task's result came back.
    Done(Done),
    /// A worker died; `lost` is the item it had, if it had one.
    WorkerDied {
        worker: Pid,
        status: ExitStatus,
        lost: Option<u64>,
    },
    /// A new worker took a dead one's place.
    Replaced { old: Pid, new: Pid },
}

/// How long the pool waits with no result and no worker dying before it gives up.
pub const STALL_TIMEOUT: Duration = Duration::from_secs(60);

/// One worker process and the task queue only it reads.
#[derive(Debug)]
struct Worker {
    child: Child,
    tasks: Queue<Order>,
    /// The index of the item it is running (sent, result not back yet).
    running: Option<usize>,
    /// How it ended, once it has; a dead worker is replaced only while tasks are pending.
    ended: Option<ExitStatus>,
}

/// A pool of worker processes that each run `task` on the items they are given.
#[derive(Debug)]
pub struct ProcessPool<F> {
    task: F,
    workers: Vec<Worker>,
    results: Queue<Done>,
    /// Workers that died and had a new worker put in their place: how each one ended.
    replaced: Vec<(Pid, ExitStatus)>,
}

/// How the pool's workers ended, every one it ever had, once it is closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    /// Workers that exited with code 0 when told to stop.
    pub stopped: Vec<Pid>,
    /// Workers that ended any other way (killed, crashed), and how.
    pub died: Vec<(Pid, ExitStatus)>,
    /// How many of `died` had a new worker started in their place.
    pub replaced: usize,
}

impl<F: Fn(u64) -> u64> ProcessPool<F> {
    /// Forks `size` worker processes. The parent must be single-threaded.
    pub fn new(size: usize, task: F) -> anyhow::Result<Self> {
        anyhow::ensure!(size > 0, "a pool needs at least one worker");
        let mut pool = Self {
            task,
            workers: Vec::with_capacity(size),
            results: Queue::new()?,
            replaced: Vec::new(),
        };
        for number in 1..=size {
            let worker = pool
                .start_worker()
                .with_context(|| format!("cannot start worker {number} of {size}"))?;
            pool.workers.push(worker);
        }
        Ok(pool)
    }

    /// The worker processes' pids, in slot order.
    pub fn pids(&self) -> Vec<Pid> {
        self.workers
            .iter()
            .map(|worker| worker.child.pid())
            .collect()
    }

    /// Forks a worker with a fresh task queue: a dead worker's queue might still hold a task
    /// it never read, which the parent has already counted as failed.
    fn start_worker(&self) -> anyhow::Result<Worker> {
        let mut tasks = Queue::<Order>::new()?;
        let (task, results) = (&self.task, &self.results);
        let child = fork_child(|| worker_loop(&mut tasks, results, task))?;
        Ok(Worker {
            child,
            tasks,
            running: None,
            ended: None,
        })
    }

    /// Runs the task on every item; the results in the items' order: the value, or the death
    /// of the worker that had the item. `on_event` sees each result and each death as it
    /// happens.
    pub fn map(
        &mut self,
        items: &[u64],
        mut on_event: impl FnMut(&Event),
    ) -> anyhow::Result<Vec<Result<u64, WorkerDied>>> {
        let mut outcomes: Vec<Option<Result<u64, WorkerDied>>> = vec![None; items.len()];
        // Items are identified by their position, so the same value may appear twice.
        let mut pending: VecDeque<usize> = (0..items.len()).collect();
        let mut unfinished = items.len();
        for slot in 0..self.workers.len() {
            self.give_next(slot, &mut pending, items)?;
        }
        let mut last_news = Instant::now();
        while unfinished > 0 {
            let done = self.results.get_timeout(Duration::from_millis(10));
            if let Some(done) = done.context("the pool's results queue")? {
                let slot = self.record(done, &mut outcomes, items, &mut on_event)?;
                unfinished -= 1;
                self.give_next(slot, &mut pending, items)?;
                last_news = Instant::now();
            }
            // Every time round, not only when no result came: a steady stream of results
            // from one worker must not hide the death of another.
            for slot in 0..self.workers.len() {
                if self.workers[slot].ended.is_some() {
                    continue;
                }
                let Some(status) = self.workers[slot].child.try_wait()? else {
                    continue;
                };
                self.workers[slot].ended = Some(status);
                // Whatever it put before it died is in the pipe now: take that first.
                while let Some(done) = self
                    .results
                    .get_timeout(Duration::ZERO)
                    .context("the pool's results queue")?
                {
                    let from = self.record(done, &mut outcomes, items, &mut on_event)?;
                    unfinished -= 1;
                    if from != slot {
                        self.give_next(from, &mut pending, items)?;
                    }
                }
                let worker = self.workers[slot].child.pid();
                let lost = self.workers[slot].running.take();
                on_event(&Event::WorkerDied {
                    worker,
                    status,
                    lost: lost.map(|index| items[index]),
                });
                if let Some(index) = lost {
                    outcomes[index] = Some(Err(WorkerDied { worker, status }));
                    unfinished -= 1;
                }
                if !pending.is_empty() {
                    self.replaced.push((worker, status));
                    self.workers[slot] = self
                        .start_worker()
                        .context("cannot start a worker in a dead one's place")?;
                    let new = self.workers[slot].child.pid();
                    on_event(&Event::Replaced { old: worker, new });
                    self.give_next(slot, &mut pending, items)?;
                }
                last_news = Instant::now();
            }
            if last_news.elapsed() > STALL_TIMEOUT {
                bail!(
                    "no result and no worker ended for {} s: giving up",
                    STALL_TIMEOUT.as_secs()
                );
            }
        }
        outcomes
            .into_iter()
            .map(|outcome| outcome.context("a task was neither done nor failed"))
            .collect()
    }

    /// Takes a result; returns the slot of the worker that sent it.
    fn record(
        &mut self,
        done: Done,
        outcomes: &mut [Option<Result<u64, WorkerDied>>],
        items: &[u64],
        on_event: &mut impl FnMut(&Event),
    ) -> anyhow::Result<usize> {
        let slot = self
            .slot_of(done.worker)
            .context("a result from a process that is not one of the pool's workers")?;
        let index = self.workers[slot]
            .running
            .take()
            .filter(|index| items[*index] == done.item)
            .context("a worker sent a result for a task it was not given")?;
        outcomes[index] = Some(Ok(done.value));
        on_event(&Event::Done(done));
        Ok(slot)
    }

    fn slot_of(&self, worker: Pid) -> Option<usize> {
        self.workers
            .iter()
            .position(|slot| slot.child.pid() == worker)
    }

    /// Sends the next pending item, if any, to the worker in `slot`.
    fn give_next(
        &mut self,
        slot: usize,
        pending: &mut VecDeque<usize>,
        items: &[u64],
    ) -> anyhow::Result<()> {
        if let Some(index) = pending.pop_front() {
            let worker = &mut self.workers[slot];
            worker.tasks.put(&Order::Run(items[index]))?;
            worker.running = Some(index);
        }
        Ok(())
    }

    /// Tells every worker to stop and reaps it (Python's `pool.close(); pool.join()`); how
    /// every worker the pool ever had ended, the replaced ones included.
    pub fn close(mut self) -> anyhow::Result<Closed> {
        for worker in self.workers.iter().filter(|worker| worker.ended.is_none()) {
            worker.tasks.put(&Order::Stop)?;
        }
        let mut closed = Closed {
            stopped: Vec::new(),
            replaced: self.replaced.len(),
            died: std::mem::take(&mut self.replaced),
        };
        for worker in &mut self.workers {
            let pid = worker.child.pid();
            match worker.ended {
                Some(status) => closed.died.push((pid, status)),
                None => match worker
                    .child
                    .wait_timeout(Duration::from_secs(10))?
                    .with_context(|| format!("worker {pid} did not stop"))?
                {
                    ExitStatus::Code(0) => closed.stopped.push(pid),
                    status => closed.died.push((pid, status)),
                },
            }
        }
        Ok(closed)
    }
}

/// A worker's life: take a task, run it, put the result; until told to stop.
fn worker_loop(tasks: &mut Queue<Order>, results: &Queue<Done>, task: impl Fn(u64) -> u64) -> i32 {
    let worker = getpid();
    loop {
        match tasks.get() {
            Ok(Order::Run(item)) => {
                let value = task(item);
                if results
                    .put(&Done {
                        worker,
                        item,
                        value,
                    })
                    .is_err()
                {
                    return 1;
                }
            }
            Ok(Order::Stop) => return 0,
            Err(_) => return 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_and_results_survive_the_queue() {
        let mut orders = Queue::new().expect("pipe");
        for order in [Order::Run(0), Order::Run(u64::MAX), Order::Stop] {
            orders.put(&order).expect("put");
            assert_eq!(orders.get().expect("get"), order);
        }
        let mut results = Queue::new().expect("pipe");
        let done = Done {
            worker: Pid::from_raw(4321),
            item: 3,
            value: 9,
        };
        results.put(&done).expect("put");
        assert_eq!(results.get().expect("get"), done);
    }
    // The pool itself forks, which a multi-threaded test process must not do: the black-box
    // tests (tests/tests/lesson03_faults.rs) run it through the binary.
}
