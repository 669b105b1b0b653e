//! lesson02-queue under real faults: the deadlock demo ends by itself, and a `compare` worker
//! killed or stopped from outside is reported at once. Nothing is left behind. A test binary of
//! its own, because it adopts orphans (subreaper) to see any that are left.

use std::time::{Duration, Instant};

use course_tests::procs::{
    Running, assert_died_with_parent, become_subreaper, children, gone_or_reaped, kill_each,
    leaf_descendants, process,
};
use course_tests::{TIMEOUT, lesson_bin, one_at_a_time};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

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

/// The notes' program (`--plain`) started by `method`, its workers kept asleep: the lesson, its
/// pid, the workers (children of the lesson, or of its forkserver) and the lesson's own
/// children (the workers, or the server).
fn start_plain(method: &str) -> (Running, i32, Vec<i32>, Vec<i32>) {
    become_subreaper();
    let args = [
        "--plain",
        "--start-method",
        method,
        "--child-sleep-ms",
        "10000",
    ];
    let lesson = Running::start(&lesson_bin("lesson02-queue"), &args);
    let parent = lesson.pid();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let leaves = leaf_descendants(parent);
        let direct: Vec<i32> = children(parent).iter().map(|child| child.pid).collect();
        // Under forkserver the server is a leaf too until it has forked the first worker.
        let server_is_a_leaf =
            method == "forkserver" && direct.iter().any(|pid| leaves.contains(pid));
        if leaves.len() == 2 && !server_is_a_leaf {
            return (lesson, parent, leaves, direct);
        }
        assert!(
            Instant::now() < deadline,
            "{method}: two workers, not {leaves:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn under_every_start_method_killed_workers_are_reported_alike_and_nothing_is_left() {
    let _turn = one_at_a_time();
    for method in ["fork", "spawn", "forkserver"] {
        let (lesson, parent, workers, direct) = start_plain(method);
        kill_each(&workers, method);
        let (status, stdout, stderr) = lesson.finish(TIMEOUT);
        assert_eq!(status.code(), Some(1), "{method}: {stderr}");
        assert!(stdout.is_empty(), "{method}: no sum: {stdout:?}");
        // The parent joins p1 first and reports it, whichever pid p1 has.
        assert!(
            workers.iter().any(|worker| stderr
                == format!("error: worker {worker} failed: killed by signal SIGKILL\n")),
            "{method}: {stderr}"
        );
        for &pid in direct.iter().chain(&workers) {
            gone_or_reaped(pid, TIMEOUT);
        }
        assert_eq!(process(parent), None, "{method}");
    }
}

#[test]
fn under_every_start_method_workers_and_server_die_with_a_killed_parent() {
    let _turn = one_at_a_time();
    for method in ["fork", "spawn", "forkserver"] {
        let (lesson, parent, workers, direct) = start_plain(method);
        kill(Pid::from_raw(parent), Signal::SIGKILL).expect("kill the parent");
        let killed = Instant::now();
        let (status, _, _) = lesson.finish(TIMEOUT);
        assert_eq!(status.to_string(), "signal: 9 (SIGKILL)", "{method}");
        if method == "forkserver" {
            // The server, finding the program gone, kills and reaps its workers itself (or
            // dies first and leaves them to us, killed). Either way each must be gone before
            // its 10 s sleep would have ended: something ended it.
            for &pid in direct.iter().chain(&workers) {
                gone_or_reaped(pid, TIMEOUT);
            }
            assert!(
                killed.elapsed() < Duration::from_secs(10),
                "{method}: the workers slept on after their parent died"
            );
        } else {
            // Orphaned to us (the subreaper), each worker must die with its parent, not sleep
            // on and exit 0.
            for &worker in &workers {
                assert_died_with_parent(worker, method);
            }
        }
    }
}
