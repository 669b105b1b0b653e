//! Small helpers for child processes that lessons 1 to 6 all need and none of them teaches:
//! reaping a child with its exit status or signal, waiting with a timeout, and making sure no
//! child outlives its parent.
//!
//! How a child is *started* (fork, spawn or forkserver) is lesson01's subject and lives there.

use std::fmt;
use std::io::{self, Read};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::thread;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
pub use nix::unistd::Pid;

/// How a child process ended: what Python shows as `Process.exitcode` (negative for a signal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// It returned from its work or called `exit`: 0 is success. A Rust panic exits with 101.
    Code(i32),
    /// A signal ended it (SIGKILL from `kill -9`, SIGABRT from an abort, ...).
    Signal { signal: Signal, core_dumped: bool },
}

/// The exit code a Rust program uses when it ends in a panic.
pub const PANIC_EXIT_CODE: i32 = 101;

/// The exit code of a child that stopped because it could not write to its stdout: closed
/// (`lesson | head`) or full (`lesson > /dev/full`). 128 + SIGPIPE, what a shell reports for a
/// program that SIGPIPE ended.
pub const CLOSED_STDOUT_EXIT_CODE: i32 = 141;

impl ExitStatus {
    pub fn success(self) -> bool {
        self == ExitStatus::Code(0)
    }

    /// What `multiprocessing.Process.exitcode` would be for the same ending: minus the signal
    /// number for a signal, 1 for a panic (CPython's exit code after an uncaught exception),
    /// and the code itself otherwise.
    pub fn python_exitcode(self) -> i32 {
        match self {
            ExitStatus::Code(PANIC_EXIT_CODE) => 1,
            ExitStatus::Code(code) => code,
            ExitStatus::Signal { signal, .. } => -(signal as i32),
        }
    }
}

impl fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitStatus::Code(CLOSED_STDOUT_EXIT_CODE) => {
                write!(
                    f,
                    "exit code {CLOSED_STDOUT_EXIT_CODE} (it could not write to its stdout)"
                )
            }
            ExitStatus::Code(PANIC_EXIT_CODE) => {
                write!(f, "exit code {PANIC_EXIT_CODE} (it panicked)")
            }
            ExitStatus::Code(code) => write!(f, "exit code {code}"),
            ExitStatus::Signal {
                signal,
                core_dumped,
            } => {
                write!(f, "killed by signal {}", signal.as_str())?;
                if *core_dumped {
                    f.write_str(" (core dumped)")?;
                }
                Ok(())
            }
        }
    }
}

/// What a child is doing, as [`Child::activity`] sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    Running,
    /// A signal stopped it (SIGSTOP, or SIGTSTP from Ctrl-Z) and it has not been continued
    /// since: it does nothing until SIGCONT (the shell's `fg`).
    Stopped(Signal),
    Ended(ExitStatus),
}

impl Activity {
    /// The 8 bytes a process that reaps a child for someone else (lesson01's forkserver) sends
    /// that someone when the child stops, continues or ends: what `waitpid` told it.
    pub fn to_report(self) -> [u8; 8] {
        let (kind, number) = match self {
            Activity::Running => (b'R', 0),
            Activity::Stopped(signal) => (b'T', signal as i32),
            Activity::Ended(ExitStatus::Code(code)) => (b'E', code),
            Activity::Ended(ExitStatus::Signal {
                signal,
                core_dumped,
            }) => (if core_dumped { b'C' } else { b'S' }, signal as i32),
        };
        let mut report = [kind, 0, 0, 0, 0, 0, 0, 0];
        report[4..].copy_from_slice(&number.to_le_bytes());
        report
    }

    /// Reads what [`Activity::to_report`] wrote.
    pub fn from_report(report: [u8; 8]) -> io::Result<Self> {
        let [kind, _, _, _, a, b, c, d] = report;
        let number = i32::from_le_bytes([a, b, c, d]);
        let signal = || Signal::try_from(number).map_err(io::Error::from);
        Ok(match kind {
            b'R' => Activity::Running,
            b'T' => Activity::Stopped(signal()?),
            b'E' => Activity::Ended(ExitStatus::Code(number)),
            b'S' | b'C' => Activity::Ended(ExitStatus::Signal {
                signal: signal()?,
                core_dumped: kind == b'C',
            }),
            _ => return Err(io::Error::other(format!("unknown child report {report:?}"))),
        })
    }
}

/// A child process this process must reap. Dropping it without waiting kills the child and
/// reaps it, so an early return or a `?` in the parent never leaves a zombie or a stray child.
#[derive(Debug)]
pub struct Child {
    pid: Pid,
    status: Option<ExitStatus>,
    /// The signal that stopped it, while it is stopped (as far as `waitpid` has told us).
    stopped: Option<Signal>,
    /// For a child another process forked and reaps for us (a forkserver): where that process
    /// sends what `waitpid` tells it, as [`Activity::to_report`] writes it.
    reports: Option<UnixStream>,
    /// The reaping process went away before the child ended: nothing more will be known.
    orphaned: bool,
}

impl Child {
    /// Takes charge of reaping `pid`, which must be a child of this process.
    pub fn from_pid(pid: Pid) -> Self {
        Self {
            pid,
            status: None,
            stopped: None,
            reports: None,
            orphaned: false,
        }
    }

    /// Takes charge of `pid`, a child that another process (lesson01's forkserver) forked and
    /// reaps: how it stops, continues and ends arrives on `reports`. It works as a child of
    /// ours does; if the reaping process dies first, waiting for it is an error, not a hang.
    pub fn from_reports(pid: Pid, reports: UnixStream) -> Self {
        // Not `..Self::from_pid(pid)`: that would make a second Child, whose Drop kills `pid`.
        Self {
            pid,
            status: None,
            stopped: None,
            reports: Some(reports),
            orphaned: false,
        }
    }

    /// Takes charge of reaping a child started with `std::process::Command`. Its pipes, if
    /// any, are closed: use it for children that inherit or redirect their stdio.
    pub fn from_std(child: std::process::Child) -> Self {
        let pid = i32::try_from(child.id()).expect("a pid fits in an i32");
        Self::from_pid(Pid::from_raw(pid))
    }

    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Blocks until the child ends and reaps it (Python's `join()`).
    pub fn wait(&mut self) -> io::Result<ExitStatus> {
        loop {
            if let Some(status) = self.reap(WaitPidFlag::empty())? {
                return Ok(status);
            }
        }
    }

    /// Reaps the child if it has ended; `None` if it is still running.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        self.reap(WaitPidFlag::WNOHANG)
    }

    /// Waits at most `timeout`; `None` if the child is still running then (Python's
    /// `join(timeout)`, after which `exitcode` is still `None`).
    pub fn wait_timeout(&mut self, timeout: Duration) -> io::Result<Option<ExitStatus>> {
        let deadline = Instant::now() + timeout;
        // Poll, sleeping a little longer each time: cheap for a quick child, idle for a slow one.
        let mut pause = Duration::from_micros(50);
        loop {
            if let Some(status) = self.try_wait()? {
                return Ok(Some(status));
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            thread::sleep(pause.min(deadline - now));
            pause = (pause * 2).min(Duration::from_millis(10));
        }
    }

    /// Whether the child is running, stopped or ended (then reaped), without waiting. A parent
    /// that waits for a child's result uses it to notice a child that will never send one.
    pub fn activity(&mut self) -> io::Result<Activity> {
        self.look(WaitPidFlag::WNOHANG | WaitPidFlag::WUNTRACED | WaitPidFlag::WCONTINUED)
    }

    /// Sends `signal` to the child, unless it was already reaped (its pid may be reused).
    ///
    /// A child reaped by someone else is reaped before its report reaches us: a signal sent in
    /// that short moment goes to a pid that is free again. Linux hands out pids in turn, so it
    /// would take the whole pid range being used up in that moment for another process to get it.
    pub fn signal(&self, signal: Signal) -> io::Result<()> {
        if self.status.is_some() || self.orphaned {
            return Ok(());
        }
        match kill(self.pid, signal) {
            // ESRCH: it ended on its own and is a zombie waiting to be reaped; not an error.
            Ok(()) | Err(Errno::ESRCH) => Ok(()),
            Err(errno) => Err(errno.into()),
        }
    }

    /// SIGKILLs the child and reaps it.
    pub fn kill(&mut self) -> io::Result<ExitStatus> {
        self.signal(Signal::SIGKILL)?;
        self.wait()
    }

    fn reap(&mut self, flags: WaitPidFlag) -> io::Result<Option<ExitStatus>> {
        Ok(match self.look(flags)? {
            Activity::Ended(status) => Some(status),
            Activity::Running | Activity::Stopped(_) => None,
        })
    }

    /// One `waitpid` with `flags`; an ended child is reaped and its status kept.
    fn look(&mut self, flags: WaitPidFlag) -> io::Result<Activity> {
        if let Some(status) = self.status {
            return Ok(Activity::Ended(status));
        }
        if self.reports.is_some() || self.orphaned {
            return self.read_reports(!flags.contains(WaitPidFlag::WNOHANG));
        }
        let status = match waitpid(self.pid, Some(flags)) {
            Ok(WaitStatus::Exited(_, code)) => ExitStatus::Code(code),
            Ok(WaitStatus::Signaled(_, signal, core_dumped)) => ExitStatus::Signal {
                signal,
                core_dumped,
            },
            // Reported only with WUNTRACED and WCONTINUED (see `activity`), once each.
            Ok(WaitStatus::Stopped(_, signal)) => {
                self.stopped = Some(signal);
                return Ok(Activity::Stopped(signal));
            }
            Ok(WaitStatus::Continued(_)) => {
                self.stopped = None;
                return Ok(Activity::Running);
            }
            // No news (WNOHANG), or interrupted by a signal handler: as it was.
            Ok(_) | Err(Errno::EINTR) => {
                return Ok(self.stopped.map_or(Activity::Running, Activity::Stopped));
            }
            Err(errno) => return Err(errno.into()),
        };
        self.status = Some(status);
        self.stopped = None;
        Ok(Activity::Ended(status))
    }
}

impl Child {
    /// [`Child::look`] for a child someone else reaps: reads the reports that have arrived (with
    /// `block`, until it has ended).
    fn read_reports(&mut self, block: bool) -> io::Result<Activity> {
        loop {
            let Some(reports) = self.reports.as_mut().filter(|_| !self.orphaned) else {
                return Err(io::Error::other(format!(
                    "the forkserver died before child {} ended (the child died with it)",
                    self.pid
                )));
            };
            if !block && !readable(reports)? {
                return Ok(self.stopped.map_or(Activity::Running, Activity::Stopped));
            }
            let mut report = [0; 8];
            match reports.read_exact(&mut report) {
                Ok(()) => {}
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => {
                    self.orphaned = true;
                    continue;
                }
                Err(err) => return Err(err),
            }
            match Activity::from_report(report)? {
                Activity::Ended(status) => {
                    self.status = Some(status);
                    self.stopped = None;
                    self.reports = None;
                    return Ok(Activity::Ended(status));
                }
                Activity::Stopped(signal) => self.stopped = Some(signal),
                Activity::Running => self.stopped = None,
            }
        }
    }
}

/// Whether `stream` has something to read (or has reached its end) right now.
fn readable(stream: &UnixStream) -> io::Result<bool> {
    let mut fds = [PollFd::new(stream.as_fd(), PollFlags::POLLIN)];
    match poll(&mut fds, PollTimeout::ZERO) {
        Ok(ready) => Ok(ready > 0),
        Err(Errno::EINTR) => Ok(false),
        Err(errno) => Err(errno.into()),
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if self.status.is_none() {
            // Best effort: there is nobody to report an error to in a destructor.
            let _ = self.kill();
        }
    }
}

/// Asks the kernel to SIGKILL this process when its parent dies, so that a child never
/// outlives a parent that was killed (even by SIGKILL, which no handler sees). Call it first
/// thing in a child, passing the parent's pid as it was before the child started; returns
/// `false` if that parent is already gone, in which case the child should exit at once.
///
/// Linux only (`prctl(PR_SET_PDEATHSIG)`); elsewhere it only checks the parent. The signal is
/// tied to the *thread* that created the child, so start children from the main thread.
pub fn die_with_parent(parent: Pid) -> bool {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).is_err() {
        return false;
    }
    // The parent may have died before the line above ran: then we were re-parented already.
    nix::unistd::getppid() == parent
}

/// Makes the kernel SIGKILL `command`'s process when this process dies (Linux; see
/// [`die_with_parent`]). Call it from the thread that will start the command
/// and outlive it: the main thread.
pub fn die_with_this_process(command: &mut std::process::Command) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use std::os::unix::process::CommandExt;
        let parent = nix::unistd::getpid();
        // Safety: between fork and exec the child makes two system calls (prctl, getppid) and
        // allocates nothing: the error is built from a number.
        unsafe {
            command.pre_exec(move || {
                if die_with_parent(parent) {
                    Ok(())
                } else {
                    Err(std::io::Error::from_raw_os_error(nix::libc::ESRCH))
                }
            });
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = command;
}

/// How many threads this process has right now; `None` where the system does not say. The
/// `num_threads` crate asks each system its own way (Linux and Android: `/proc`; macOS and iOS:
/// `task_threads`; FreeBSD: `sysctl`; AIX); elsewhere (OpenBSD, NetBSD, ...) it has no answer.
pub fn thread_count() -> Option<usize> {
    num_threads::num_threads().map(std::num::NonZeroUsize::get)
}

/// The thread count once threads that are ending have gone, waiting at most `patience` for it
/// to come down to one: a joined thread, or a dropped thread pool's, can still be counted for
/// a moment after it was told to end. `None` where the system does not say.
pub fn thread_count_settled(patience: Duration) -> Option<usize> {
    let deadline = Instant::now() + patience;
    loop {
        let threads = thread_count()?;
        if threads == 1 || Instant::now() >= deadline {
            return Some(threads);
        }
        thread::sleep(Duration::from_micros(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_status_reads_like_python_exitcode() {
        let killed = ExitStatus::Signal {
            signal: Signal::SIGKILL,
            core_dumped: false,
        };
        assert_eq!(killed.to_string(), "killed by signal SIGKILL");
        assert_eq!(killed.python_exitcode(), -9);
        assert!(!killed.success());
        assert_eq!(
            ExitStatus::Code(101).to_string(),
            "exit code 101 (it panicked)"
        );
        assert_eq!(ExitStatus::Code(3).python_exitcode(), 3);
        assert_eq!(ExitStatus::Code(PANIC_EXIT_CODE).python_exitcode(), 1);
        assert!(ExitStatus::Code(0).success());
    }

    #[test]
    fn every_activity_survives_its_report() {
        let activities = [
            Activity::Running,
            Activity::Stopped(Signal::SIGTSTP),
            Activity::Ended(ExitStatus::Code(0)),
            Activity::Ended(ExitStatus::Code(101)),
            Activity::Ended(ExitStatus::Signal {
                signal: Signal::SIGKILL,
                core_dumped: false,
            }),
            Activity::Ended(ExitStatus::Signal {
                signal: Signal::SIGABRT,
                core_dumped: true,
            }),
        ];
        for activity in activities {
            assert_eq!(
                Activity::from_report(activity.to_report()).ok(),
                Some(activity)
            );
        }
        assert!(Activity::from_report(*b"X\0\0\0\0\0\0\0").is_err());
        assert!(Activity::from_report(*b"S\0\0\0\xff\0\0\0").is_err());
    }
}
