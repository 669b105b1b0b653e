//! lesson05-lock under real signals, sent while its two children run with the segment in place:
//! during the default run, `--no-lock`, `--kill-holder` and `--bench`. Afterwards no segment of
//! the run may remain in /dev/shm, and no process: no zombie, no orphan. After a SIGKILL to the
//! parent, which nothing can catch, the segment does remain, and the next run must remove it.
//!
//! A test binary of its own, because it makes itself the subreaper of orphans (Linux): a child
//! the lesson fails to take with it then becomes ours, where the test sees it. Its tests run one
//! at a time: each run of the lesson removes what dead runs left, which would race with the
//! SIGKILL test's look at what its dead run left.

#![cfg(target_os = "linux")]

use std::thread;
use std::time::{Duration, Instant};

use course_tests::procs::{
    Running, assert_died_with_parent, become_subreaper, children, ending_signals, gone_or_reaped,
    kill_each, leaf_descendants, process, send_signal, shm_segments, wait_until_gone,
};
use course_tests::{TIMEOUT, lesson_bin, one_at_a_time};
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

const PREFIX: &str = "lesson05";

/// A run of the lesson caught in the middle, with both children running.
struct Caught {
    lesson: Running,
    parent: i32,
    children: Vec<i32>,
    segments: Vec<String>,
}

/// Starts the lesson with `args` and waits until it prints a line that starts with `marker`
/// and has two children.
fn start(args: &[&str], marker: &str, own_process_group: bool) -> Caught {
    become_subreaper();
    let program = lesson_bin("lesson05-lock");
    let mut lesson = if own_process_group {
        Running::start_in_new_process_group(&program, args)
    } else {
        Running::start(&program, args)
    };
    lesson.wait_for_line(TIMEOUT, |line| line.starts_with(marker));
    let parent = lesson.pid();
    let deadline = Instant::now() + TIMEOUT;
    let children = loop {
        let pids: Vec<i32> = children(parent).iter().map(|child| child.pid).collect();
        if pids.len() == 2 {
            break pids;
        }
        assert!(
            Instant::now() < deadline,
            "{args:?}: two children, not {pids:?}"
        );
        thread::sleep(Duration::from_millis(5));
    };
    let segments = shm_segments(PREFIX, parent);
    assert!(
        !segments.is_empty(),
        "{args:?}: the shared value exists while they run"
    );
    Caught {
        lesson,
        parent,
        children,
        segments,
    }
}

/// Nothing of the run is left: no segment, and no process (not even a zombie: had the parent
/// not reaped a child, it would be ours now, and still listed).
fn assert_nothing_left(run: &str, caught_parent: i32, caught_children: &[i32]) {
    assert_eq!(
        shm_segments(PREFIX, caught_parent),
        Vec::<String>::new(),
        "{run}: segments left"
    );
    for &child in caught_children {
        assert_eq!(process(child), None, "{run}: child {child} remains");
    }
    assert_eq!(process(caught_parent), None, "{run}: parent remains");
}

/// Each kind of run, and the line after which both children are surely running.
const RUNS: [(&[&str], &str); 4] = [
    (&["--step-ms", "1000"], "parent: p1 adds 1"),
    (&["--no-lock", "--step-ms", "1000"], "parent: p1 adds 1"),
    (
        &["--kill-holder", "--step-ms", "1000"],
        "parent: SIGKILL to ",
    ),
    (
        &["--bench", "--count", "100000000"],
        "lock increments: 2 processes",
    ),
];

#[test]
fn a_handled_signal_to_the_parent_kills_the_children_and_removes_the_segments() {
    let _one = one_at_a_time();
    for (args, marker) in RUNS {
        for signal in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
            let run = format!("{args:?}, {signal}");
            let caught = if args[0] == "--kill-holder" {
                // The holder is dead by now: wait for the survivor, the second child, instead.
                start_kill_holder(args, false)
            } else {
                start(args, marker, false)
            };
            kill(Pid::from_raw(caught.parent), signal).expect("signal the parent");
            let (status, _, stderr) = caught.lesson.finish(TIMEOUT);
            assert_eq!(status.code(), Some(128 + signal as i32), "{run}: {stderr}");
            assert_eq!(
                stderr,
                format!(
                    "lesson05-lock: interrupted by {}: children killed and reaped, segments removed\n",
                    signal.as_str()
                ),
                "{run}"
            );
            assert_nothing_left(&run, caught.parent, &caught.children);
        }
    }
}

/// `--kill-holder` caught while the survivor makes its steps: the parent has one child left.
fn start_kill_holder(args: &[&str], own_process_group: bool) -> Caught {
    become_subreaper();
    let program = lesson_bin("lesson05-lock");
    let mut lesson = if own_process_group {
        Running::start_in_new_process_group(&program, args)
    } else {
        Running::start(&program, args)
    };
    let recovered = lesson.wait_for_line(TIMEOUT, |line| {
        line.contains("): took the lock: its holder")
    });
    let survivor: i32 = recovered
        .split_once("(pid ")
        .and_then(|(_, rest)| rest.split(')').next())
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(|| panic!("a pid in {recovered:?}"));
    let parent = lesson.pid();
    assert!(process(survivor).is_some(), "the survivor runs");
    let segments = shm_segments(PREFIX, parent);
    assert_eq!(
        segments.len(),
        2,
        "the value and the holder's pid: {segments:?}"
    );
    Caught {
        lesson,
        parent,
        children: vec![survivor],
        segments,
    }
}

#[test]
fn ctrl_c_to_the_whole_process_group_cleans_up_too() {
    let _one = one_at_a_time();
    for (args, marker) in RUNS {
        let caught = if args[0] == "--kill-holder" {
            start_kill_holder(args, true)
        } else {
            start(args, marker, true)
        };
        // What Ctrl-C at a terminal does: SIGINT to every process of the foreground group,
        // so the children get it too, and die of it, while the parent cleans up.
        killpg(Pid::from_raw(caught.parent), Signal::SIGINT).expect("signal the group");
        let (status, _, stderr) = caught.lesson.finish(TIMEOUT);
        assert_eq!(status.code(), Some(130), "{args:?}: {stderr}");
        assert!(
            stderr.contains("interrupted by SIGINT"),
            "{args:?}: {stderr}"
        );
        assert_nothing_left(&format!("{args:?}"), caught.parent, &caught.children);
    }
}

#[test]
fn after_a_sigkill_to_the_parent_the_next_run_removes_what_it_left() {
    let _one = one_at_a_time();
    let caught = start(&["--step-ms", "1000"], "parent: p1 adds 1", false);
    kill(Pid::from_raw(caught.parent), Signal::SIGKILL).expect("kill the parent");
    let (status, _, _) = caught.lesson.finish(TIMEOUT);
    assert_eq!(status.to_string(), "signal: 9 (SIGKILL)");
    // The children were orphaned to us (the subreaper) and must die with their parent.
    for &child in &caught.children {
        assert_died_with_parent(child, "a child of the killed lesson");
        assert!(wait_until_gone(child, Duration::from_secs(5)));
    }
    // No handler runs on SIGKILL: the segment is still there...
    assert_eq!(shm_segments(PREFIX, caught.parent), caught.segments);

    // ...until the next run, which finds its creator gone and removes it.
    let next = std::process::Command::new(lesson_bin("lesson05-lock"))
        .args(["--step-ms", "0"])
        .output()
        .expect("the next run");
    assert!(next.status.success(), "{next:?}");
    let out = String::from_utf8_lossy(&next.stdout);
    for name in &caught.segments {
        let report = format!(
            "cleanup: removed segment {name}, left behind by run {}, which no longer exists",
            caught.parent
        );
        assert!(out.contains(&report), "{out}");
    }
    assert_eq!(shm_segments(PREFIX, caught.parent), Vec::<String>::new());
}

#[test]
fn a_holder_killed_from_outside_is_survived_and_reported() {
    let _one = one_at_a_time();
    let caught = start(&["--step-ms", "300"], "parent: p1 adds 1", false);
    let mut lesson = caught.lesson;
    let took = lesson.wait_for_line(TIMEOUT, |line| line.ends_with("): took the lock"));
    let (name, holder) = took
        .split_once(" (pid ")
        .and_then(|(name, rest)| Some((name.to_string(), rest.split(')').next()?.parse().ok()?)))
        .unwrap_or_else(|| panic!("a name and a pid in {took:?}"));
    kill(Pid::from_raw(holder), Signal::SIGKILL).expect("kill the holder");
    let (status, lines, stderr) = lesson.finish(TIMEOUT);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        format!("error: {name} (pid {holder}) failed: killed by signal SIGKILL\n")
    );
    // The other one took the lock from the dead holder and made all ten of its steps.
    let survivor = if name == "p1" { "p2" } else { "p1" };
    assert!(
        lines.iter().any(|line| line.starts_with(survivor)
            && line.contains("): took the lock: its holder died holding it (EOWNERDEAD)")),
        "{lines:#?}"
    );
    let steps = lines
        .iter()
        .filter(|line| line.starts_with(&format!("{survivor}: ")))
        .count();
    assert_eq!(steps, 10, "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with(survivor) && line.ends_with("): releasing the lock")),
        "{lines:#?}"
    );
    assert_nothing_left(
        "a holder killed from outside",
        caught.parent,
        &caught.children,
    );
}

#[test]
fn every_signal_that_would_end_the_parent_cleans_up_first() {
    let _one = one_at_a_time();
    for (number, name) in ending_signals() {
        let caught = start(&["--step-ms", "1000"], "parent: p1 adds 1", false);
        send_signal(caught.parent, number).expect("signal the parent");
        let (status, _, stderr) = caught.lesson.finish(TIMEOUT);
        assert_eq!(
            status.code(),
            Some(128 + number),
            "{name}: {status:?} {stderr}"
        );
        assert_eq!(
            stderr,
            format!(
                "lesson05-lock: interrupted by {name}: children killed and reaped, segments removed\n"
            ),
            "{name}"
        );
        assert_nothing_left(&name, caught.parent, &caught.children);
    }
}

#[test]
fn a_stopped_holder_is_called_stopped_not_a_waiter() {
    let _one = one_at_a_time();
    let caught = start(&["--step-ms", "100"], "parent: p1 adds 1", false);
    let mut lesson = caught.lesson;
    let took = lesson.wait_for_line(TIMEOUT, |line| line.ends_with("): took the lock"));
    let holder = took
        .strip_suffix(": took the lock")
        .unwrap_or_else(|| panic!("{took:?}"))
        .to_string();
    let pid: i32 = holder
        .split_once("(pid ")
        .and_then(|(_, rest)| rest.strip_suffix(')')?.parse().ok())
        .unwrap_or_else(|| panic!("a pid in {took:?}"));
    kill(Pid::from_raw(pid), Signal::SIGSTOP).expect("stop the holder");
    let (status, _, stderr) = lesson.finish(TIMEOUT);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let named_stopped = stderr.starts_with(&format!("error: {holder} was stopped (SIGSTOP"))
        || (stderr.contains("still waited for the lock after ")
            && stderr.contains(&format!(
                ", because {holder}, which held it, was stopped (SIGSTOP"
            )));
    assert!(named_stopped, "{holder} is the stopped holder: {stderr}");
    assert_nothing_left("a stopped holder", caught.parent, &caught.children);
}

/// The notes' program (`--plain`) started by `method`, caught with both workers running: the
/// lesson, its pid, the workers (children of the lesson, or of its forkserver) and the
/// lesson's own children (the workers, or the server).
fn start_plain(method: &str, own_process_group: bool) -> (Running, i32, Vec<i32>, Vec<i32>) {
    become_subreaper();
    let program = lesson_bin("lesson05-lock");
    let args = ["--plain", "--start-method", method, "--step-ms", "1000"];
    let lesson = if own_process_group {
        Running::start_in_new_process_group(&program, &args)
    } else {
        Running::start(&program, &args)
    };
    let parent = lesson.pid();
    let deadline = Instant::now() + TIMEOUT;
    let workers = loop {
        let leaves = leaf_descendants(parent);
        let direct: Vec<i32> = children(parent).iter().map(|child| child.pid).collect();
        // Under forkserver the server is a leaf too until it has forked the first worker.
        if leaves.len() == 2
            && direct
                .iter()
                .all(|pid| !leaves.contains(pid) || method != "forkserver")
        {
            break leaves;
        }
        assert!(
            Instant::now() < deadline,
            "{method}: two workers, not {leaves:?}"
        );
        thread::sleep(Duration::from_millis(5));
    };
    let direct = children(parent).iter().map(|child| child.pid).collect();
    assert!(
        !shm_segments(PREFIX, parent).is_empty(),
        "{method}: the segment exists"
    );
    (lesson, parent, workers, direct)
}

/// What a run leaves: nothing, once the lesson's own children (a forkserver outlives the lesson
/// by a moment) and the workers are gone.
fn assert_plain_left_nothing(run: &str, parent: i32, workers: &[i32], direct: &[i32]) {
    for &pid in direct.iter().chain(workers) {
        gone_or_reaped(pid, TIMEOUT);
    }
    assert_nothing_left(run, parent, workers);
}

#[test]
fn under_every_start_method_killed_workers_are_reported_alike_and_nothing_is_left() {
    let _one = one_at_a_time();
    for method in ["fork", "spawn", "forkserver"] {
        let (lesson, parent, workers, direct) = start_plain(method, false);
        kill_each(&workers, method);
        let (status, _, stderr) = lesson.finish(TIMEOUT);
        assert_eq!(status.code(), Some(1), "{method}: {stderr}");
        // The parent joins p1 first and reports it, whichever pid p1 has. Before that, the
        // waiter may have had a moment between the two kills to take the dead holder's lock,
        // and said so (EOWNERDEAD): the lock is robust, which is this lesson's point.
        let lines: Vec<&str> = stderr.lines().collect();
        let Some((report, before)) = lines.split_last() else {
            panic!("{method}: no report on stderr");
        };
        assert!(
            workers.iter().any(|worker| *report
                == format!("error: child (pid {worker}) failed: killed by signal SIGKILL")),
            "{method}: {stderr}"
        );
        for line in before {
            assert!(
                workers.iter().any(|worker| line.starts_with(&format!(
                    "pid {worker}: the previous holder of the lock died while it held it (EOWNERDEAD)"
                ))),
                "{method}: {stderr}"
            );
        }
        assert_plain_left_nothing(method, parent, &workers, &direct);
    }
}

/// SIGTERM to the parent, and Ctrl-C (SIGINT to the whole process group: the workers get it
/// too, and a forkserver ignores it, as CPython's does).
#[test]
fn under_every_start_method_sigterm_or_ctrl_c_cleans_up() {
    let _one = one_at_a_time();
    let runs = ["fork", "spawn", "forkserver"]
        .into_iter()
        .flat_map(|method| [(method, Signal::SIGTERM), (method, Signal::SIGINT)]);
    for (method, signal) in runs {
        let whole_group = signal == Signal::SIGINT;
        let (lesson, parent, workers, direct) = start_plain(method, whole_group);
        if whole_group {
            killpg(Pid::from_raw(parent), signal).expect("signal the group");
        } else {
            kill(Pid::from_raw(parent), signal).expect("signal the parent");
        }
        let (status, _, stderr) = lesson.finish(TIMEOUT);
        assert_eq!(
            status.code(),
            Some(128 + signal as i32),
            "{method}, {signal}: {stderr}"
        );
        // Killing the holder first can hand the lock to the other worker for a moment, which
        // may start to say so (EOWNERDEAD) before it is killed too: the parent's line is last.
        assert!(
            stderr.ends_with(&format!(
                "lesson05-lock: interrupted by {}: children killed and reaped, segments removed\n",
                signal.as_str()
            )),
            "{method}, {signal}: {stderr}"
        );
        assert_plain_left_nothing(method, parent, &workers, &direct);
    }
}
