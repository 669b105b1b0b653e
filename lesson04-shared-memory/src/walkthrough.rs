//! The default run, in three parts beside the notes' program: [`isolation`] (the problem: a
//! forked child changes its own copies), [`child_changes`] (the fix: a child changes a `Value`
//! and an `Array`), and [`threads`] (the same with threads). Also [`notes_program`], the run
//! behind `--plain`.

use std::process::ExitCode;

use anyhow::Context;
use lesson01_process::StartMethod;

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
    isolation::run()?;
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
