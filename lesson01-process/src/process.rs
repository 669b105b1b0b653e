//! Python's `multiprocessing.Process`, in Rust: a [`Target`] that a child runs, started by fork,
//! spawn or forkserver ([`crate::start`]), then joined.
//!
//! A spawned or forkserver child cannot be handed a closure, only its orders, so every target
//! has a name and travels as text; the child's `main` reads it back with [`Target::from_args`]
//! (CPython pickles the target function instead, which also finds it by name). Open files the
//! child needs (a pipe) are handed over with [`Process::with_fd`], as Python passes a pipe in
//! `args=`.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use anyhow::{Context, bail, ensure};
use common::process::{Child, ExitStatus, Pid};

use crate::notes;
use crate::start::{StartMethod, field, fork_child, start_with_orders};
use crate::walkthrough::{self, ChildOptions};

/// What a child runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The notes' `job`: print `aaaa`.
    Job,
    /// The walk-through's child: it waits until its parent has looked at it (one byte on the
    /// pipe it was handed), says who it is, then runs `job`.
    Walkthrough { options: ChildOptions },
    /// Do nothing and exit 0: what the start+join benchmark starts.
    Nothing,
}

impl Target {
    /// Runs the target in this process with the open files it was handed; returns the exit code.
    pub fn run(&self, fds: Vec<OwnedFd>) -> i32 {
        match self {
            Target::Job => {
                notes::job();
                0
            }
            Target::Walkthrough { options } => walkthrough::child(options, fds),
            Target::Nothing => 0,
        }
    }

    /// The target as orders (command-line arguments), for a spawned or forkserver child.
    pub fn to_args(&self) -> Vec<String> {
        match self {
            Target::Job => vec!["job".into()],
            Target::Nothing => vec!["nothing".into()],
            Target::Walkthrough { options } => vec![
                "walkthrough".into(),
                format!("commentary={}", options.commentary),
                format!("sleep_ms={}", options.sleep_ms),
                format!("panic={}", options.panic),
            ],
        }
    }

    /// The target a spawned or forkserver child was given, from [`Target::to_args`].
    pub fn from_args(args: &[String]) -> anyhow::Result<Self> {
        match args {
            [name] if name == "job" => Ok(Target::Job),
            [name] if name == "nothing" => Ok(Target::Nothing),
            [name, commentary, sleep_ms, panic] if name == "walkthrough" => {
                Ok(Target::Walkthrough {
                    options: ChildOptions {
                        commentary: field(commentary, "commentary")?,
                        sleep_ms: field(sleep_ms, "sleep_ms")?,
                        panic: field(panic, "panic")?,
                    },
                })
            }
            _ => bail!("unknown target {args:?}"),
        }
    }
}

/// `multiprocessing.get_context(method).Process(target=...)`: made first, started with
/// [`Process::start`], waited for with [`Process::join`]. Dropping it unjoined kills and reaps
/// the child, so no child outlives a parent that returned early.
#[derive(Debug)]
pub struct Process {
    method: StartMethod,
    target: Target,
    fds: Vec<OwnedFd>,
    child: Option<Child>,
}

impl Process {
    pub fn new(method: StartMethod, target: Target) -> Self {
        Self {
            method,
            target,
            fds: Vec::new(),
            child: None,
        }
    }

    /// Hands `fd` to the child. This process's copy is closed once the child has started.
    pub fn with_fd(mut self, fd: OwnedFd) -> Self {
        self.fds.push(fd);
        self
    }

    /// Starts the child: by fork, a copy of this process runs the target; by spawn or
    /// forkserver, a child is told the target's name and handed its open files.
    pub fn start(&mut self) -> anyhow::Result<()> {
        ensure!(self.child.is_none(), "a process can be started only once");
        let fds = std::mem::take(&mut self.fds);
        let child = match self.method {
            StartMethod::Fork => {
                let target = self.target.clone();
                fork_child(move || target.run(fds))?
            }
            StartMethod::Spawn | StartMethod::Forkserver => {
                let handed: Vec<BorrowedFd<'_>> = fds.iter().map(AsFd::as_fd).collect();
                start_with_orders(self.method, &self.target.to_args(), &handed)?
            }
        };
        self.child = Some(child);
        Ok(())
    }

    /// The child's pid, once started (Python's `p.pid`).
    pub fn pid(&self) -> Option<Pid> {
        self.child.as_ref().map(Child::pid)
    }

    /// Waits for the child to end and reaps it; returns how it ended (Python's `p.join()`,
    /// then `p.exitcode`).
    pub fn join(&mut self) -> anyhow::Result<ExitStatus> {
        let child = self.child.as_mut().context("join() before start()")?;
        child.wait().context("join failed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_survive_the_trip_through_arguments() {
        let targets = [
            Target::Job,
            Target::Nothing,
            Target::Walkthrough {
                options: ChildOptions::default(),
            },
            Target::Walkthrough {
                options: ChildOptions {
                    commentary: true,
                    sleep_ms: 250,
                    panic: true,
                },
            },
        ];
        for target in targets {
            assert_eq!(Target::from_args(&target.to_args()).ok(), Some(target));
        }
    }

    #[test]
    fn malformed_targets_are_refused() {
        let bad = [
            vec![],
            vec!["walkthrough".to_string()],
            vec!["job".into(), "extra".into()],
            vec!["walkthrough".into(), "x".into(), "y".into(), "z".into()],
            vec![
                "walkthrough".into(),
                "commentary=yes".into(),
                "sleep_ms=0".into(),
                "panic=false".into(),
            ],
            vec!["rm -rf".into()],
        ];
        for args in bad {
            assert!(Target::from_args(&args).is_err(), "{args:?}");
        }
    }

    #[test]
    fn join_before_start_is_an_error_not_a_panic() {
        let mut process = Process::new(StartMethod::Fork, Target::Nothing);
        assert!(process.join().is_err());
        assert_eq!(process.pid(), None);
    }
}
