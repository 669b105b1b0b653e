//! The parent's side of every run with processes: start the two workers with lesson01's fork
//! (the notes' program also by spawn or forkserver), join them with lesson04's signal handling,
//! and the set-up the walk-throughs share.

use std::any::{type_name, type_name_of_val};
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use common::process::{Child, Pid};
use lesson01_process::StartMethod;
use lesson01_process::start::{Orders, field, run_spawned, start_with_orders};
use lesson04_shared_memory::cleanup::{self, remove_stale_and_report};
use lesson04_shared_memory::signals;

use crate::{LockedValue, PREFIX, STEPS, WORKERS, Worker, notes};

/// What the default run and `--kill-holder` say about the lock.
pub const ROBUST: &str = "a robust, process-shared pthread mutex next to the i32";

/// Forks a child that runs `work` and exits with the code it returns, with the handled signals
/// back to their defaults in it.
pub use lesson04_shared_memory::signals::fork_child as fork;

/// How [`start`] starts a worker; fork until [`set_start_method`] says otherwise.
static START_METHOD: OnceLock<StartMethod> = OnceLock::new();

/// Python's `multiprocessing.set_start_method(method)`: `main` calls it before the notes'
/// program runs, so that `notes.rs` stays the notes' program. Like Python's, once only.
pub fn set_start_method(method: StartMethod) -> anyhow::Result<()> {
    START_METHOD
        .set(method)
        .map_err(|_| anyhow::anyhow!("the start method was already set"))
}

/// The notes' `job(v, num, l)`: what a worker runs.
type Job = fn(&LockedValue<i32>, i32, Duration);

/// The targets a spawned or forkserver child can run, each under its full name. Such a child
/// is not a copy of the parent, so no closure or pointer can reach it: it gets the target's
/// name and looks it up here, as pickle sends a function by its qualified name and the child
/// imports it.
fn targets() -> [(&'static str, Job); 1] {
    [(type_name_of_val(&notes::job), notes::job)]
}

/// Python's `Process(target=job, args=(v, num, l))` and `start()` in one call, by the start
/// method [`set_start_method`] chose. A forked child runs `target` itself; a spawned or
/// forkserver child is told the target's name, the segment's name, `num` and the step.
pub fn start<F>(target: F, args: (&LockedValue<i32>, i32, Duration)) -> anyhow::Result<Child>
where
    F: FnOnce(&LockedValue<i32>, i32, Duration),
{
    let (total, adds, step) = args;
    let method = START_METHOD.get().copied().unwrap_or(StartMethod::Fork);
    if method == StartMethod::Fork {
        return fork(|| {
            target(total, adds, step);
            0
        });
    }
    // `F` is the function's own type, named after it; a closure's name ends in `{{closure}}`.
    let name = type_name::<F>();
    ensure!(
        targets().iter().any(|(known, _)| *known == name),
        "cannot start {name} by {method}: the child finds its target by name, and only the functions in children::targets() can be found"
    );
    let orders = [
        name.to_string(),
        total.name().to_string(),
        adds.to_string(),
        format!("step_us={}", step.as_micros()),
    ];
    start_with_orders(method, &orders, &[])
}

/// What a spawned or forkserver worker was told by [`start`].
#[derive(Debug)]
pub struct WorkerOrders {
    target: Job,
    total: String,
    adds: i32,
    step: Duration,
}

impl WorkerOrders {
    /// Reads `TARGET SEGMENT NUM step_us=N`; an unknown target is an error.
    pub fn from_args(args: &[String]) -> anyhow::Result<Self> {
        let [name, total, adds, step] = args else {
            bail!("expected TARGET SEGMENT NUM step_us=N, got {args:?}");
        };
        let (_, target) = targets()
            .into_iter()
            .find(|(known, _)| known == name)
            .with_context(|| format!("no target named {name:?}"))?;
        let adds = adds.parse().with_context(|| format!("NUM: {adds:?}"))?;
        Ok(Self {
            target,
            total: total.clone(),
            adds,
            step: Duration::from_micros(field(step, "step_us")?),
        })
    }

    /// Opens the parent's value and lock by name and runs the target.
    pub fn run(self) -> anyhow::Result<i32> {
        ensure!(
            self.total.starts_with(&format!("{PREFIX}-")),
            "{} is not one of this lesson's segments",
            self.total
        );
        // Safety: the orders come from `start` in our parent, which names the segment it made
        // with `LockedValue::new_in` and keeps it until it has joined us. (A hand-typed
        // `--spawned-child` line could name another segment: its prefix is checked above and
        // its size by `open`, but not that its mutex was ever initialised.)
        let total = unsafe { LockedValue::<i32>::open(&self.total) }?;
        (self.target)(&total, self.adds, self.step);
        Ok(0)
    }
}

/// A spawned or forkserver worker's `main`: runs what [`start`] told it.
pub fn child_main(orders: anyhow::Result<Orders>) -> ExitCode {
    let orders = orders.and_then(|orders| orders.parse(WorkerOrders::from_args));
    run_spawned(orders, WorkerOrders::run)
}

/// Python's `join()`: waits for the child (a handled signal kills and reaps it instead), and
/// fails if the child did not end well.
pub fn join(child: &mut Child) -> anyhow::Result<()> {
    let status = signals::join(child)?;
    ensure!(
        status.success(),
        "child (pid {}) failed: {status}",
        child.pid()
    );
    Ok(())
}

/// `--plain`: the notes' program, [`notes::multicore`], with the signal handling and the sweep
/// of segments that killed runs left, both silent.
pub fn plain(step: Duration) -> anyhow::Result<ExitCode> {
    quiet_set_up()?;
    notes::multicore(step)?;
    signals::check()?;
    Ok(ExitCode::SUCCESS)
}

/// Installs the signal handlers and removes what killed runs left, saying nothing.
pub fn quiet_set_up() -> anyhow::Result<()> {
    signals::install().context("cannot install the signal handlers")?;
    remove_stale_and_report(PREFIX, false);
    Ok(())
}

/// The start of a walk-through: its heading, the sweep of what killed runs left (said), and the
/// shared value with its lock, described (`lock` says what its lock does in this run).
pub fn set_up(heading: &str, lock: &str) -> anyhow::Result<LockedValue<i32>> {
    signals::install().context("cannot install the signal handlers")?;
    println!("{heading}  (Notes: Lock)");
    remove_stale_and_report(PREFIX, true);
    let total = LockedValue::<i32>::new_in(PREFIX, 0)?;
    match cleanup::describe(total.name()) {
        Some(details) => println!(
            "parent: Value('i', 0) and its lock are /dev/shm/{}: {details} ({lock})",
            total.name()
        ),
        None => println!(
            "parent: Value('i', 0) and its lock are shared-memory segment /{} ({lock})",
            total.name()
        ),
    }
    Ok(total)
}

/// Forks p1 and p2, each running `job`.
pub fn start_both(job: impl Fn(Worker) -> i32) -> anyhow::Result<Vec<(Worker, Child)>> {
    let mut children = Vec::new();
    for worker in WORKERS {
        children.push((worker, fork(|| job(worker))?));
    }
    Ok(children)
}

/// Joins both children, then fails if one failed (other than `killed`, which the parent killed
/// on purpose). A child still running when the other's steps and its own should long be over is
/// stuck waiting for a lock nobody recovered: it is killed, and that is an error. Returns
/// `p1 (pid X): exit code 0, p2 (pid Y): ...`.
pub fn join_both(
    children: &mut [(Worker, Child)],
    step: Duration,
    killed: Option<Pid>,
) -> anyhow::Result<String> {
    // Both are joined before either is judged: if one died, the other may still be finishing
    // its steps with the recovered lock.
    let limit = Duration::from_secs(10) + step * (STEPS as u32 + 1) * 2;
    let mut statuses = Vec::new();
    for index in 0..children.len() {
        let (worker, child) = &mut children[index];
        let Some(status) = signals::wait_within(child, Some(limit))? else {
            // Look before killing: a stopped process is not waiting for anything.
            let stopped: Vec<String> = children
                .iter()
                .filter(|(_, child)| is_stopped(child.pid()))
                .map(|(worker, child)| format!("{} (pid {})", worker.name, child.pid()))
                .collect();
            let (worker, child) = &children[index];
            let late = format!("{} (pid {})", worker.name, child.pid());
            let seconds = limit.as_secs();
            // Returning drops the children, which kills and reaps them.
            if stopped.contains(&late) {
                bail!(
                    "{late} was stopped (SIGSTOP, or a debugger) and had not ended after {seconds} s, so it was killed"
                );
            }
            if let Some(holder) = stopped.first() {
                bail!(
                    "{late} still waited for the lock after {seconds} s, because {holder}, which held it, was stopped (SIGSTOP, or a debugger): both were killed"
                );
            }
            bail!(
                "{late} still waited for the lock after {seconds} s, so it was killed: the lock was not recovered"
            );
        };
        statuses.push((*worker, child.pid(), status));
    }
    let failed = statuses
        .iter()
        .find(|(_, pid, status)| !status.success() && killed != Some(*pid));
    if let Some((worker, pid, status)) = failed {
        bail!("{} (pid {pid}) failed: {status}", worker.name);
    }
    let statuses: Vec<String> = statuses
        .iter()
        .map(|(worker, pid, status)| format!("{} (pid {pid}): {status}", worker.name))
        .collect();
    Ok(statuses.join(", "))
}

/// Whether `pid` is stopped (state `T` in `/proc/PID/stat`: SIGSTOP, or `t`: a debugger).
fn is_stopped(pid: Pid) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The name is in parentheses and may hold anything: the state follows the last `)`.
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .is_some_and(|state| state == "T" || state == "t")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_travels_by_its_full_name_and_only_known_names_are_run() {
        let [(name, _)] = targets();
        assert_eq!(name, "lesson05_lock::notes::job");
        let orders = |target: &str| [target, "lesson05-1-x", "3", "step_us=5"].map(String::from);
        let known = WorkerOrders::from_args(&orders(name)).expect("a known target");
        assert_eq!((known.adds, known.step), (3, Duration::from_micros(5)));
        let closure = type_name_of_val(&|| ());
        assert!(closure.ends_with("{{closure}}"), "{closure}");
        for unknown in [closure, "lesson05_lock::notes::multicore", "job"] {
            let err = WorkerOrders::from_args(&orders(unknown)).expect_err(unknown);
            assert!(err.to_string().starts_with("no target named"), "{err}");
        }
    }

    /// The only test here that sets the start method: it is set once per process.
    #[test]
    fn a_closure_cannot_be_started_by_spawn() {
        set_start_method(StartMethod::Spawn).expect("set once");
        let total = LockedValue::<i32>::new_in("lesson05t", 0).expect("create");
        let closure = |total: &LockedValue<i32>, adds, step| notes::job(total, adds, step);
        let err = start(closure, (&total, 1, Duration::ZERO)).expect_err("no name to find");
        let message = err.to_string();
        assert!(
            message.contains("{{closure}} by spawn: the child finds its target by name"),
            "{message}"
        );
    }
}
