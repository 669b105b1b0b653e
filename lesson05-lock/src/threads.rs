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
use std::sync::Mutex;
use std::sync::atomic::AtomicI32;
use std::sync::atomic::Ordering::SeqCst;
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail, ensure};

use crate::{Mode, STEPS, WORKERS, Worker};

/// With `--threads --kill-holder`, the first holder panics after this many steps.
const STEPS_BEFORE_PANIC: i32 = 3;

/// The thread version of the lesson.
pub fn run(mode: Mode, plain: bool, step: Duration) -> anyhow::Result<ExitCode> {
    let commentary = !plain;
    if commentary {
        println!("{}", heading(mode));
    }
    match mode {
        Mode::Lock | Mode::KillHolder => with_mutex(mode, plain, step)?,
        Mode::NoLock => with_atomic(plain, step)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn heading(mode: Mode) -> &'static str {
    match mode {
        Mode::Lock => "lesson05-lock --threads: two threads add to one Mutex<i32>  (Notes: Lock)",
        Mode::NoLock => {
            "lesson05-lock --threads --no-lock: two threads, an AtomicI32 and no lock  (Notes: Lock)"
        }
        Mode::KillHolder => {
            "lesson05-lock --threads --kill-holder: the lock's holder panics; the Mutex is poisoned, and the other thread takes it anyway  (Notes: Lock)"
        }
    }
}

fn with_mutex(mode: Mode, plain: bool, step: Duration) -> anyhow::Result<()> {
    let panic_after = mode == Mode::KillHolder;
    if panic_after {
        panics_in_one_line();
    }
    let total = Mutex::new(0);
    let outcomes = thread::scope(|scope| {
        let mut handles = Vec::new();
        for worker in WORKERS {
            let total = &total;
            let handle = thread::Builder::new()
                .name(worker.name.to_string())
                .spawn_scoped(scope, move || {
                    add_under_lock(total, worker, plain, step, panic_after);
                })
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
    let last = total
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let expected: i32 = WORKERS.iter().map(|worker| worker.adds * STEPS).sum();
    let panicked: Vec<Worker> = outcomes
        .iter()
        .filter(|(_, finished)| !finished)
        .map(|(worker, _)| *worker)
        .collect();
    match (mode, panicked.as_slice()) {
        (Mode::Lock, []) => {
            ensure!(last == expected, "final value {last}, expected {expected}");
            if !plain {
                println!(
                    "main: final value {last} (expected {expected}): whoever took the lock first made all {STEPS} of its steps before the other made any"
                );
            }
        }
        (Mode::KillHolder, [dead]) => {
            ensure!(poisoned, "the Mutex should be poisoned");
            let survivor = WORKERS
                .iter()
                .find(|worker| worker.name != dead.name)
                .context("two workers")?;
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
        }
        (_, panicked) => {
            let names: Vec<&str> = panicked.iter().map(|worker| worker.name).collect();
            bail!("threads that panicked: {names:?}");
        }
    }
    Ok(())
}

/// The notes' `job` for a thread: take the lock, make ten steps, release it.
fn add_under_lock(
    total: &Mutex<i32>,
    worker: Worker,
    plain: bool,
    step: Duration,
    panic_after: bool,
) {
    let mut value = match total.lock() {
        Ok(guard) => {
            if !plain {
                println!("{} (thread): took the lock", worker.name);
            }
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
    };
    let first = *value == 0;
    for step_number in 1..=STEPS {
        thread::sleep(step);
        *value += worker.adds;
        if plain {
            println!("{}", *value);
        } else {
            println!("{}: {}", worker.name, *value);
        }
        if panic_after && first && step_number == STEPS_BEFORE_PANIC {
            println!(
                "{} (thread): made {step_number} steps; panics here, holding the lock",
                worker.name
            );
            panic!("on purpose, while holding the lock (--kill-holder)");
        }
    }
    if !plain {
        println!("{} (thread): releasing the lock", worker.name);
    }
}

/// No lock: an `AtomicI32` compiles where a plain `i32` does not, and no read or write is ever
/// torn. But `load`, then `store`, is still two steps: updates are lost.
fn with_atomic(plain: bool, step: Duration) -> anyhow::Result<()> {
    if !plain {
        println!(
            "main: each step loads the value, sleeps {} ms, then stores what it loaded + n",
            step.as_millis()
        );
    }
    let total = AtomicI32::new(0);
    thread::scope(|scope| {
        for worker in WORKERS {
            let total = &total;
            scope.spawn(move || {
                for _ in 0..STEPS {
                    let seen = total.load(SeqCst);
                    thread::sleep(step);
                    total.store(seen + worker.adds, SeqCst);
                    if plain {
                        println!("{}", seen + worker.adds);
                    } else {
                        println!("{}: {} (read {seen})", worker.name, seen + worker.adds);
                    }
                }
            });
        }
    });
    let last = total.load(SeqCst);
    let expected: i32 = WORKERS.iter().map(|worker| worker.adds * STEPS).sum();
    if !plain {
        println!(
            "main: final value {last}, expected {expected}: {} lost",
            expected - last
        );
        println!(
            "main: atomics make each load and each store whole, not the two together; total.fetch_add(n, SeqCst) is one indivisible step, and a Mutex makes any number of steps one"
        );
    }
    Ok(())
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
