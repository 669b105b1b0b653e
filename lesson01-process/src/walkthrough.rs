//! The default run: the notes' program with a voice. The parent says who it is and what the
//! machine offers, starts a child, lists its children while that child is alive (Python's
//! `active_children()`), lets the child say who it is and run the notes' `job`, joins it and
//! reports how it ended. `--child-sleep-ms` and `--child-panics` change only this child, never
//! the notes' `job`.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use anyhow::Context;
use common::process::{ExitStatus, Pid};
use nix::unistd::{getpid, getppid};

use crate::forkserver;
use crate::machine::{
    LiveChild, available_cpus, children, children_of, physical_cores, threads_text,
};
use crate::notes;
use crate::process::{Process, Target};
use crate::start::StartMethod;

/// What the walk-through's child does around the notes' `job`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChildOptions {
    /// Say who it is (pid, parent, threads) before `job`; parent and child stay silent without.
    pub commentary: bool,
    /// Sleep this long first, so you can look at the child (`ps`, `/proc/PID/`) or kill it.
    pub sleep_ms: u64,
    /// Panic instead of running `job`, to see how the parent reports a failed child.
    pub panic: bool,
}

/// The walk-through's child: it runs in the child process, with the read end of the parent's
/// pipe in `fds`; returns the exit code.
pub fn child(options: &ChildOptions, fds: Vec<OwnedFd>) -> i32 {
    if let Err(err) = wait_for_parent(fds) {
        eprintln!(
            "error: child {}: no word from the parent: {err:#}",
            getpid()
        );
        return 1;
    }
    if options.commentary {
        println!(
            "child:  pid {}, parent {}, {} -- running job",
            getpid(),
            getppid(),
            threads_text()
        );
    }
    thread::sleep(Duration::from_millis(options.sleep_ms));
    if options.panic {
        panic!("job panicked on purpose (--child-panics)");
    }
    notes::job();
    0
}

/// Blocks until the parent writes one byte on the pipe whose read end was handed over (a
/// forked child has its copy; a spawned one inherited it across exec; a forkserver child got
/// it over the server's socket).
fn wait_for_parent(fds: Vec<OwnedFd>) -> anyhow::Result<()> {
    let go = fds.into_iter().next().context("no pipe from the parent")?;
    File::from(go)
        .read_exact(&mut [0])
        .context("cannot read the pipe")
}

/// Starts the walk-through's child by `method` and joins it, saying what happens when
/// `options.commentary` is on.
pub fn run(method: StartMethod, options: ChildOptions) -> anyhow::Result<ExitCode> {
    let commentary = options.commentary;
    if commentary {
        introduce(method);
    }
    // The child waits for a byte on this pipe, so that it is still alive when we look at it.
    // It is handed the read end; ours is closed once it has started.
    let (go_read, go_write) = io::pipe().context("cannot make a pipe")?;
    let mut p1 = Process::new(method, Target::Walkthrough { options }).with_fd(go_read.into());
    p1.start()?;
    let pid = p1.pid().context("a started process has a pid")?;
    if commentary {
        println!(
            "parent: its children now, from /proc (Python: multiprocessing.active_children()): {}",
            listed(children())
        );
        if let Some(server) = forkserver::pid() {
            println!(
                "parent: the forkserver is pid {server}; its children now: {} (the server is their parent and reaps them; it tells us how each one ends)",
                listed(children_of(server))
            );
        }
    }
    (&go_write)
        .write_all(b"g")
        .context("cannot tell the child to go on")?;
    let status = p1.join()?;
    if commentary {
        println!(
            "parent: joined child {pid}: {status}; Python's exitcode would be {}",
            status.python_exitcode()
        );
    }
    Ok(report(pid, status))
}

fn introduce(method: StartMethod) {
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
    println!(
        "        (a core is one processor on the chip; with hyper-threading each core runs two hardware threads at once, and cpu_count() counts hardware threads: the notes' 4 cores give 8)"
    );
    println!("parent: starting a child by {method}: {}", how(method));
}

fn how(method: StartMethod) -> &'static str {
    match method {
        StartMethod::Fork => {
            "a copy of this process that carries on from fork() (CPython's default on Linux up to 3.13)"
        }
        StartMethod::Spawn => {
            "a fresh run of this program; its main() sees the --spawned-child marker first and runs only job (Rust's `if __name__ == '__main__':`)"
        }
        StartMethod::Forkserver => {
            "the forkserver, a copy of this program forked when main() began (one thread then), forks it and it runs only job; its pipe travels over the server's Unix socket (CPython's default on Linux from 3.14)"
        }
    }
}

fn listed(children: Option<Vec<LiveChild>>) -> String {
    let Some(children) = children else {
        return "not reported on this system".to_string();
    };
    if children.is_empty() {
        return "none".to_string();
    }
    let listed: Vec<String> = children
        .iter()
        .map(|child| format!("pid {} ({})", child.pid, child.state_text()))
        .collect();
    listed.join(", ")
}

/// Exit code 0 if the child succeeded; otherwise one line on stderr and exit code 1.
fn report(pid: Pid, status: ExitStatus) -> ExitCode {
    if status.success() {
        ExitCode::SUCCESS
    } else {
        eprintln!("error: child {pid} failed: {status}");
        ExitCode::FAILURE
    }
}
