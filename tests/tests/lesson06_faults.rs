//! lesson06-serial under Ctrl-C (SIGINT) and SIGTERM: afterwards no process of the lesson may
//! be left, and no pty.
//!
//! A test binary of its own, because it makes itself the subreaper of orphans (Linux): a child
//! the lesson fails to take with it then becomes ours, where the test sees it. The tests take
//! turns (a lock), so no other test here makes a pty that could reuse the number of the one
//! whose end they check.

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use course_tests::procs::{Running, become_subreaper, children};
use course_tests::pty::Peer;
use course_tests::{TIMEOUT, lesson_bin};
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;

/// The lesson's three processes and its pty, read from its first lines.
struct Session {
    lesson: Running,
    host: i32,
    device: i32,
    reader: i32,
    pty: String,
}

/// A session whose device never answers, so it waits (up to a minute) for its first reply.
fn start_waiting_session() -> Session {
    become_subreaper();
    let mut lesson = Running::start(
        &lesson_bin("lesson06-serial"),
        &["--device-fault", "silent", "--timeout-ms", "60000"],
    );
    let host = lesson.pid();
    let pty_line = lesson.wait_for_line(TIMEOUT, |line| line.starts_with("pty:    "));
    let pty = pty_line["pty:    ".len()..]
        .split(' ')
        .next()
        .expect("a path")
        .to_string();
    let device_line = lesson.wait_for_line(TIMEOUT, |line| line.starts_with("device: pid "));
    let device = number_after(&device_line, "device: pid ");
    let reader_line = lesson.wait_for_line(TIMEOUT, |line| line.contains("its reader, pid "));
    let reader = number_after(&reader_line, "its reader, pid ");
    lesson.wait_for_line(TIMEOUT, |line| line.contains(" -> \"PING\""));
    assert!(
        Path::new(&pty).exists(),
        "{pty} is up while the session runs"
    );
    Session {
        lesson,
        host,
        device,
        reader,
        pty,
    }
}

fn number_after(line: &str, prefix: &str) -> i32 {
    let start = line.find(prefix).expect("prefix") + prefix.len();
    line[start..]
        .split([' ', ','])
        .next()
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(|| panic!("a pid in {line:?}"))
}

/// Reaps `pid` once it has been orphaned to us and has ended; the signal that ended it.
fn reap_orphan(pid: i32) -> Option<Signal> {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        match waitpid(Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Signaled(_, signal, _)) => return Some(signal),
            Ok(WaitStatus::Exited(..)) => return None,
            // ECHILD: reaped already, by its parent before it died; gone is gone.
            Err(nix::errno::Errno::ECHILD) if course_tests::procs::process(pid).is_none() => {
                return None;
            }
            // Not ours yet (its parent is still being torn down), or still running.
            Ok(_) | Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
    panic!("process {pid} still exists 5 s after the lesson ended: it outlived it")
}

fn assert_nothing_left(session: Session, ended_by: &str) {
    let (status, _, _) = session.lesson.finish(TIMEOUT);
    assert_eq!(status.to_string(), ended_by);
    for pid in [session.device, session.reader] {
        reap_orphan(pid);
        assert!(
            course_tests::procs::process(pid).is_none(),
            "process {pid} remains"
        );
    }
    let _ = session.host;
    let deadline = Instant::now() + Duration::from_secs(5);
    while Path::new(&session.pty).exists() {
        assert!(
            Instant::now() < deadline,
            "{} still exists 5 s after every process of the lesson ended",
            session.pty
        );
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ctrl_c_to_the_lesson_leaves_no_process_and_no_pty() {
    let _turn = course_tests::one_at_a_time();
    let session = start_waiting_session();
    kill(Pid::from_raw(session.host), Signal::SIGINT).expect("SIGINT");
    assert_nothing_left(session, "signal: 2 (SIGINT)");
}

#[test]
fn ctrl_c_in_a_terminal_reaches_every_process_and_leaves_nothing() {
    let _turn = course_tests::one_at_a_time();
    let session = start_waiting_session();
    // A terminal's Ctrl-C goes to the whole foreground process group: all three at once.
    for pid in [session.device, session.reader, session.host] {
        kill(Pid::from_raw(pid), Signal::SIGINT).expect("SIGINT");
    }
    assert_nothing_left(session, "signal: 2 (SIGINT)");
}

#[test]
fn sigterm_to_the_lesson_leaves_no_process_and_no_pty() {
    let _turn = course_tests::one_at_a_time();
    let session = start_waiting_session();
    kill(Pid::from_raw(session.host), Signal::SIGTERM).expect("SIGTERM");
    assert_nothing_left(session, "signal: 15 (SIGTERM)");
}

#[test]
fn sigterm_during_the_measurement_leaves_no_worker_process() {
    let _turn = course_tests::one_at_a_time();
    become_subreaper();
    let mut lesson = Running::start(
        &lesson_bin("lesson06-serial"),
        &["--bench", "--bytes", "4000000000", "--runs", "1"],
    );
    lesson.wait_for_line(TIMEOUT, |line| line.starts_with("full duplex, measured: "));
    // The process workers come first; give them time to be forked and busy.
    thread::sleep(Duration::from_millis(500));
    let own = std::process::id() as i32;
    let workers: Vec<i32> = children(lesson.pid())
        .iter()
        .map(|child| child.pid)
        .collect();
    assert!(!workers.is_empty(), "the worker processes are running");
    kill(Pid::from_raw(lesson.pid()), Signal::SIGTERM).expect("SIGTERM");
    let (status, _, _) = lesson.finish(TIMEOUT);
    assert_eq!(status.to_string(), "signal: 15 (SIGTERM)");
    for worker in workers {
        reap_orphan(worker);
    }
    let left: Vec<_> = children(own)
        .into_iter()
        .filter(|child| child.name.starts_with("lesson06"))
        .collect();
    assert!(left.is_empty(), "processes left behind: {left:?}");
}

#[test]
fn sigterm_to_the_device_alone_ends_it_and_frees_the_port() {
    let _turn = course_tests::one_at_a_time();
    let peer = Peer::new();
    let mut lesson = Running::start(
        &lesson_bin("lesson06-serial"),
        &["--device", "--port", peer.path()],
    );
    lesson.wait_for_line(TIMEOUT, |line| line.starts_with("device: pid "));
    peer.write(b"PING\n");
    assert_eq!(peer.read_until(b"PONG\r\n", TIMEOUT), b"PONG\r\n");
    kill(Pid::from_raw(lesson.pid()), Signal::SIGTERM).expect("SIGTERM");
    let (status, _, _) = lesson.finish(TIMEOUT);
    assert_eq!(status.to_string(), "signal: 15 (SIGTERM)");
    // Its exclusive lock went with it: the port opens again.
    let mut second = Running::start(
        &lesson_bin("lesson06-serial"),
        &["--device", "--port", peer.path()],
    );
    second.wait_for_line(TIMEOUT, |line| line.starts_with("device: pid "));
    drop(second);
}
