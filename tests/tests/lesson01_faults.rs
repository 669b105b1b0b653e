//! lesson01-process under real faults: a child killed with SIGKILL, a parent killed with
//! SIGTERM. Afterwards nothing may remain: no zombie, no orphan.
//!
//! A test binary of its own, because it makes itself the subreaper of orphans (Linux): a child
//! the lesson fails to take with it then becomes ours, where the test sees it.

use std::time::Duration;

use course_tests::TIMEOUT;
use course_tests::lesson_bin;
use course_tests::procs::{Running, become_subreaper, process, reap_adopted, wait_until_gone};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

fn start_sleeping_child(method: &str) -> (Running, i32) {
    become_subreaper();
    let mut lesson = Running::start(
        &lesson_bin("lesson01-process"),
        &["--start-method", method, "--child-sleep-ms", "10000"],
    );
    let line = lesson.wait_for_line(TIMEOUT, |line| line.starts_with("child:  pid "));
    let child: i32 = line["child:  pid ".len()..]
        .split(',')
        .next()
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(|| panic!("a pid in {line:?}"));
    (lesson, child)
}

#[test]
fn a_child_killed_with_sigkill_is_reported_and_reaped() {
    for method in ["fork", "spawn"] {
        let (lesson, child) = start_sleeping_child(method);
        kill(Pid::from_raw(child), Signal::SIGKILL).expect("kill the child");
        let (status, stdout, stderr) = lesson.finish(TIMEOUT);

        assert_eq!(
            status.code(),
            Some(1),
            "{method}: the parent fails when its child was killed"
        );
        let report = format!(
            "parent: joined child {child}: killed by signal SIGKILL; Python's exitcode would be -9"
        );
        assert!(stdout.contains(&report), "{method}: {stdout:?}");
        assert_eq!(
            stderr,
            format!("error: child {child} failed: killed by signal SIGKILL\n")
        );
        // Had the parent not reaped it, it would linger as a zombie (re-parented to us).
        assert!(
            process(child).is_none(),
            "{method}: child {child} remains: {:?}",
            process(child)
        );
    }
}

#[test]
fn a_child_does_not_outlive_a_parent_killed_with_sigterm() {
    for method in ["fork", "spawn"] {
        let (lesson, child) = start_sleeping_child(method);
        kill(Pid::from_raw(lesson.pid()), Signal::SIGTERM).expect("terminate the parent");
        let (status, _, _) = lesson.finish(TIMEOUT);
        assert_eq!(status.to_string(), "signal: 15 (SIGTERM)", "{method}");
        // Orphaned, the child became ours (we are the subreaper); it must die with its parent
        // instead of sleeping on. Reap it and see how it ended.
        let ended = reap_adopted(child, Duration::from_secs(5));
        assert_eq!(
            ended,
            Some(Signal::SIGKILL),
            "{method}: the child was killed with its parent"
        );
        assert!(wait_until_gone(child, Duration::from_secs(5)));
    }
}
