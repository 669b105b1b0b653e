//! The three things this lesson runs: the notes' program, the missing-guard demo, and the
//! start+join benchmark.

use std::env;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::Context;
use common::process::{Child, ExitStatus, Pid, die_with_parent};
use common::python::{self, Better};
use common::timing::{BUILD, debug_build_warning, ms, time_runs};
use nix::unistd::getpid;

use crate::machine::{available_cpus, physical_cores};
use crate::start::{JobOptions, StartMethod, Target, start, threads_text};

/// The notes' program: start a child that runs `job`, join it. With `plain`, only the child's
/// `aaaa` is printed, exactly as CPython prints it.
pub fn run(method: StartMethod, plain: bool, job: JobOptions) -> anyhow::Result<ExitCode> {
    let commentary = !plain;
    if commentary {
        println!(
            "lesson01-process: a child process runs the notes' job; the parent joins it  (Notes: 创建进程)"
        );
        println!(
            "parent: pid {}, {}; cpu_count() -> available_parallelism: {}, physical cores: {}",
            getpid(),
            threads_text(),
            available_cpus(),
            physical_cores().map_or("not reported".to_string(), |cores| cores.to_string())
        );
        println!("parent: starting a child by {method}: {}", how(method));
    }
    let target = Target::Job(JobOptions { commentary, ..job });
    let mut child = start(method, &target)?;
    let pid = child.pid();
    let status = child.wait().context("join failed")?;
    if commentary {
        println!(
            "parent: joined child {pid}: {status}; Python's exitcode would be {}",
            status.python_exitcode()
        );
    }
    if status.success() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("error: child {pid} failed: {status}");
        Ok(ExitCode::FAILURE)
    }
}

fn how(method: StartMethod) -> &'static str {
    match method {
        StartMethod::Fork => {
            "a copy of this process that carries on from fork() (CPython 3.11's default on Linux)"
        }
        StartMethod::Spawn => {
            "a fresh run of this program; its main() sees the --spawned-child marker first and runs only job (Rust's `if __name__ == '__main__':`)"
        }
    }
}

/// Environment variable the missing-guard demo passes to each generation: `GENERATION,PARENT`.
pub const GENERATION_VAR: &str = "LESSON01_NO_GUARD";
/// The demo's safety cap: it can never start more processes than this.
pub const MAX_GENERATIONS: u32 = 3;

/// What happens when `main` has no guard: a spawned child runs the parent's code from the top,
/// so it starts a child of its own, which does the same... Capped at [`MAX_GENERATIONS`].
pub fn run_without_guard(method: StartMethod) -> anyhow::Result<ExitCode> {
    if method == StartMethod::Fork {
        println!(
            "with fork the child is a copy of the running parent: it never runs main() again, so a missing guard changes nothing. Try --start-method spawn --without-guard"
        );
        return Ok(ExitCode::SUCCESS);
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

/// Median start+join latency of a child that does nothing, for each start method; with
/// `python`, the same measurement in CPython and the ratio.
pub fn bench(runs: usize, with_python: bool) -> anyhow::Result<ExitCode> {
    if let Some(warning) = debug_build_warning() {
        println!("{warning}");
    }
    println!(
        "start+join: start a child that does nothing and wait for it; {runs} runs per method after one warm-up"
    );
    let mut medians = Vec::new();
    for method in [StartMethod::Fork, StartMethod::Spawn] {
        start_and_join(method)?; // warm-up: loads the binary into the page cache, not counted
        let checked = time_runs(runs, || start_and_join(method)).check(|results| match results
            .iter()
            .find(|result| !matches!(result, Ok(status) if status.success()))
        {
            None => Ok(()),
            Some(Ok(status)) => Err(format!("a {method} child ended with {status}")),
            Some(Err(err)) => Err(format!("a {method} child failed: {err:#}")),
        })?;
        let summary = checked.time();
        println!(
            "start+join {method}: {} ms  (median of {}; min {}, max {}; {BUILD})",
            ms(summary.median),
            summary.runs,
            ms(summary.min),
            ms(summary.max)
        );
        medians.push((method, summary.median.as_secs_f64() * 1e3));
    }
    if with_python {
        compare_with_python(runs, &medians)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn start_and_join(method: StartMethod) -> anyhow::Result<ExitStatus> {
    let mut child = start(method, &Target::Nothing)?;
    Ok(child.wait()?)
}

/// The project's CPython counterparts of this lesson.
pub fn python_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python")
}

fn compare_with_python(runs: usize, rust_medians: &[(StartMethod, f64)]) -> anyhow::Result<()> {
    let script = python_dir().join("bench_start_join.py");
    let Some(output) = python::counterpart(&script, &["--runs".into(), runs.to_string()])? else {
        return Ok(());
    };
    println!(
        "{} on the same machine, same measurement (lesson01-process/python/bench_start_join.py):",
        output.version
    );
    for (method, rust_ms) in rust_medians {
        output.compare(
            &format!("start+join {method}"),
            "ms",
            *rust_ms,
            Better::Lower,
            "",
        )?;
    }
    Ok(())
}
