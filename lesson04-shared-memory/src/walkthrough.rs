//! The default run, in three parts beside the notes' program: [`isolation`] (the problem: a
//! forked child changes its own copies), [`child_changes`] (the fix: a child changes a `Value`
//! and an `Array`), and [`threads`] (the same with threads). Also [`notes_program`], the run
//! behind `--plain`.

use std::process::ExitCode;

use anyhow::Context;
use lesson01_process::StartMethod;
use lesson01_process::start::{Orders, run_spawned};

use crate::child_changes::ChildOrders;
use crate::cleanup::remove_stale_and_report;
use crate::faults::ChildFaults;
use crate::value::PREFIX;
use crate::{child_changes, isolation, notes, signals, threads};

/// The whole walk-through, with its child started by `method` and given `faults`.
pub fn run(method: StartMethod, faults: &ChildFaults) -> anyhow::Result<ExitCode> {
    signals::install().context("cannot install the signal handlers")?;
    println!(
        "lesson04-shared-memory: processes share no memory unless they ask for it  (Notes: 共享内存shared memory)"
    );
    remove_stale_and_report(PREFIX, true);
    isolation::run(method)?;
    signals::check()?;
    child_changes::run(method, faults)?;
    signals::check()?;
    threads::run()?;
    signals::check()?;
    Ok(ExitCode::SUCCESS)
}

/// [`notes::main`] and nothing else on stdout. Around it, silently: segments a killed run left
/// are removed first, and a handled signal lets it drop its own before the run exits.
pub fn notes_program() -> anyhow::Result<ExitCode> {
    signals::install().context("cannot install the signal handlers")?;
    remove_stale_and_report(PREFIX, false);
    notes::main()?;
    signals::check()?;
    Ok(ExitCode::SUCCESS)
}

/// What a spawned or forkserver child of the walk-through does: part 1's child or part 2's.
#[derive(Debug)]
pub enum ChildTask {
    /// `isolation [1, 2, 3]`
    Isolation(Vec<String>),
    /// `VALUE_NAME ARRAY_NAME sleep_ms=N panic=B`
    ChangeValues(ChildOrders),
}

impl ChildTask {
    pub fn from_args(args: &[String]) -> anyhow::Result<Self> {
        if args.first().is_some_and(|order| order == isolation::ORDER) {
            Ok(Self::Isolation(args.to_vec()))
        } else {
            ChildOrders::from_args(args).map(Self::ChangeValues)
        }
    }

    pub fn run(self) -> anyhow::Result<i32> {
        match self {
            Self::Isolation(args) => isolation::run_child(&args),
            Self::ChangeValues(orders) => orders.run(),
        }
    }
}

/// A spawned or forkserver child's `main`: it runs only what its orders say.
pub fn child_main(orders: anyhow::Result<Orders>) -> ExitCode {
    let orders = orders.and_then(|orders| orders.parse(ChildTask::from_args));
    run_spawned(orders, ChildTask::run)
}
