//! The same program with two threads and a `std::sync::Mutex<i32>`.
//!
//! Threads share one address space, so the value needs no segment and the lock no special
//! attributes. And the compiler checks the sharing: two threads may not both change a plain
//! `i32`. This does not compile (two closures borrow `total` mutably at once):
//!
//! ```compile_fail,E0499
//! let mut total = 0;
//! std::thread::scope(|scope| {
//!     scope.spawn(|| for _ in 0..10 { total += 1 });
//!     scope.spawn(|| for _ in 0..10 { total += 3 });
//! });
//! ```
//!
//! With the value inside a `Mutex`, it compiles, and each thread's ten steps are one block:
//!
//! ```
//! use std::sync::Mutex;
//!
//! let total = Mutex::new(0);
//! std::thread::scope(|scope| {
//!     scope.spawn(|| {
//!         let mut value = total.lock().expect("not poisoned");
//!         for _ in 0..10 { *value += 1 }
//!     });
//!     scope.spawn(|| {
//!         let mut value = total.lock().expect("not poisoned");
//!         for _ in 0..10 { *value += 3 }
//!     });
//! });
//! assert_eq!(total.into_inner().expect("not poisoned"), 40);
//! ```
//!
//! A thread cannot be killed from outside the way a process can, but it can panic while it holds
//! the lock. The `Mutex` is then *poisoned*: the next `lock()` returns `Err(PoisonError)`, and
//! `PoisonError::into_inner()` takes the lock anyway. That is the thread-side analogue of a dead
//! holder (`EOWNERDEAD`, then `pthread_mutex_consistent`): `--threads --kill-holder` shows it.

use std::panic;
use std::process::ExitCode;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail, ensure};

use crate::race::AtomicTotal;
use crate::{Mode, STEPS, WORKERS, Worker, expected_total, other};

/// With `--threads --kill-holder`, the first holder panics after this many steps.
const STEPS_BEFORE_PANIC: i32 = 3;

/// The thread version of the lesson; `plain` prints only the values, one a line.
pub fn run(mode: Mode, plain: bool, step: Duration) -> anyhow::Result<ExitCode> {
    match (mode, plain) {
        (Mode::Lock, true) => notes(step)?,
        (Mode::Lock, false) => walkthrough(step)?,
        (Mode::KillHolder, _) => kill_holder(step)?,
        (Mode::NoLock, true) => {
            without_lock(step, |_, _, wrote| println!("{wrote}"))?;
        }
        (Mode::NoLock, false) => no_lock_walkthrough(step)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `--plain --threads`: the notes' program with two threads and a `Mutex<i32>`.
fn notes(step: Duration) -> anyhow::Result<()> {
    let outcome = with_mutex(step, notes_job)?;
    outcome.all_finished()?;
    let (last, expected) = (outcome.last, expected_total());
    ensure!(last == expected, "final value {last}, expected {expected}");
    Ok(())
}

/// The notes' `job` for a thread: take the lock, make ten steps, release it.
fn notes_job(total: &Mutex<i32>, worker: Worker, step: Duration) {
    let mut value = total.lock().unwrap_or_else(PoisonError::into_inner);
    for _ in 0..STEPS {
        thread::sleep(step);
        *value += worker.adds;
        println!("{}", *value);
    }
}

/// `--threads`: the notes' program with threads, said aloud.
fn walkthrough(step: Duration) -> anyhow::Result<()> {
    println!("lesson05-lock --threads: two threads add to one Mutex<i32>  (Notes: Lock)");
    let outcome = with_mutex(step, walkthrough_job)?;
    outcome.all_finished()?;
    let (last, expected) = (outcome.last, expected_total());
    ensure!(last == expected, "final value {last}, expected {expected}");
    println!(
        "main: final value {last} (expected {expected}): whoever took the lock first made all {STEPS} of its steps before the other made any"
    );
    Ok(())
}

/// The notes' `job` for a thread, said aloud.
fn walkthrough_job(total: &Mutex<i32>, worker: Worker, step: Duration) {
    let mut value = take_lock(total, worker);
    steps(&mut value, worker, step, STEPS);
    println!("{} (thread): releasing the lock", worker.name);
}

/// `--threads --kill-holder`: the first holder panics while it holds the lock; the `Mutex` is
/// poisoned, and the other thread takes it anyway.
fn kill_holder(step: Duration) -> anyhow::Result<()> {
    println!(
        "lesson05-lock --threads --kill-holder: the lock's holder panics; the Mutex is poisoned, and the other thread takes it anyway  (Notes: Lock)"
    );
    panics_in_one_line();
    let outcome = with_mutex(step, kill_holder_job)?;
    let (last, poisoned) = (outcome.last, outcome.poisoned);
    let [dead] = outcome.panicked.as_slice() else {
        outcome.all_finished()?;
        bail!("no thread panicked");
    };
    ensure!(poisoned, "the Mutex should be poisoned");
    let survivor = other(*dead);
    let before = dead.adds * STEPS_BEFORE_PANIC;
    let survivors = survivor.adds * STEPS;
    ensure!(
        last == before + survivors,
        "final value {last}, expected {before} + {survivors}"
    );
    println!(
        "main: {} panicked holding the lock, so the Mutex stays poisoned (is_poisoned() = {poisoned}); {} took it anyway with into_inner()",
        dead.name, survivor.name
    );
    println!(
        "main: final value {last} = {before} from {} before it panicked + {survivors} from {}'s {STEPS} steps (checked)",
        dead.name, survivor.name
    );
    println!(
        "main: a panicking thread unwinds and marks the lock; a process killed with SIGKILL runs no code at all, so there the kernel marks the robust mutex instead (--kill-holder without --threads)"
    );
    Ok(())
}

/// The first thread to take the lock panics after a few steps; the other makes all ten.
fn kill_holder_job(total: &Mutex<i32>, worker: Worker, step: Duration) {
    let mut value = take_lock(total, worker);
    if *value != 0 {
        steps(&mut value, worker, step, STEPS);
        println!("{} (thread): releasing the lock", worker.name);
        return;
    }
    steps(&mut value, worker, step, STEPS_BEFORE_PANIC);
    println!(
        "{} (thread): made {STEPS_BEFORE_PANIC} steps; panics here, holding the lock",
        worker.name
    );
    panic!("on purpose, while holding the lock (--kill-holder)");
}

/// Takes the lock and says so; if it is poisoned, says that and takes it anyway.
fn take_lock(total: &Mutex<i32>, worker: Worker) -> MutexGuard<'_, i32> {
    match total.lock() {
        Ok(guard) => {
            println!("{} (thread): took the lock", worker.name);
            guard
        }
        Err(poisoned) => {
            let guard = poisoned.into_inner();
            println!(
                "{} (thread): took the lock: it is poisoned, because its holder panicked while holding it; into_inner() takes it anyway; value {}",
                worker.name, *guard
            );
            guard
        }
    }
}

/// `count` of the notes' steps: sleep, add, print the value (`p1: 7`).
fn steps(value: &mut MutexGuard<'_, i32>, worker: Worker, step: Duration, count: i32) {
    for _ in 0..count {
        thread::sleep(step);
        **value += worker.adds;
        println!("{}: {}", worker.name, **value);
    }
}

/// How a run of the two threads over one `Mutex<i32>` ended.
struct Outcome {
    last: i32,
    poisoned: bool,
    panicked: Vec<Worker>,
}

impl Outcome {
    fn all_finished(&self) -> anyhow::Result<()> {
        if !self.panicked.is_empty() {
            let names: Vec<&str> = self.panicked.iter().map(|worker| worker.name).collect();
            bail!("threads that panicked: {names:?}");
        }
        Ok(())
    }
}

/// Runs p1 and p2 as two threads, each running `job` on one `Mutex<i32>`, and joins both.
fn with_mutex(step: Duration, job: fn(&Mutex<i32>, Worker, Duration)) -> anyhow::Result<Outcome> {
    let total = Mutex::new(0);
    let finished = thread::scope(|scope| {
        let mut handles = Vec::new();
        for worker in WORKERS {
            let total = &total;
            let handle = thread::Builder::new()
                .name(worker.name.to_string())
                .spawn_scoped(scope, move || job(total, worker, step))
                .with_context(|| format!("cannot start thread {}", worker.name))?;
            handles.push((worker, handle));
        }
        // Joined here, each one, so that a panic is a result to look at, not a panic of ours.
        Ok::<_, anyhow::Error>(
            handles
                .into_iter()
                .map(|(worker, handle)| (worker, handle.join().is_ok()))
                .collect::<Vec<_>>(),
        )
    })?;
    let poisoned = total.is_poisoned();
    Ok(Outcome {
        last: total.into_inner().unwrap_or_else(PoisonError::into_inner),
        poisoned,
        panicked: finished
            .iter()
            .filter(|(_, finished)| !finished)
            .map(|(worker, _)| *worker)
            .collect(),
    })
}

/// `--threads --no-lock`, said aloud.
fn no_lock_walkthrough(step: Duration) -> anyhow::Result<()> {
    println!(
        "lesson05-lock --threads --no-lock: two threads, an AtomicI32 and no lock  (Notes: Lock)"
    );
    println!(
        "main: each step loads the value, sleeps {} ms, then stores what it loaded + n",
        step.as_millis()
    );
    println!(
        "main: and so that it happens every time, in each step both load before either stores: they meet in between"
    );
    let last = without_lock(step, |worker, seen, wrote| {
        println!("{}: {wrote} (read {seen})", worker.name);
    })?;
    let expected = expected_total();
    println!(
        "main: final value {last}, expected {expected}: {} lost",
        expected - last
    );
    println!(
        "main: atomics make each load and each store whole, not the two together; total.fetch_add(n, SeqCst) is one indivisible step, and a Mutex makes any number of steps one"
    );
    Ok(())
}

/// No lock: an `AtomicI32` compiles where a plain `i32` does not, and no read or write is ever
/// torn. But `load`, then `store`, is still two steps: updates are lost (an [`AtomicTotal`]'s
/// `load` waits for the other thread's, so that they are lost every time). `say` prints each
/// step (who, what it loaded, what it stored). Returns the final value.
fn without_lock(step: Duration, say: fn(Worker, i32, i32)) -> anyhow::Result<i32> {
    let total = AtomicTotal::new(0);
    thread::scope(|scope| {
        for worker in WORKERS {
            let total = &total;
            thread::Builder::new()
                .name(worker.name.to_string())
                .spawn_scoped(scope, move || {
                    for _ in 0..STEPS {
                        let seen = total.load(SeqCst);
                        thread::sleep(step);
                        total.store(seen + worker.adds, SeqCst);
                        say(worker, seen, seen + worker.adds);
                    }
                })
                .with_context(|| format!("cannot start thread {}", worker.name))?;
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(total.load(SeqCst))
}

/// Makes the deliberate panic of thread p1 or p2 print one line, without the default's note
/// about backtraces; any other panic is reported as usual.
fn panics_in_one_line() {
    let default_hook = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        let thread = thread::current();
        let Some(name) = thread
            .name()
            .filter(|name| WORKERS.iter().any(|worker| worker.name == *name))
        else {
            return default_hook(info);
        };
        common::cli::write_panic_line(&format!("thread {name}"), info);
    }));
}
