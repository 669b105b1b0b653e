//! `--without-guard`: what happens when `main` lacks Rust's `if __name__ == '__main__':`. A
//! spawned child is this program run again from the top; with no guard it starts a child of its
//! own, which does the same... The demo carries a generation counter and stops at
//! [`MAX_GENERATIONS`], so it cannot turn into a fork bomb.

use std::env;
use std::process::{Command, ExitCode};

use anyhow::Context;
use common::process::{Child, Pid, die_with_parent};
use nix::unistd::getpid;

use crate::start::StartMethod;

/// Environment variable the missing-guard demo passes to each generation: `GENERATION,PARENT`.
pub const GENERATION_VAR: &str = "LESSON01_NO_GUARD";
/// The demo's safety cap: it can never start more processes than this.
pub const MAX_GENERATIONS: u32 = 3;

/// What happens when `main` has no guard: a spawned child runs the parent's code from the top,
/// so it starts a child of its own, which does the same... Capped at [`MAX_GENERATIONS`].
pub fn run(method: StartMethod) -> anyhow::Result<ExitCode> {
    match method {
        StartMethod::Fork => {
            println!(
                "with fork the child is a copy of the running parent: it never runs main() again, so a missing guard changes nothing. Try --start-method spawn --without-guard"
            );
            return Ok(ExitCode::SUCCESS);
        }
        StartMethod::Forkserver => {
            println!(
                "our forkserver is forked from main() as it runs, and so are its children: none runs main() again, so a missing guard changes nothing here. CPython's forkserver does import the main module, so there the guard matters. Try --start-method spawn --without-guard"
            );
            return Ok(ExitCode::SUCCESS);
        }
        StartMethod::Spawn => {}
    }
    let (generation, parent) = generation_from_env()?;
    if let Some(parent) = parent
        && !die_with_parent(parent)
    {
        return Ok(ExitCode::FAILURE);
    }
    let me = format!(
        "{}generation {generation} (pid {})",
        "  ".repeat(generation as usize - 1),
        getpid()
    );
    if generation >= MAX_GENERATIONS {
        println!(
            "{me}: stopped by this demo's cap of {MAX_GENERATIONS} generations; with no guard and no cap, every new process would start another, for ever"
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("{me}: main() runs from the top with no guard, so it starts a child by spawn");
    // A spawned child is this program run again; with no guard it does what we are doing now.
    let program = env::current_exe().context("cannot find this program to spawn it")?;
    let spawned = Command::new(program)
        .args(env::args_os().skip(1))
        .env(GENERATION_VAR, format!("{},{}", generation + 1, getpid()))
        .spawn()
        .context("spawn failed")?;
    let mut child = Child::from_std(spawned);
    let pid = child.pid();
    let status = child.wait()?;
    println!("{me}: its child {pid} ended: {status}");
    if generation == 1 {
        println!(
            "CPython stops this chain itself: a spawned child that starts a process while it is still importing the main module raises RuntimeError (\"...before the current process has finished its bootstrapping phase\"). The cure in both languages is the guard."
        );
    }
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn generation_from_env() -> anyhow::Result<(u32, Option<Pid>)> {
    let Ok(value) = env::var(GENERATION_VAR) else {
        return Ok((1, None));
    };
    let parsed = value.split_once(',').and_then(|(generation, parent)| {
        Some((
            generation.parse().ok()?,
            Pid::from_raw(parent.parse().ok()?),
        ))
    });
    let (generation, parent) =
        parsed.with_context(|| format!("{GENERATION_VAR}={value:?} is not GENERATION,PID"))?;
    anyhow::ensure!(
        (2..=MAX_GENERATIONS).contains(&generation),
        "{GENERATION_VAR}: generation {generation} is out of range"
    );
    Ok((generation, Some(parent)))
}
