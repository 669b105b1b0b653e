//! The few Python names the notes' port uses, so that `notes.rs` reads like the notes:
//! `Process` with its `start` and `join` (the fork start method, as the notes assume),
//! `threading.Thread(...).start()` and `time()`.

use std::io;
use std::thread::{self, Scope, ScopedJoinHandle};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, ensure};
use common::process::Child;
use lesson01_process::start::fork_child;

/// `multiprocessing.Process(target=..., args=...)`: a process that will run `target(args)`
/// once started. `args` is one value; the notes' `args=(q,)` is a tuple holding one.
#[derive(Debug)]
pub struct Process<A> {
    target: fn(A) -> io::Result<()>,
    args: Option<A>,
    child: Option<Child>,
}

impl<A> Process<A> {
    pub fn new(target: fn(A) -> io::Result<()>, args: A) -> Self {
        Self {
            target,
            args: Some(args),
            child: None,
        }
    }

    /// Forks the child, which runs `target(args)` and exits: 0 if it returned `Ok`, else 1.
    pub fn start(&mut self) -> anyhow::Result<()> {
        let args = self
            .args
            .take()
            .context("a process can be started only once")?;
        let target = self.target;
        let child = fork_child(move || match target(args) {
            Ok(()) => 0,
            Err(err) => {
                eprintln!("worker {}: {err}", std::process::id());
                1
            }
        })
        .context("cannot start a worker process")?;
        self.child = Some(child);
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
