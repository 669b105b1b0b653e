//! lesson01-process's forkserver under real faults: a child killed, the server killed while
//! the parent waits, the parent killed with SIGKILL. Afterwards nothing may remain: no
//! zombie, no orphan, and at no time a socket file.
//!
//! A test binary of its own, because it makes itself the subreaper of orphans (Linux): a
//! process the lesson fails to take with it then becomes ours, where the test sees it.

use std::collections::HashMap;
use std::fs;
use std::time::{Duration, Instant};

use course_tests::TIMEOUT;
use course_tests::lesson_bin;
use course_tests::procs::{Running, become_subreaper, children, process, reap_adopted};
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;

/// The lesson, its forkserver's pid and the child's pid, with the child asleep for 10 s.
fn start_sleeping_child(method: &str) -> (Running, Option<i32>, i32) {
    become_subreaper();
    let mut lesson = Running::start(
        &lesson_bin("lesson01-process"),
        &["--start-method", method, "--child-sleep-ms", "10000"],
    );
    // The walk-through names its server before the child starts its job.
    let server = (method == "forkserver").then(|| {
        let line = lesson.wait_for_line(TIMEOUT, |line| {
            line.starts_with("parent: the forkserver is pid ")
        });
        number_after(&line, "forkserver is pid ")
    });
    let line = lesson.wait_for_line(TIMEOUT, |line| line.starts_with("child:  pid "));
    let child = number_after(&line, "child:  pid ");
    (lesson, server, child)
}

fn number_after(line: &str, marker: &str) -> i32 {
    let start = line.find(marker).expect("marker") + marker.len();
    line[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("a number after {marker:?} in {line:?}"))
}

#[test]
fn a_killed_forkserver_child_is_reported_exactly_as_a_forked_one() {
    let mut reports = Vec::new();
    for method in ["fork", "forkserver"] {
        let (lesson, server, child) = start_sleeping_child(method);
        kill(Pid::from_raw(child), Signal::SIGKILL).expect("kill the child");
        let (status, stdout, stderr) = lesson.finish(TIMEOUT);
        assert_eq!(status.code(), Some(1), "{method}: {stderr}");
        let joined = stdout
            .iter()
            .find(|line| line.starts_with("parent: joined child "))
            .unwrap_or_else(|| panic!("{method}: {stdout:?}"))
            .replace(&child.to_string(), "CHILD");
        reports.push((joined, stderr.replace(&child.to_string(), "CHILD")));
        assert!(process(child).is_none(), "{method}: child {child} remains");
        if let Some(server) = server {
            assert!(
                process(server).is_none(),
                "the lesson stops and reaps its server"
            );
        }
    }
    assert_eq!(
        reports[0].0,
        "parent: joined child CHILD: killed by signal SIGKILL; Python's exitcode would be -9"
    );
    assert_eq!(
        reports[0].1,
        "error: child CHILD failed: killed by signal SIGKILL\n"
    );
    assert_eq!(reports[1], reports[0], "forkserver reports as fork does");
}

#[test]
fn a_killed_forkserver_fails_the_waiting_parent_in_one_line_and_takes_the_child() {
    let (lesson, server, child) = start_sleeping_child("forkserver");
    let server = server.expect("the walk-through names its server");
    // The server and the lesson talk over a socket pair: no socket has a path in the file
    // system, so none can be left behind.
    let sockets = socket_paths(&[lesson.pid(), server]);
    assert!(
        sockets.len() >= 2,
        "the lesson and its server hold their sockets: {sockets:?}"
    );
    assert!(
        sockets.iter().all(String::is_empty),
        "a socket with a path: {sockets:?}"
    );
    kill(Pid::from_raw(server), Signal::SIGKILL).expect("kill the server");
    let (status, _, stderr) = lesson.finish(TIMEOUT);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "error: join failed: the forkserver died before child {child} ended (the child died with it)\n"
        )
    );
    // Orphaned, the child became ours (we are the subreaper): it died with its server.
    assert_eq!(
        reap_adopted(child, Duration::from_secs(10)),
        Some(Signal::SIGKILL)
    );
    assert!(process(server).is_none(), "the lesson reaped its server");
}

#[test]
fn a_parent_killed_with_sigkill_takes_its_forkserver_and_the_child_along() {
    let (lesson, server, child) = start_sleeping_child("forkserver");
    let server = server.expect("the walk-through names its server");
    kill(Pid::from_raw(lesson.pid()), Signal::SIGKILL).expect("kill the lesson");
    let (status, _, _) = lesson.finish(TIMEOUT);
    assert_eq!(status.to_string(), "signal: 9 (SIGKILL)");
    // The server ends either way: the kernel kills it (PR_SET_PDEATHSIG), or it sees the
    // lesson's end of its socket close first, exits, and kills and reaps its child as it goes.
    // Whatever became ours (we are the subreaper) we reap here; it must not run on.
    gone(server);
    if let Some(status) = gone(child) {
        assert_eq!(
            status,
            WaitStatus::Signaled(Pid::from_raw(child), Signal::SIGKILL, false)
        );
    }
}

/// Waits until `pid` no longer exists, reaping it if it became ours: how it ended then, `None`
/// if someone else reaped it. Panics if it still runs after 10 s.
fn gone(pid: i32) -> Option<WaitStatus> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match waitpid(Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(_) if process(pid).is_some() => {}
            Ok(WaitStatus::StillAlive) | Err(_) => return None,
            Ok(status) => return Some(status),
        }
        assert!(Instant::now() < deadline, "{pid} outlived the lesson");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The path of every Unix socket the processes `pids` hold open ("" for one without a path),
/// from `/proc/PID/fd` and `/proc/net/unix`.
fn socket_paths(pids: &[i32]) -> Vec<String> {
    let table = fs::read_to_string("/proc/net/unix").expect("/proc/net/unix");
    // Num RefCount Protocol Flags Type St Inode [Path]
    let paths: HashMap<String, String> = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            Some((
                fields.get(6)?.to_string(),
                fields.get(7).unwrap_or(&"").to_string(),
            ))
        })
        .collect();
    let mut found = Vec::new();
    for pid in pids {
        let fds = fs::read_dir(format!("/proc/{pid}/fd")).expect("the process runs");
        for fd in fds.filter_map(Result::ok) {
            let Ok(target) = fs::read_link(fd.path()) else {
                continue;
            };
            let target = target.to_string_lossy().into_owned();
            if let Some(inode) = target
                .strip_prefix("socket:[")
                .and_then(|rest| rest.strip_suffix(']'))
                && let Some(path) = paths.get(inode)
            {
                found.push(path.clone());
            }
        }
    }
    found
}

#[test]
fn after_the_forkserver_is_killed_the_next_start_fails_in_one_line() {
    become_subreaper();
    // --bench starts its server first, then times fork, spawn and forkserver in turn: the
    // server is killed once the fork row is printed, long before the spawn row ends.
    let mut lesson = Running::start(
        &lesson_bin("lesson01-process"),
        &["--bench", "--runs", "1000"],
    );
    let line = lesson.wait_for_line(TIMEOUT, |line| {
        line.starts_with("start+join: the forkserver (pid ")
    });
    let server = number_after(&line, "(pid ");
    lesson.wait_for_line(TIMEOUT, |line| line.starts_with("start+join fork: "));
    kill(Pid::from_raw(server), Signal::SIGKILL).expect("kill the server");
    let (status, stdout, stderr) = lesson.finish(Duration::from_secs(120));
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        !stdout
            .iter()
            .any(|line| line.starts_with("start+join forkserver:")),
        "no figure without the server: {stdout:?}"
    );
    // Killed between two starts, as it is unless this test was held up for the whole spawn
    // row: then a child was waiting for it, and that is the one line.
    let next_start = format!(
        "error: the forkserver (pid {server}) died (killed by signal SIGKILL); this lesson does not restart it\n"
    );
    assert!(
        stderr == next_start
            || (stderr.starts_with("error: join failed: the forkserver died before child ")
                && stderr.lines().count() == 1),
        "{stderr}"
    );
    assert!(process(server).is_none(), "the lesson reaped its server");
    for orphan in children(std::process::id() as i32) {
        assert!(
            !orphan.name.starts_with("lesson01"),
            "left behind: {orphan:?}"
        );
    }
}
