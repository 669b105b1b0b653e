//! The three ways Python starts a process, in Rust.
//!
//! - **fork**: the child is a copy of the running parent, made by `fork()`. It starts right where
//!   the parent was, with the parent's memory, so it can run any closure. CPython uses it by
//!   default on Linux up to 3.13.
//! - **spawn**: the child is a fresh run of the same program. It shares nothing with the parent,
//!   so it must be told *what* to run: CPython pickles the target and its arguments; we write
//!   them as command-line arguments after a marker ([`start_with_orders`]). The child's `main`
//!   checks for the marker before anything else ([`spawned_orders`]): that check is Rust's
//!   `if __name__ == '__main__':`. Open files (a pipe's ends) are handed over by number: the
//!   child inherits exactly those across `exec`.
//! - **forkserver**: a small server process, forked early while the program had one thread,
//!   forks each child on request ([`crate::forkserver`]). The child is told its orders as a
//!   spawned child is, and its files travel to it over a Unix socket. CPython's default on Linux
//!   from 3.14.
//!
//! [`crate::process::Process`] puts them together as Python's `multiprocessing.Process`.

use std::ffi::OsString;
use std::io::{self, Write};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use std::{env, fmt};

use anyhow::{Context, bail, ensure};
use common::cli::{panic_message, stdout_failure};
use common::process::{
    CLOSED_STDOUT_EXIT_CODE, Child, PANIC_EXIT_CODE, Pid, die_with_parent, thread_count_settled,
};
use nix::unistd::{ForkResult, fork, getpid};

/// How to start a child process, as in `multiprocessing.set_start_method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StartMethod {
    Fork,
    Spawn,
    Forkserver,
}

impl fmt::Display for StartMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StartMethod::Fork => "fork",
            StartMethod::Spawn => "spawn",
            StartMethod::Forkserver => "forkserver",
        })
    }
}

/// Forks a child that runs `work` and exits with the code it returns (101 if it panics).
///
/// Refuses to fork a process with more than one thread: the child would get only a copy of
/// the calling thread, and any lock another thread held at that moment (the allocator's, the
/// stdout lock) would stay locked in the child for ever. Refuses too where the system does not
/// say how many threads there are: then nobody can tell that forking is safe.
pub fn fork_child(work: impl FnOnce() -> i32) -> anyhow::Result<Child> {
    // A thread that was just joined can still be counted for a few microseconds.
    may_fork(thread_count_settled(Duration::from_millis(100)))?;
    // Anything still buffered would be printed twice: once by each process.
    io::stdout().flush()?;
    let parent = getpid();
    // Safety: the process is single-threaded (checked just above), so
    // the child gets consistent copies of every lock and may run ordinary Rust code.
    match unsafe { fork() }.context("fork failed")? {
        ForkResult::Parent { child } => Ok(Child::from_pid(child)),
        ForkResult::Child => {
            let code = if die_with_parent(parent) {
                report_panics_in_one_line();
                // A panic must not unwind out of here into the copy of the parent's code.
                catch_unwind(AssertUnwindSafe(work))
                    .unwrap_or_else(|payload| exit_code_of(&payload))
            } else {
                1
            };
            let _ = io::stdout().flush();
            // Safety: _exit takes no pointers and never returns; unlike exit() it skips the
            // exit steps (atexit handlers, stdio flushing) that belong to the parent's copy.
            unsafe { nix::libc::_exit(code) }
        }
    }
}

/// A child's exit code after its work panicked: [`CLOSED_STDOUT_EXIT_CODE`] when it could not
/// write to its stdout (the parent reports that), [`PANIC_EXIT_CODE`] otherwise.
fn exit_code_of(payload: &Box<dyn std::any::Any + Send>) -> i32 {
    if stdout_failure(panic_message(payload.as_ref())).is_some() {
        CLOSED_STDOUT_EXIT_CODE
    } else {
        PANIC_EXIT_CODE
    }
}

/// Makes a panic in a child print one line (which child, what it said), with no backtrace
/// whatever `RUST_BACKTRACE` says: the parent then reports the exit status. A child that could
/// not write to its stdout says nothing: the parent's report of its exit code is the one line.
pub fn report_panics_in_one_line() {
    std::panic::set_hook(Box::new(|info| {
        if stdout_failure(panic_message(info.payload())).is_none() {
            common::cli::write_panic_line(&format!("child {}", getpid()), info);
        }
    }));
}

/// Whether a process with `threads` threads (`None`: the system does not say) may fork.
fn may_fork(threads: Option<usize>) -> anyhow::Result<()> {
    match threads {
        Some(1) => Ok(()),
        Some(threads) => {
            anyhow::bail!(
                "refusing to fork: this process has {threads} threads, fork copies only one"
            )
        }
        None => anyhow::bail!(
            "refusing to fork: this system does not say how many threads this process has, and fork is safe only with one"
        ),
    }
}

/// The marker that tells a fresh run of this program that it is a spawned child.
pub const SPAWN_MARKER: &str = "--spawned-child";

/// The most open files one child can be handed.
pub const MAX_FDS: usize = 16;

/// Starts a child by spawn or forkserver that runs this program's `main` for `orders`, and
/// hands it `fds` (they stay open here too). The child finds them, in the same order, in
/// [`Orders::fds`]. A forked child runs a closure instead: see [`fork_child`].
pub fn start_with_orders(
    method: StartMethod,
    orders: &[String],
    fds: &[BorrowedFd<'_>],
) -> anyhow::Result<Child> {
    ensure!(
        fds.len() <= MAX_FDS,
        "a child can be handed at most {MAX_FDS} open files, not {}",
        fds.len()
    );
    match method {
        StartMethod::Fork => bail!(
            "a forked child runs a closure, not orders: start it with fork_child, not start_with_orders"
        ),
        StartMethod::Spawn => spawn(orders, fds),
        StartMethod::Forkserver => crate::forkserver::start_child(orders, fds),
    }
}

/// [`start_with_orders`] by spawn, handing over no open files.
pub fn spawn_with_orders(orders: &[String]) -> anyhow::Result<Child> {
    spawn(orders, &[])
}

/// Starts this same program again as a child, with the marker, our pid, the numbers of the
/// files it inherits and `orders` as its arguments: `PROGRAM --spawned-child PARENT_PID
/// fds=3,7 ORDERS...`. A spawned child shares no memory with us, so its orders travel as text
/// (CPython pickles them instead).
fn spawn(orders: &[String], fds: &[BorrowedFd<'_>]) -> anyhow::Result<Child> {
    let program = env::current_exe().context("cannot find this program to spawn it")?;
    let numbers: Vec<RawFd> = fds.iter().map(AsRawFd::as_raw_fd).collect();
    let listed: Vec<String> = numbers.iter().map(RawFd::to_string).collect();
    let mut command = Command::new(&program);
    command
        .arg(SPAWN_MARKER)
        .arg(getpid().to_string())
        .arg(format!("fds={}", listed.join(",")))
        .args(orders);
    // Rust opens every file close-on-exec: `exec` would close it in the child. Between fork
    // and exec, the child clears that flag on exactly the files it is handed.
    // Safety: the closure makes one async-signal-safe call (fcntl) per file and allocates
    // nothing (the numbers were collected before the fork).
    unsafe {
        command.pre_exec(move || {
            for &fd in &numbers {
                if nix::libc::fcntl(fd, nix::libc::F_SETFD, 0) == -1 {
                    return Err(io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let child = command
        .spawn()
        .with_context(|| format!("cannot spawn {}", program.display()))?;
    Ok(Child::from_std(child))
}

/// A spawned or forkserver child's parent, orders and open files: first as text, then parsed
/// by [`Orders::parse`].
#[derive(Debug)]
pub struct Orders<T = Vec<String>> {
    /// The process that started this child: the lesson for spawn, the server for forkserver.
    pub parent: Pid,
    pub args: T,
    /// The open files the parent handed over, in the order it gave them.
    pub fds: Vec<OwnedFd>,
}

impl Orders {
    /// The orders as the child's own type, e.g. with [`crate::process::Target::from_args`];
    /// the open files stay in [`Orders::fds`].
    pub fn parse<T>(
        self,
        parse: impl FnOnce(&[String]) -> anyhow::Result<T>,
    ) -> anyhow::Result<Orders<T>> {
        Ok(Orders {
            parent: self.parent,
            args: parse(&self.args)?,
            fds: self.fds,
        })
    }

    /// [`Orders::parse`] for a type that takes the open files too (a queue takes its pipe).
    pub fn parse_with_fds<T>(
        self,
        parse: impl FnOnce(&[String], Vec<OwnedFd>) -> anyhow::Result<T>,
    ) -> anyhow::Result<Orders<T>> {
        Ok(Orders {
            parent: self.parent,
            args: parse(&self.args, self.fds)?,
            fds: Vec::new(),
        })
    }
}

/// Whether this process has already taken the files its spawned-child arguments list: they
/// must be owned once only, or they would be closed twice.
static FDS_TAKEN: AtomicBool = AtomicBool::new(false);

/// Rust's `if __name__ == '__main__':`. Call it first in `main`: in a spawned child it returns
/// the child's orders, and `main` must run only those (see [`run_spawned`]). In the parent it
/// returns `None`.
pub fn spawned_orders() -> Option<anyhow::Result<Orders>> {
    let args: Vec<OsString> = env::args_os().skip(1).collect();
    if args.first()? != SPAWN_MARKER {
        return None;
    }
    let mut args: Vec<String> = args[1..]
        .iter()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    Some((|| {
        ensure!(!args.is_empty(), "missing the parent's pid");
        let parent = args.remove(0).parse().context("missing the parent's pid")?;
        // The parent always lists the files; a hand-written command line may leave them out.
        let fds = match args.first().and_then(|arg| arg.strip_prefix("fds=")) {
            Some(list) => {
                let fds = inherited_fds(list)?;
                args.remove(0);
                fds
            }
            None => Vec::new(),
        };
        Ok(Orders {
            parent: Pid::from_raw(parent),
            args,
            fds,
        })
    })())
}

/// Takes ownership of the files listed as `3,7`, which this process inherited, and makes them
/// close-on-exec again (a child this child spawns gets only what it is handed).
fn inherited_fds(list: &str) -> anyhow::Result<Vec<OwnedFd>> {
    let numbers = list
        .split(',')
        .filter(|number| !number.is_empty())
        .map(|number| number.parse::<RawFd>().ok().filter(|&fd| fd > 2))
        .collect::<Option<Vec<RawFd>>>()
        .with_context(|| format!("fds={list} is not a list of file numbers above 2"))?;
    ensure!(
        numbers.len() <= MAX_FDS,
        "fds={list} lists more than {MAX_FDS} files"
    );
    let mut distinct = numbers.clone();
    distinct.sort_unstable();
    distinct.dedup();
    ensure!(
        distinct.len() == numbers.len(),
        "fds={list} lists a file twice"
    );
    ensure!(
        numbers.is_empty() || !FDS_TAKEN.swap(true, Ordering::SeqCst),
        "the inherited files were taken already"
    );
    let mut fds = Vec::new();
    for fd in numbers {
        // Safety: fcntl only reads and sets the flags of `fd`; -1 says it is not open.
        if unsafe { nix::libc::fcntl(fd, nix::libc::F_SETFD, nix::libc::FD_CLOEXEC) } == -1 {
            bail!("file {fd} was listed but is not open");
        }
        // Safety: `fd` is open (checked just above), our parent handed it to us by listing
        // it, nothing else in this process owns it, and it is listed once and taken once
        // (FDS_TAKEN).
        fds.push(unsafe { OwnedFd::from_raw_fd(fd) });
    }
    Ok(fds)
}

/// Runs a spawned child's `work` and returns its exit code: 2 for orders that do not parse;
/// 1, with one line, when the parent is already gone or `work` fails; a panic is reported in
/// one line.
pub fn run_spawned<T>(
    orders: anyhow::Result<Orders<T>>,
    work: impl FnOnce(T) -> anyhow::Result<i32>,
) -> ExitCode {
    let orders = match orders {
        Ok(orders) => orders,
        Err(err) => {
            eprintln!("error: {SPAWN_MARKER} is for this program's own children: {err:#}");
            return ExitCode::from(2);
        }
    };
    if !die_with_parent(orders.parent) {
        eprintln!(
            "error: parent {} is gone; the spawned child stops",
            orders.parent
        );
        return ExitCode::FAILURE;
    }
    report_panics_in_one_line();
    let code = match catch_unwind(AssertUnwindSafe(|| work(orders.args))) {
        Ok(Ok(code)) => code,
        Ok(Err(err)) => {
            eprintln!("error: child {}: {err:#}", getpid());
            1
        }
        Err(payload) => exit_code_of(&payload),
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// Reads one `key=value` order.
pub fn field<T: std::str::FromStr>(arg: &str, key: &str) -> anyhow::Result<T> {
    arg.strip_prefix(key)
        .and_then(|rest| rest.strip_prefix('='))
        .and_then(|value| value.parse().ok())
        .with_context(|| format!("expected {key}=<value>, got {arg:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::IntoRawFd;
    use std::thread;

    #[test]
    fn fork_refuses_a_multithreaded_process() {
        // A second thread of our own, alive until the refusal: whatever threads the test
        // harness has or has not started, this process has two.
        let (release, released) = std::sync::mpsc::channel::<()>();
        let second = thread::spawn(move || {
            let _ = released.recv();
        });
        let refused = fork_child(|| 0);
        drop(release);
        second.join().expect("the second thread ends");
        let err = refused.expect_err("two threads");
        assert!(err.to_string().contains("refusing to fork"), "{err}");
    }

    #[test]
    fn inherited_files_are_checked_and_taken_once() {
        for bad in ["x", "3,y", "1", "-4", "3,,x"] {
            assert!(inherited_fds(bad).is_err(), "{bad}");
        }
        assert!(inherited_fds("").expect("no files").is_empty());
        let (read, write) = std::io::pipe().expect("pipe");
        // Give up our ownership: the list hands the descriptor over, as a parent's would.
        let number = OwnedFd::from(write).into_raw_fd();
        let listed = format!("{number},{number}");
        assert!(inherited_fds(&listed).is_err(), "listed twice");
        let fds = inherited_fds(&number.to_string()).expect("an open file");
        assert_eq!(fds.len(), 1);
        let mut file = std::fs::File::from(fds.into_iter().next().expect("one"));
        file.write_all(b"x").expect("the pipe's write end");
        drop(file);
        let mut got = Vec::new();
        std::io::Read::read_to_end(&mut &read, &mut got).expect("read");
        assert_eq!(got, b"x");
        let again = inherited_fds(&number.to_string()).expect_err("taken once");
        assert!(again.to_string().contains("taken already"), "{again}");
    }

    #[test]
    fn forkserver_before_start_is_one_line_and_fork_takes_a_closure() {
        let err = start_with_orders(StartMethod::Forkserver, &["job".into()], &[])
            .expect_err("no server in this process");
        assert_eq!(
            err.to_string(),
            "the forkserver was not started: call forkserver::start early in main, before any thread"
        );
        let err = start_with_orders(StartMethod::Fork, &["job".into()], &[]).expect_err("fork");
        assert!(err.to_string().contains("fork_child"), "{err}");
    }

    #[test]
    fn fork_is_refused_unless_the_count_is_known_to_be_one() {
        assert!(may_fork(Some(1)).is_ok());
        let err = may_fork(Some(2)).expect_err("two threads");
        assert!(err.to_string().contains("has 2 threads"), "{err}");
        let err = may_fork(None).expect_err("unknown count");
        assert!(
            err.to_string().contains("does not say how many threads"),
            "{err}"
        );
    }
}
