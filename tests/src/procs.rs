//! Running a lesson in the background while a test watches it, sends it signals, and checks
//! the process table afterwards.

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread;
use std::time::{Duration, Instant};

/// A lesson running in the background with its stdout read line by line. Dropping it kills
/// the lesson, so a failing test leaves nothing behind.
#[derive(Debug)]
pub struct Running {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
    stderr: Option<thread::JoinHandle<String>>,
}

impl Running {
    pub fn start(program: &Path, args: &[&str]) -> Self {
        Self::spawn(Command::new(program).args(args), program)
    }

    /// Like [`Running::start`], in a process group of its own, as a shell starts a job: a test
    /// can then signal the whole group, as Ctrl-C at a terminal does, without signalling itself.
    pub fn start_in_new_process_group(program: &Path, args: &[&str]) -> Self {
        use std::os::unix::process::CommandExt;
        Self::spawn(Command::new(program).args(args).process_group(0), program)
    }

    fn spawn(command: &mut Command, program: &Path) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", program.display()));
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let (sender, lines) = channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
            stderr: Some(stderr),
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Waits for a stdout line that `wanted` accepts and returns it; panics with everything
    /// seen so far if none comes within `timeout`.
    pub fn wait_for_line(&mut self, timeout: Duration, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if wanted(&line) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!("no expected line within {timeout:?}; saw {:?}", self.seen)
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the lesson closed its stdout; saw {:?}", self.seen)
                }
            }
        }
    }

    /// Waits for the lesson to exit (killing it after `timeout`) and returns its status, all
    /// of its stdout lines, and its stderr.
    pub fn finish(mut self, timeout: Duration) -> (ExitStatus, Vec<String>, String) {
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!(
                    "the lesson did not exit within {timeout:?}; saw {:?}",
                    self.seen
                );
            }
            thread::sleep(Duration::from_millis(10));
        };
        // Everything it printed, up to the end of its stdout: the reader thread may still be
        // behind. A descendant that keeps the pipe open only delays this until the deadline.
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            self.seen.push(line);
        }
        let stderr = self
            .stderr
            .take()
            .map(|reader| reader.join().unwrap_or_default());
        (
            status,
            std::mem::take(&mut self.seen),
            stderr.unwrap_or_default(),
        )
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Makes this process the reaper of its orphaned descendants (Linux), so that anything a
/// lesson leaves behind becomes our child, where [`children`] sees it, instead of vanishing
/// into init. Call it in a test binary of its own: it affects the whole process.
pub fn become_subreaper() {
    #[cfg(target_os = "linux")]
    nix::sys::prctl::set_child_subreaper(true).expect("prctl(PR_SET_CHILD_SUBREAPER)");
}

/// A process as `/proc/PID/stat` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInfo {
    pub pid: i32,
    pub name: String,
    /// `R` running, `S` sleeping, `Z` zombie (ended, not reaped), ...
    pub state: char,
    pub parent: i32,
}

/// The process `pid`, if it still exists in any state (a zombie still exists).
pub fn process(pid: i32) -> Option<ProcessInfo> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name is in parentheses and may itself hold spaces or parentheses.
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let mut rest = stat[close + 1..].split_whitespace();
    let state = rest.next()?.chars().next()?;
    let parent = rest.next()?.parse().ok()?;
    Some(ProcessInfo {
        pid,
        name: stat[open + 1..close].to_string(),
        state,
        parent,
    })
}

/// Every process whose parent is `parent`, zombies included.
pub fn children(parent: i32) -> Vec<ProcessInfo> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter_map(process)
        .filter(|info| info.parent == parent)
        .collect()
}

/// Waits until `pid` no longer exists (not even as a zombie); `false` if it is still there
/// after `timeout`.
pub fn wait_until_gone(pid: i32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while process(pid).is_some() {
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(10));
    }
    true
}

/// The shared-memory segments in `/dev/shm` whose names start with `PREFIX-PID-`: what the run
/// with that pid created and has not removed (Linux; elsewhere always empty).
pub fn shm_segments(prefix: &str, pid: i32) -> Vec<String> {
    let start = format!("{prefix}-{pid}-");
    let Ok(entries) = fs::read_dir("/dev/shm") else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with(&start))
        .collect();
    names.sort();
    names
}

/// Reaps `pid`, an orphan this process adopted as its subreaper, within `timeout`: the signal
/// that ended it, or `None` if it exited. Panics if it is still alive then: it outlived its
/// parent.
pub fn reap_adopted(pid: i32, timeout: Duration) -> Option<nix::sys::signal::Signal> {
    match reap_adopted_status(pid, timeout) {
        Ended::Killed(signal) => Some(signal),
        Ended::Exited(_) => None,
    }
}

/// Sends SIGKILL to each of `pids`, a lesson's workers. One may already be gone (ESRCH): the
/// lesson, told of the first death, may have killed and reaped the others.
pub fn kill_each(pids: &[i32], run: &str) {
    for &pid in pids {
        match nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        ) {
            Ok(()) | Err(nix::errno::Errno::ESRCH) => {}
            Err(errno) => panic!("{run}: kill worker {pid}: {errno}"),
        }
    }
}

/// How a reaped process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Killed(nix::sys::signal::Signal),
    Exited(i32),
}

/// [`reap_adopted`], with the exit code of a process that exited.
pub fn reap_adopted_status(pid: i32, timeout: Duration) -> Ended {
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    let deadline = Instant::now() + timeout;
    loop {
        match waitpid(nix::unistd::Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Signaled(_, signal, _)) => return Ended::Killed(signal),
            Ok(WaitStatus::Exited(_, code)) => return Ended::Exited(code),
            // Still alive, or not ours yet (its parent is still being torn down).
            Ok(_) | Err(_) => {
                assert!(
                    Instant::now() < deadline,
                    "orphan {pid} still alive after {timeout:?}: it outlived its parent"
                );
                thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// Asserts that `pid`, a forked or spawned child orphaned when its parent was killed, died with
/// it. Either way counts, as neither depends on the test: the kernel's SIGKILL reached it (it
/// had asked for one with `die_with_parent`), or it had not yet got that far when its parent
/// died, found its parent gone, and exited with 1 at once (lesson01's `fork_child` and
/// `run_spawned`). A child we see in `/proc` may not have run a single instruction yet on a
/// loaded machine.
pub fn assert_died_with_parent(pid: i32, what: &str) {
    let ended = reap_adopted_status(pid, Duration::from_secs(10));
    assert!(
        matches!(
            ended,
            Ended::Killed(nix::sys::signal::Signal::SIGKILL) | Ended::Exited(1)
        ),
        "{what}: pid {pid} should have died with its parent, but ended {ended:?}"
    );
}

/// Every signal whose default action ends a process and that a program can catch and survive,
/// with the name a lesson gives it: all but SIGKILL (no handler runs), the faults SIGSEGV,
/// SIGBUS, SIGILL and SIGFPE (a handler that returns faults again), and SIGPIPE (which Rust
/// programs ignore). Linux: the real-time signals too.
pub fn ending_signals() -> Vec<(i32, String)> {
    use nix::sys::signal::Signal::*;
    let mut signals: Vec<(i32, String)> = [
        SIGHUP, SIGINT, SIGQUIT, SIGTRAP, SIGABRT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM, SIGSTKFLT,
        SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGSYS,
    ]
    .into_iter()
    .map(|signal| (signal as i32, signal.as_str().to_string()))
    .collect();
    let first = nix::libc::SIGRTMIN();
    for number in first..=nix::libc::SIGRTMAX() {
        signals.push((number, format!("SIGRTMIN+{}", number - first)));
    }
    signals
}

/// Sends signal `number` to `pid`, as `kill -NUMBER PID` does: a raw number, so that the
/// real-time signals (which `nix::sys::signal::Signal` has no names for) can be sent too.
pub fn send_signal(pid: i32, number: i32) -> std::io::Result<()> {
    // Safety: `kill` takes two integers and touches no memory of ours.
    let sent = unsafe { nix::libc::kill(pid, number) };
    nix::errno::Errno::result(sent)
        .map(drop)
        .map_err(std::io::Error::from)
}

/// What a run in a private `/dev/shm` gave: its exit status as the shell saw it (128 + N for a
/// signal), its stdout lines, its stderr, and what was left in that `/dev/shm` afterwards.
#[derive(Debug)]
pub struct PrivateShmRun {
    pub code: i32,
    pub stdout: Vec<String>,
    pub stderr: String,
    pub left: Vec<String>,
}

/// Runs `program` with `args` in a mount namespace of its own, on a fresh tmpfs at `/dev/shm` of
/// `size` (as `mount -o size=` takes it: `4k` is one page), first filled with a file named
/// `filler` if `full`. Needs root and `unshare`: without them it says why it skips and returns
/// `None` (in CI it fails instead, see [`crate::skip_unless_ci`]).
pub fn run_with_private_dev_shm(
    size: &str,
    full: bool,
    program: &Path,
    args: &[&str],
) -> Option<PrivateShmRun> {
    const END: &str = "-- end of run, exit code:";
    if !nix::unistd::geteuid().is_root() {
        crate::skip_unless_ci("skipped a run with a private /dev/shm: not running as root");
        return None;
    }
    let fill = if full {
        "head -c 1048576 /dev/zero > /dev/shm/filler 2>/dev/null;"
    } else {
        ""
    };
    let script = format!(
        "mount -t tmpfs -o size={size},mode=1777 tmpfs /dev/shm || exit 99; {fill} \"$0\" \"$@\"; echo \"{END} $?\"; ls /dev/shm"
    );
    let mut command = vec!["--mount", "sh", "-c", &script];
    let program = program.to_str().expect("a UTF-8 path");
    command.push(program);
    command.extend_from_slice(args);
    let run = Running::start(Path::new("unshare"), &command);
    let (status, lines, stderr) = run.finish(crate::TIMEOUT);
    let Some(end) = lines.iter().position(|line| line.starts_with(END)) else {
        crate::skip_unless_ci(&format!(
            "skipped a run with a private /dev/shm: unshare --mount and mount failed here ({status}): {stderr}"
        ));
        return None;
    };
    Some(PrivateShmRun {
        code: lines[end][END.len()..]
            .trim()
            .parse()
            .expect("an exit code"),
        stdout: lines[..end].to_vec(),
        stderr,
        left: lines[end + 1..].to_vec(),
    })
}

/// The descendants of `parent` that have no children of their own: a lesson's workers, whether
/// it started them itself (fork, spawn) or through its forkserver (then their parent is the
/// server, the one child of `parent` that has children).
pub fn leaf_descendants(parent: i32) -> Vec<i32> {
    let mut leaves = Vec::new();
    let mut look_at = vec![parent];
    while let Some(pid) = look_at.pop() {
        let below = children(pid);
        if below.is_empty() && pid != parent {
            leaves.push(pid);
        }
        look_at.extend(below.iter().map(|child| child.pid));
    }
    leaves.sort_unstable();
    leaves
}

/// Waits until `pid` no longer exists, reaping it if it is a zombie this process adopted as
/// the subreaper (a forkserver outlives its lesson by a moment, then dies with it). Panics if
/// it is still there after `timeout`.
pub fn gone_or_reaped(pid: i32, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while let Some(info) = process(pid) {
        if info.state == 'Z' && info.parent == std::process::id() as i32 {
            let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(pid), None);
            continue;
        }
        assert!(
            Instant::now() < deadline,
            "process {pid} ({info:?}) still there after {timeout:?}"
        );
        thread::sleep(Duration::from_millis(10));
    }
}
