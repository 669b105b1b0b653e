//! lesson02-queue under real faults: the deadlock demo ends by itself, and a `compare` worker
//! killed or stopped from outside is reported at once. Nothing is left behind. A test binary of
//! its own, because it adopts orphans (subreaper) to see any that are left.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use course_tests::procs::{Running, become_subreaper, children, process};
use course_tests::{TIMEOUT, lesson_bin};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// The tests take turns, so that each sees only its own lesson's processes.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[test]
fn the_deadlock_is_detected_fixed_and_leaves_no_process() {
    let _turn = one_at_a_time();
    become_subreaper();
    let lesson = Running::start(
        &lesson_bin("lesson02-queue"),
        &["--payload-bytes", "200000"],
    );
    let (status, stdout, stderr) = lesson.finish(Duration::from_secs(30));
    assert!(status.success(), "{status}: {stderr}");
    let out = stdout.join("\n");
    assert!(out.contains("deadlock: after 2 s worker"), "{out}");
    assert!(
        out.contains("2. the fix: get() both results first, then join()"),
        "{out}"
    );
    assert!(
        out.contains("got 2 results of 200000 bytes, each intact"),
        "{out}"
    );
    assert_eq!(
        out.matches("joined worker").count(),
        2,
        "only the fixed run joins: {out}"
    );
    // The stuck workers were killed and reaped by the lesson: nothing was orphaned to us.
    std::thread::sleep(Duration::from_millis(100));
    let own = std::process::id() as i32;
    let left: Vec<_> = children(own)
        .into_iter()
        .filter(|child| child.name.starts_with("lesson02"))
        .collect();
    assert!(left.is_empty(), "processes left behind: {left:?}");
}

/// Starts `compare` on an n large enough that its multicore workers run for a while, waits
/// for its first worker process and sends it `signals`; returns how the lesson ended.
fn signal_a_compare_worker(signals: &[Signal]) -> (std::process::ExitStatus, String, i32) {
    become_subreaper();
    // A few seconds of work per variant in this build's profile (debug code is ~50x slower).
    let n = if cfg!(debug_assertions) {
        "30000000"
    } else {
        "1000000000"
    };
    let lesson = Running::start(&lesson_bin("compare"), &["--n", n, "--runs", "1"]);
    let deadline = Instant::now() + TIMEOUT;
    let worker = loop {
        if let Some(worker) = children(lesson.pid()).first() {
            break worker.pid;
        }
        assert!(Instant::now() < deadline, "compare started no worker");
        std::thread::sleep(Duration::from_millis(5));
    };
    for &signal in signals {
        kill(Pid::from_raw(worker), signal).expect("signal the worker");
    }
    // Before the fix the parent waited 600 s for the missing share: far past this timeout.
    let (status, _, stderr) = lesson.finish(TIMEOUT);
    (status, stderr, worker)
}

/// No process named `compare` was left to us (we are the subreaper of its orphans).
fn assert_no_compare_left() {
    let own = std::process::id() as i32;
    let left: Vec<_> = children(own)
        .into_iter()
        .filter(|child| child.name.starts_with("compare"))
        .collect();
    assert!(left.is_empty(), "processes left behind: {left:?}");
}

#[test]
fn a_compare_worker_that_dies_is_reported_at_once_in_one_line() {
    let _turn = one_at_a_time();
    let (status, stderr, worker) = signal_a_compare_worker(&[Signal::SIGKILL]);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "error: multicore failed: worker {worker} ended without its share: killed by signal SIGKILL\n"
        )
    );
    assert_no_compare_left();
}

#[test]
fn a_compare_worker_that_is_stopped_is_reported_at_once_and_killed() {
    let _turn = one_at_a_time();
    let (status, stderr, worker) = signal_a_compare_worker(&[Signal::SIGSTOP]);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "error: multicore failed: worker {worker} was stopped by SIGSTOP and not continued; the workers were killed\n"
        )
    );
    assert!(
        process(worker).is_none(),
        "the stopped worker was killed and reaped: {:?}",
        process(worker)
    );
    assert_no_compare_left();
}

#[test]
fn a_compare_worker_stopped_and_continued_at_once_is_no_failure() {
    // What Ctrl-Z then `fg` does to each process of the job.
    let _turn = one_at_a_time();
    let (status, stderr, _) = signal_a_compare_worker(&[Signal::SIGSTOP, Signal::SIGCONT]);
    assert!(status.success(), "{status}: {stderr}");
    assert_no_compare_left();
}
