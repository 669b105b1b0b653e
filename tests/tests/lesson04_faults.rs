//! lesson04-shared-memory under real signals, sent while its child sleeps with both segments
//! in place. Afterwards no segment of the run may remain in /dev/shm, and no process: no
//! zombie, no orphan. After a SIGKILL to the parent, which nothing can catch, the segments do
//! remain, and the next run must remove them.
//!
//! A test binary of its own, because it makes itself the subreaper of orphans (Linux): a child
//! the lesson fails to take with it then becomes ours, where the test sees it. Its tests run one
//! at a time: each run of the lesson removes what dead runs left, which would race with the
//! SIGKILL test's look at what its dead run left.

#![cfg(target_os = "linux")]

use std::time::{Duration, Instant};

use course_tests::procs::{
    Running, become_subreaper, ending_signals, gone_or_reaped, process, reap_adopted, send_signal,
    shm_segments, wait_until_gone,
};
use course_tests::{TIMEOUT, lesson_bin, one_at_a_time, skip_unless_ci};
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

const PREFIX: &str = "lesson04";

/// A run of the lesson whose child sleeps, with both segments created.
struct Sleeping {
    lesson: Running,
    parent: i32,
    child: i32,
    /// Under forkserver: the server, the child's parent.
    server: Option<i32>,
    segments: Vec<String>,
}

fn start_sleeping(method: &str, own_process_group: bool) -> Sleeping {
    become_subreaper();
    let program = lesson_bin("lesson04-shared-memory");
    let args = ["--start-method", method, "--child-sleep-ms", "10000"];
    let mut lesson = if own_process_group {
        Running::start_in_new_process_group(&program, &args)
    } else {
        Running::start(&program, &args)
    };
    let line = lesson.wait_for_line(TIMEOUT, |line| {
        line.starts_with("child:  pid ") && line.contains("value.value += 1.5")
    });
    let child = pid_after(&line, "child:  pid ");
    let parent = lesson.pid();
    // A forkserver child's parent is the server, the lesson's child.
    let server = (method == "forkserver").then(|| pid_after(&line, ", parent "));
    let child_of = server.unwrap_or(parent);
    assert_eq!(pid_after(&line, ", parent "), child_of, "{line}");
    if let Some(server) = server {
        assert_eq!(process(server).map(|info| info.parent), Some(parent));
    }
    let segments = shm_segments(PREFIX, parent);
    assert_eq!(
        segments.len(),
        2,
        "{method}: the Value and the Array exist while the child sleeps: {segments:?}"
    );
    Sleeping {
        lesson,
        parent,
        child,
        server,
        segments,
    }
}

fn pid_after(line: &str, marker: &str) -> i32 {
    let at = line
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} in {line:?}"));
    line[at + marker.len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("a pid after {marker:?} in {line:?}"))
}

/// Nothing of the run is left: no segment, and the child is gone (not even a zombie: had the
/// parent not reaped it, it would be ours now, and still listed).
fn assert_nothing_left(run: &str, parent: i32, child: i32, server: Option<i32>) {
    // A forkserver outlives its lesson by a moment, then dies with it.
    if let Some(server) = server {
        gone_or_reaped(server, TIMEOUT);
    }
    assert_eq!(
        shm_segments(PREFIX, parent),
        Vec::<String>::new(),
        "{run}: segments left"
    );
    assert_eq!(process(child), None, "{run}: child {child} remains");
    assert_eq!(process(parent), None, "{run}: parent {parent} remains");
}

#[test]
fn a_handled_signal_to_the_parent_kills_the_child_and_removes_the_segments() {
    let _one = one_at_a_time();
    for method in ["fork", "spawn", "forkserver"] {
        for signal in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
            let run = format!("{method}, {signal}");
            let sleeping = start_sleeping(method, false);
            kill(Pid::from_raw(sleeping.parent), signal).expect("signal the parent");
            let (status, _, stderr) = sleeping.lesson.finish(TIMEOUT);
            assert_eq!(status.code(), Some(128 + signal as i32), "{run}: {stderr}");
            assert_eq!(
                stderr,
                format!(
                    "lesson04-shared-memory: interrupted by {}: child killed and reaped, segments removed\n",
                    signal.as_str()
                ),
                "{run}"
            );
            assert_nothing_left(&run, sleeping.parent, sleeping.child, sleeping.server);
        }
    }
}

#[test]
fn ctrl_c_to_the_whole_process_group_cleans_up_too() {
    let _one = one_at_a_time();
    for method in ["fork", "spawn", "forkserver"] {
        let sleeping = start_sleeping(method, true);
        // What Ctrl-C at a terminal does: SIGINT to every process of the foreground group,
        // so the child gets it too, and dies of it, while the parent cleans up.
        killpg(Pid::from_raw(sleeping.parent), Signal::SIGINT).expect("signal the group");
        let (status, _, stderr) = sleeping.lesson.finish(TIMEOUT);
        assert_eq!(status.code(), Some(130), "{method}: {stderr}");
        assert!(
            stderr.contains("interrupted by SIGINT"),
            "{method}: {stderr}"
        );
        assert_nothing_left(method, sleeping.parent, sleeping.child, sleeping.server);
    }
}

#[test]
fn a_child_killed_with_sigkill_is_reported_and_the_segments_removed() {
    let _one = one_at_a_time();
    for method in ["fork", "spawn", "forkserver"] {
        let sleeping = start_sleeping(method, false);
        kill(Pid::from_raw(sleeping.child), Signal::SIGKILL).expect("kill the child");
        let (status, stdout, stderr) = sleeping.lesson.finish(TIMEOUT);
        assert_eq!(status.code(), Some(1), "{method}: {stderr}");
        assert_eq!(
            stderr,
            format!(
                "error: child {} failed: killed by signal SIGKILL\n",
                sleeping.child
            ),
            "{method}"
        );
        assert!(
            !stdout.iter().any(|line| line.contains("after the child")),
            "{method}: {stdout:?}"
        );
        assert_nothing_left(method, sleeping.parent, sleeping.child, sleeping.server);
    }
}

#[test]
fn after_a_sigkill_to_the_parent_the_next_run_removes_what_it_left() {
    let _one = one_at_a_time();
    for method in ["fork", "spawn", "forkserver"] {
        let sleeping = start_sleeping(method, false);
        kill(Pid::from_raw(sleeping.parent), Signal::SIGKILL).expect("kill the parent");
        let killed = Instant::now();
        let (status, _, _) = sleeping.lesson.finish(TIMEOUT);
        assert_eq!(status.to_string(), "signal: 9 (SIGKILL)", "{method}");
        if let Some(server) = sleeping.server {
            // The server, finding the program gone, kills and reaps the child itself (or dies
            // first and leaves it to us, killed). Either way the child must be gone before its
            // 10 s sleep would have ended: something ended it.
            gone_or_reaped(sleeping.child, TIMEOUT);
            gone_or_reaped(server, TIMEOUT);
            assert!(
                killed.elapsed() < Duration::from_secs(10),
                "{method}: the child slept on after its parent died"
            );
        } else {
            // The child was orphaned to us (the subreaper) and must die with its parent.
            assert_eq!(
                reap_adopted(sleeping.child, Duration::from_secs(10)),
                Some(Signal::SIGKILL),
                "{method}: the child dies with its parent"
            );
            assert!(wait_until_gone(sleeping.child, Duration::from_secs(5)));
        }
        // No handler runs on SIGKILL: the segments are still there...
        assert_eq!(
            shm_segments(PREFIX, sleeping.parent),
            sleeping.segments,
            "{method}: what a SIGKILLed run leaves"
        );

        // ...until the next run, which finds their creator gone and removes them.
        let next = std::process::Command::new(lesson_bin("lesson04-shared-memory"))
            .output()
            .expect("the next run");
        assert!(next.status.success(), "{method}: {next:?}");
        let out = String::from_utf8_lossy(&next.stdout);
        for name in &sleeping.segments {
            let report = format!(
                "cleanup: removed segment {name}, left behind by run {}, which no longer exists",
                sleeping.parent
            );
            assert!(out.contains(&report), "{method}: {out}");
        }
        assert_eq!(
            shm_segments(PREFIX, sleeping.parent),
            Vec::<String>::new(),
            "{method}"
        );
    }
}

#[test]
fn every_signal_that_would_end_the_parent_cleans_up_first() {
    let _one = one_at_a_time();
    let signals = ending_signals();
    let by_spawn = ["SIGQUIT", "SIGUSR1", "SIGALRM", "SIGRTMIN+0"];
    for (method, number, name) in signals
        .iter()
        .map(|(number, name)| ("fork", *number, name))
        .chain(
            signals
                .iter()
                .filter(|(_, name)| by_spawn.contains(&name.as_str()))
                .map(|(number, name)| ("spawn", *number, name)),
        )
    {
        let run = format!("{method}, {name}");
        let sleeping = start_sleeping(method, false);
        send_signal(sleeping.parent, number).expect("signal the parent");
        let (status, _, stderr) = sleeping.lesson.finish(TIMEOUT);
        assert_eq!(
            status.code(),
            Some(128 + number),
            "{run}: {status:?} {stderr}"
        );
        assert_eq!(
            stderr,
            format!(
                "lesson04-shared-memory: interrupted by {name}: child killed and reaped, segments removed\n"
            ),
            "{run}"
        );
        assert_nothing_left(&run, sleeping.parent, sleeping.child, sleeping.server);
    }
}

#[test]
fn a_live_runs_segments_survive_a_sweep_from_another_pid_namespace() {
    let _one = one_at_a_time();
    if !nix::unistd::geteuid().is_root() {
        skip_unless_ci("skipped the sweep from another PID namespace: not running as root");
        return;
    }
    let sleeping = start_sleeping("spawn", false);
    // A run in a PID namespace of its own, sharing /dev/shm (as a container with --ipc=host):
    // none of our pids exists there.
    let sweep = std::process::Command::new("unshare")
        .args(["--pid", "--fork", "--kill-child"])
        .arg(lesson_bin("lesson04-shared-memory"))
        .output();
    let sweep = match sweep {
        Ok(sweep) if !String::from_utf8_lossy(&sweep.stderr).starts_with("unshare:") => sweep,
        other => {
            skip_unless_ci(&format!(
                "skipped the sweep from another PID namespace: unshare --pid fails here: {other:?}"
            ));
            return;
        }
    };
    assert!(sweep.status.success(), "{sweep:?}");
    let out = String::from_utf8_lossy(&sweep.stdout);
    assert!(!out.contains("cleanup: removed"), "{out}");
    assert_eq!(
        shm_segments(PREFIX, sleeping.parent),
        sleeping.segments,
        "a live run's segments were removed by a run in another PID namespace"
    );
    // And the live run ends well, with nothing left.
    let (status, _, stderr) = sleeping.lesson.finish(TIMEOUT);
    assert!(status.success(), "{status:?}: {stderr}");
    assert_nothing_left(
        "after the sweep",
        sleeping.parent,
        sleeping.child,
        sleeping.server,
    );
}
