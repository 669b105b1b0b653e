//! The notes' program with processes: p1 adds 1 and p2 adds 3 to one shared value, ten times
//! each, under one lock. `--no-lock` leaves the lock out and loses updates; `--kill-holder`
//! kills the process that holds the lock, and the other one recovers it.

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use common::process::{Child, ExitStatus, Pid};
use lesson01_process::start::fork_child;
use lesson04_shared_memory::cleanup::{self, remove_stale_and_report};
use lesson04_shared_memory::signals;
use lesson04_shared_memory::value::Value;
use nix::sys::signal::Signal;
use nix::unistd::getpid;

use crate::robust::LockedValue;
use crate::{Mode, STEPS, WORKERS, Worker, python_dir};

/// The prefix of this lesson's segment names: `/dev/shm/lesson05-PID-RANDOM`.
pub const PREFIX: &str = "lesson05";

/// With `--kill-holder`, the first holder stops after this many steps and waits to be killed.
pub const STEPS_BEFORE_KILL: i32 = 3;

/// How long the holder waits for its SIGKILL before it gives up and fails.
const WAIT_TO_BE_KILLED: Duration = Duration::from_secs(60);

/// How the lesson runs.
#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    /// Print only the values, as the CPython counterpart does.
    pub plain: bool,
    /// The sleep of each step (the notes: 0.1 s).
    pub step: Duration,
    /// With `Mode::KillHolder`: run CPython's version too, which waits for ever.
    pub python: bool,
}

/// The whole lesson with processes.
pub fn run(options: &Options) -> anyhow::Result<ExitCode> {
    signals::install().context("cannot install the signal handlers")?;
    let commentary = !options.plain;
    if commentary {
        println!("{}", heading(options.mode));
    }
    remove_stale_and_report(PREFIX, commentary);
    let total = LockedValue::<i32>::new_in(PREFIX, 0)?;
    // Where the holder writes its pid when it stops to be killed (`--kill-holder` only).
    let holder = match options.mode {
        Mode::KillHolder => Some(Value::<i32>::new_in(PREFIX, 0)?),
        Mode::Lock | Mode::NoLock => None,
    };
    if commentary {
        describe(&total, options);
    }

    let mut children = Vec::new();
    for worker in WORKERS {
        let child = fork(|| match options.mode {
            Mode::NoLock => add_without_lock(&total, worker, options),
            Mode::Lock | Mode::KillHolder => {
                add_under_lock(&total, worker, options, holder.as_ref())
            }
        })?;
        children.push((worker, child));
    }

    let killed = match &holder {
        Some(holder) => Some(kill_the_holder(
            &total,
            holder,
            &mut children,
            options.step,
        )?),
        None => None,
    };
    // Join both before judging either: if one died, the other may still be finishing its
    // steps with the recovered lock.
    let mut statuses = Vec::new();
    for (worker, child) in &mut children {
        // Each finishes within its own ten steps and the other's, or it is stuck waiting for a
        // lock that was not recovered.
        let limit = Duration::from_secs(10) + options.step * (STEPS as u32 + 1) * 2;
        let Some(status) = signals::join_within(child, Some(limit))? else {
            bail!(
                "{} (pid {}) still waited for the lock after {} s, so it was killed: the lock was not recovered",
                worker.name,
                child.pid(),
                limit.as_secs()
            );
        };
        statuses.push((*worker, child.pid(), status));
    }
    let failed = statuses.iter().find(|(_, pid, status)| {
        let expected_death = killed.as_ref().is_some_and(|dead| dead.pid == *pid);
        !status.success() && !expected_death
    });
    if let Some((worker, pid, status)) = failed {
        bail!("{} (pid {pid}) failed: {status}", worker.name);
    }
    let statuses: Vec<String> = statuses
        .iter()
        .map(|(worker, pid, status)| format!("{} (pid {pid}): {status}", worker.name))
        .collect();
    if commentary {
        println!("parent: joined {}", statuses.join(", "));
    }
    let result = report(&total, options, killed.as_ref());
    drop((total, holder));
    result?;
    if options.python {
        compare_with_cpython(options.step)?;
    }
    signals::check()?;
    Ok(ExitCode::SUCCESS)
}

fn heading(mode: Mode) -> &'static str {
    match mode {
        Mode::Lock => {
            "lesson05-lock: two processes add to one shared value under one lock  (Notes: Lock)"
        }
        Mode::NoLock => {
            "lesson05-lock --no-lock: the same two processes with no lock  (Notes: Lock)"
        }
        Mode::KillHolder => {
            "lesson05-lock --kill-holder: the lock's holder is killed; the other process recovers the lock  (Notes: Lock)"
        }
    }
}

fn describe(total: &LockedValue<i32>, options: &Options) {
    let lock = match options.mode {
        Mode::NoLock => "its lock is there, unused",
        Mode::Lock | Mode::KillHolder => "a robust, process-shared pthread mutex next to the i32",
    };
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
    let ms = options.step.as_millis();
    match options.mode {
        Mode::Lock => println!(
            "parent: p1 adds 1 and p2 adds 3; each takes the lock, makes {STEPS} steps (sleep {ms} ms, value += n, print) and releases it"
        ),
        Mode::NoLock => println!(
            "parent: p1 adds 1 and p2 adds 3, {STEPS} steps each; a step reads the value, sleeps {ms} ms, then writes what it read + n: the notes' sleep, moved into the middle of `value += n`, where a busy machine may pause a process at any moment"
        ),
        Mode::KillHolder => println!(
            "parent: p1 adds 1 and p2 adds 3, {STEPS} steps each under the lock; whichever takes it first stops after {STEPS_BEFORE_KILL} steps and waits, still holding it, for the parent's SIGKILL"
        ),
    }
}

/// Forks a child that runs `work`, with the handled signals back to their defaults in it.
pub(crate) fn fork(work: impl FnOnce() -> i32) -> anyhow::Result<Child> {
    fork_child(|| {
        signals::in_forked_child();
        work()
    })
}

/// The notes' `job(v, num, l)`: take the lock, make ten steps, release it. Returns the exit
/// code. With `holder` (`--kill-holder`), the first process to take the lock stops after a
/// few steps, writes its pid there and waits, holding the lock, to be killed.
fn add_under_lock(
    total: &LockedValue<i32>,
    worker: Worker,
    options: &Options,
    holder: Option<&Value<i32>>,
) -> i32 {
    let commentary = !options.plain;
    let me = getpid();
    let guard = match total.lock() {
        Ok(guard) => {
            if commentary {
                println!("{} (pid {me}): took the lock", worker.name);
            }
            guard
        }
        Err(dead) => {
            let guard = dead.recover();
            let whose = match holder.map(Value::get) {
                Some(pid) if pid != 0 => format!("its holder, pid {pid},"),
                _ => "its holder".to_string(),
            };
            let report = format!(
                "{} (pid {me}): took the lock: {whose} died holding it (EOWNERDEAD); pthread_mutex_consistent made it usable again; value {}",
                worker.name,
                guard.get()
            );
            // Never silent, not even with --plain.
            if commentary {
                println!("{report}");
            } else {
                eprintln!("{report}");
            }
            guard
        }
    };
    let first = guard.get() == 0;
    for step in 1..=STEPS {
        thread::sleep(options.step);
        guard.set(guard.get() + worker.adds);
        print_value(worker, guard.get(), options.plain);
        if let Some(holder) = holder
            && first
            && step == STEPS_BEFORE_KILL
        {
            println!(
                "{} (pid {me}): made {step} steps; stops here, holding the lock, until the parent kills it",
                worker.name
            );
            holder.set(me.as_raw());
            thread::sleep(WAIT_TO_BE_KILLED);
            eprintln!("{} (pid {me}): nobody killed me", worker.name);
            return 1;
        }
    }
    if commentary {
        println!("{} (pid {me}): releasing the lock", worker.name);
    }
    // The notes' `l.release()`: dropping the guard unlocks.
    drop(guard);
    0
}

/// The same ten steps with no lock. Each `value += n` is a read and a write, with the step's
/// sleep between them, so the other process's write in between is overwritten and lost.
fn add_without_lock(total: &LockedValue<i32>, worker: Worker, options: &Options) -> i32 {
    if !options.plain {
        println!("{} (pid {}): starts, with no lock", worker.name, getpid());
    }
    for _ in 0..STEPS {
        let seen = total.get();
        thread::sleep(options.step);
        total.set(seen + worker.adds);
        if options.plain {
            println!("{}", seen + worker.adds);
        } else {
            println!("{}: {} (read {seen})", worker.name, seen + worker.adds);
        }
    }
    0
}

fn print_value(worker: Worker, value: i32, plain: bool) {
    if plain {
        println!("{value}");
    } else {
        println!("{}: {value}", worker.name);
    }
}

/// The process the parent killed while it held the lock.
#[derive(Debug, Clone, Copy)]
struct Killed {
    pid: Pid,
    worker: Worker,
    /// The value when it died: its own steps so far.
    value: i32,
}

/// Waits until the first holder has stopped (it writes its pid to `holder`), then SIGKILLs it
/// and reaps it.
fn kill_the_holder(
    total: &LockedValue<i32>,
    holder: &Value<i32>,
    children: &mut [(Worker, Child)],
    step: Duration,
) -> anyhow::Result<Killed> {
    let limit = Duration::from_secs(10) + step * (STEPS_BEFORE_KILL as u32 + 1) * 2;
    let deadline = Instant::now() + limit;
    let pid = loop {
        signals::check()?;
        if let pid @ 1.. = holder.get() {
            break Pid::from_raw(pid);
        }
        for (worker, child) in children.iter_mut() {
            if let Some(status) = child.try_wait()? {
                bail!(
                    "{} (pid {}) ended before it could be killed: {status}",
                    worker.name,
                    child.pid()
                );
            }
        }
        ensure!(
            Instant::now() < deadline,
            "no process took the lock and stopped within {} s",
            limit.as_secs()
        );
        thread::sleep(Duration::from_millis(1));
    };
    let (worker, child) = children
        .iter_mut()
        .find(|(_, child)| child.pid() == pid)
        .with_context(|| format!("pid {pid}, which says it holds the lock, is not our child"))?;
    let value = total.get();
    println!(
        "parent: SIGKILL to {} (pid {pid}), which holds the lock at value {value}",
        worker.name
    );
    let status = child.kill()?;
    ensure!(
        status
            == ExitStatus::Signal {
                signal: Signal::SIGKILL,
                core_dumped: false
            },
        "{} (pid {pid}) was to die of SIGKILL, but ended with {status}",
        worker.name
    );
    Ok(Killed {
        pid,
        worker: *worker,
        value,
    })
}

/// The final value, against what it should be.
fn report(
    total: &LockedValue<i32>,
    options: &Options,
    killed: Option<&Killed>,
) -> anyhow::Result<()> {
    let commentary = !options.plain;
    let expected: i32 = WORKERS.iter().map(|worker| worker.adds * STEPS).sum();
    let last = total.get();
    match (options.mode, killed) {
        (Mode::Lock, _) => {
            ensure!(last == expected, "final value {last}, expected {expected}");
            if commentary {
                println!(
                    "parent: final value {last} (expected {expected}): whoever took the lock first made all {STEPS} of its steps before the other made any"
                );
            }
        }
        (Mode::NoLock, _) => {
            if commentary {
                println!(
                    "parent: final value {last}, expected {expected}: {} lost",
                    expected - last
                );
                if last == expected {
                    println!(
                        "parent: nothing was lost this time: the gap between a read and its write was too short to be hit. The race is still there: run it again, or with a longer --step-ms"
                    );
                }
                println!(
                    "parent: when both processes read the same value, the later write replaces the earlier one, and that increment is lost. Rust ruled out a data race (each read and write is one whole atomic access), not this race condition: only the lock makes read, add and write one step"
                );
            }
        }
        (Mode::KillHolder, Some(dead)) => {
            let survivor = WORKERS
                .iter()
                .find(|worker| worker.name != dead.worker.name)
                .context("two workers")?;
            let survivors = survivor.adds * STEPS;
            ensure!(
                last == dead.value + survivors,
                "final value {last}, expected {} + {survivors}",
                dead.value
            );
            println!(
                "parent: final value {last} = {} from {} before it died + {survivors} from {}'s {STEPS} steps (checked)",
                dead.value, dead.worker.name, survivor.name
            );
            if !options.python {
                println!(
                    "parent: CPython's multiprocessing.Lock is not robust: there the survivor waits for ever (add --python to see it)"
                );
            }
        }
        (Mode::KillHolder, None) => bail!("nobody was killed"),
    }
    Ok(())
}

/// The same scene in CPython: its `multiprocessing.Lock` is a semaphore with no owner, so
/// nothing tells the waiter that the holder died. The script gives up after a few seconds.
fn compare_with_cpython(step: Duration) -> anyhow::Result<()> {
    let script = python_dir().join("lock.py");
    let args = [
        "--kill-holder".to_string(),
        "--step-ms".to_string(),
        step.as_millis().to_string(),
        "--wait-s".to_string(),
        "3".to_string(),
    ];
    let Some(output) = common::python::counterpart(&script, &args)? else {
        return Ok(());
    };
    println!(
        "{}, the same scene (lesson05-lock/python/lock.py --kill-holder), with a 3 s limit on the wait:",
        output.version
    );
    for line in output.stdout.lines() {
        println!("python: {line}");
    }
    Ok(())
}
