//! A signal must not leave segments behind.
//!
//! By default most signals end a process on the spot (Ctrl-C's SIGINT, SIGTERM, SIGHUP, but also
//! SIGQUIT, SIGUSR1, SIGALRM and more): no destructor runs, so no segment is removed. Here each
//! of them only sets a flag (a signal handler may do little more than that safely). The parent
//! looks at the flag while it waits for its child; when it is set, it kills and reaps the child,
//! returns [`Interrupted`], and its segments are removed as the error travels up and they drop.
//! `main` then exits with 128 + the signal's number, as a shell does.
//!
//! Not handled: SIGKILL, which cannot be caught at all (see [`crate::cleanup`]); SIGSEGV, SIGBUS,
//! SIGILL and SIGFPE, which a faulty instruction raises, and a handler that returns would run
//! it again for ever; and SIGPIPE, which every Rust program ignores (a write to a closed pipe
//! is an error instead).
//!
//! A forked child inherits the handlers. It should still die of these signals as any program
//! does, so the first thing it does is [`in_forked_child`], which puts them back to the
//! defaults in it. (A spawned child is a fresh program: its handlers are the
//! defaults already.)

use std::fmt;
use std::process::ExitCode;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::SeqCst;
use std::time::{Duration, Instant};

use anyhow::Context;
use common::process::{Child, ExitStatus};
use lesson01_process::start;
use nix::sys::signal::Signal;

/// The signals after which the parent cleans up before it exits: every signal whose default
/// action ends the process, but for those the module's introduction leaves out. The real-time
/// signals (`SIGRTMIN` to `SIGRTMAX`, which also end a process by default) are handled too: see
/// [`handled`].
pub const HANDLED: &[Signal] = &[
    Signal::SIGHUP,
    Signal::SIGINT,
    Signal::SIGQUIT,
    Signal::SIGTRAP,
    Signal::SIGABRT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGALRM,
    Signal::SIGTERM,
    #[cfg(any(target_os = "linux", target_os = "android"))]
    Signal::SIGSTKFLT,
    Signal::SIGXCPU,
    Signal::SIGXFSZ,
    Signal::SIGVTALRM,
    Signal::SIGPROF,
    // Linux ends a process on SIGIO; the BSDs and macOS ignore it.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    Signal::SIGIO,
    #[cfg(any(target_os = "linux", target_os = "android"))]
    Signal::SIGPWR,
    Signal::SIGSYS,
];

/// Every signal number [`install`] handles: [`HANDLED`], and the real-time signals where the
/// system has them.
pub fn handled() -> Vec<i32> {
    let mut numbers: Vec<i32> = HANDLED.iter().map(|&signal| signal as i32).collect();
    #[cfg(any(target_os = "linux", target_os = "android"))]
    numbers.extend(nix::libc::SIGRTMIN()..=nix::libc::SIGRTMAX());
    numbers
}

/// The last handled signal that arrived, as a number; 0 for none.
static RECEIVED: AtomicUsize = AtomicUsize::new(0);

/// Installs the handlers. Call it once, before creating anything that must be cleaned up.
pub fn install() -> std::io::Result<()> {
    for signal in handled() {
        signal_hook::flag::register_usize(signal, &RECEIVED, signal as usize)?;
    }
    Ok(())
}

/// Call first thing in a forked child: the handled signals end it, as they end any program.
pub fn in_forked_child() {
    for signal in handled() {
        // Safety: `SIG_DFL` runs no code of ours, so it cannot break anything a handler could;
        // and this process has one thread (a forked child), so nothing registers a handler at
        // the same time. A failure leaves the flag-setting handler: nothing to do about it.
        let _ = unsafe { nix::libc::signal(signal, nix::libc::SIG_DFL) };
    }
}

/// lesson01's [`start::fork_child`], with [`in_forked_child`] first in the child: a forked child
/// that runs `work` and dies of the handled signals as any program does.
pub fn fork_child(work: impl FnOnce() -> i32) -> anyhow::Result<Child> {
    start::fork_child(|| {
        in_forked_child();
        work()
    })
}

/// The number of the handled signal that arrived, if one did.
pub fn received() -> Option<i32> {
    match RECEIVED.load(SeqCst) {
        0 => None,
        number => i32::try_from(number).ok(),
    }
}

/// The error a run returns when a signal told it to stop; it holds the signal's number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted(pub i32);

impl Interrupted {
    /// What a shell reports for a program ended by this signal: 128 + its number (130 for
    /// SIGINT, 143 for SIGTERM).
    pub fn exit_code(self) -> u8 {
        u8::try_from(128 + self.0).unwrap_or(u8::MAX)
    }

    /// `SIGTERM`, or `SIGRTMIN+3` for a real-time signal.
    pub fn name(self) -> String {
        if let Ok(signal) = Signal::try_from(self.0) {
            return signal.as_str().to_string();
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.0 >= nix::libc::SIGRTMIN() {
            return format!("SIGRTMIN+{}", self.0 - nix::libc::SIGRTMIN());
        }
        format!("signal {}", self.0)
    }
}

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "interrupted by {}", self.name())
    }
}

impl std::error::Error for Interrupted {}

/// Python's `join()`, except that a handled signal makes it kill and reap the child and return
/// [`Interrupted`].
pub fn join(child: &mut Child) -> anyhow::Result<ExitStatus> {
    join_within(child, None)?.context("join ended with the child still running")
}

/// Python's `join(timeout)`: `None` if the child still runs after `limit`, and then it is
/// killed (and reaped). A handled signal kills the child and returns [`Interrupted`].
pub fn join_within(
    child: &mut Child,
    limit: Option<Duration>,
) -> anyhow::Result<Option<ExitStatus>> {
    let status = wait_within(child, limit)?;
    if status.is_none() {
        child.kill()?;
    }
    Ok(status)
}

/// [`join_within`], except that a child still running after `limit` is left running: the
/// caller looks at it before it kills it.
pub fn wait_within(
    child: &mut Child,
    limit: Option<Duration>,
) -> anyhow::Result<Option<ExitStatus>> {
    let deadline = limit.map(|limit| Instant::now() + limit);
    loop {
        if let Some(signal) = received() {
            child.kill()?;
            return Err(Interrupted(signal).into());
        }
        if let Some(status) = child.wait_timeout(Duration::from_millis(20))? {
            // Ctrl-C reaches the child and the parent at once: if the child died of it, report
            // the interruption, not a failed child.
            check()?;
            return Ok(Some(status));
        }
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            return Ok(None);
        }
    }
}

/// The exit code for a lesson's result: an [`Interrupted`] run says in one line, as `program`,
/// what was cleaned up and exits 128 + the signal's number; anything else as
/// [`common::cli::exit_code`].
pub fn exit_code(result: anyhow::Result<ExitCode>, program: &str, cleaned: &str) -> ExitCode {
    match result {
        Err(err) => match err.downcast::<Interrupted>() {
            // By now what the run created has dropped, on the way here.
            Ok(interrupted) => {
                eprintln!("{program}: {interrupted}: {cleaned}");
                ExitCode::from(interrupted.exit_code())
            }
            Err(err) => common::cli::exit_code(Err(err)),
        },
        ok => common::cli::exit_code(ok),
    }
}

/// Fails with [`Interrupted`] if a handled signal arrived: for the stretches where the parent
/// is not waiting for a child.
pub fn check() -> Result<(), Interrupted> {
    received().map_or(Ok(()), |signal| Err(Interrupted(signal)))
}
