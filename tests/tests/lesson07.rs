//! lesson07-cluster run as a student would: the notes' total, a two-"host" cluster on 127.0.0.1
//! and 127.0.0.2, and its faults: a peer that never comes, a process killed mid-run, a port in
//! use, a bad host file, `--process` out of range. After each, nothing of the lesson's is left.
//!
//! The tests make this binary the subreaper of orphans (Linux), so a process the lesson fails to
//! take with it becomes ours, where `assert_nothing_left` sees it; they take turns (one lock).

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use course_tests::procs::{Running, become_subreaper, children, reap_adopted, wait_until_gone};
use course_tests::{
    TIMEOUT, assert_usage_error, lesson_bin, python_script, python3, readme, stdout_of,
    workspace_root,
};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use snapbox::cmd::Command;

const LESSON: &str = "lesson07-cluster";

/// Turns, as a subreaper: the processes a killed launcher leaves become ours to check.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    become_subreaper();
    course_tests::one_at_a_time()
}

fn lesson() -> Command {
    Command::new(lesson_bin(LESSON)).timeout(TIMEOUT)
}

/// No process of the lesson's is our child: those it started were reaped, and an orphan would
/// have been re-parented to us. (`/proc` shows the name cut to 15 characters.)
fn assert_nothing_left() {
    let own = std::process::id() as i32;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left: Vec<_> = children(own)
            .into_iter()
            .filter(|child| child.name.starts_with("lesson07"))
            .collect();
        if left.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "processes left behind: {left:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A free port on `host` (bound to port 0, then released).
fn free_port(host: &str) -> u16 {
    TcpListener::bind((host, 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// A host file with these lines, in a fresh temporary folder.
fn host_file(name: &str, lines: &[String]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lesson07-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let path = dir.join("hosts");
    std::fs::write(&path, lines.join("\n") + "\n").expect("the host file is written");
    path
}

fn two_hosts(name: &str) -> (PathBuf, [String; 2]) {
    let addresses = [
        format!("127.0.0.1:{}", free_port("127.0.0.1")),
        format!("127.0.0.2:{}", free_port("127.0.0.2")),
    ];
    (host_file(name, &addresses), addresses)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn plain_prints_the_notes_total() {
    let _turn = one_at_a_time();
    assert_eq!(stdout_of(lesson().arg("--plain")), "499667166000\n");
    assert_nothing_left();
}

#[test]
fn the_cpython_counterpart_prints_the_same() {
    let Some(python) = python3("lesson07's CPython counterpart") else {
        return;
    };
    let output = stdout_of(
        Command::new(python)
            .arg(python_script(LESSON, "cluster_queue.py"))
            .timeout(TIMEOUT),
    );
    assert_eq!(output, "499667166000\n");
}

#[test]
fn the_default_run_says_who_computed_which_slice_and_checks_the_total() {
    let _turn = one_at_a_time();
    let stdout = stdout_of(lesson().args(["--processes", "3", "--threads", "2", "--n", "6000"]));
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("launcher (pid "), "{stdout}");
    for process in 0..3 {
        assert!(
            lines[0].contains(&format!("process {process} (pid ")),
            "{stdout}"
        );
    }
    let workers: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("worker "))
        .collect();
    assert_eq!(workers.len(), 6, "{stdout}");
    for (worker, line) in workers.iter().enumerate() {
        let slice = format!("2 × job({}..{})", 1000 * worker, 1000 * (worker + 1));
        assert!(
            line.starts_with(&format!("worker {worker} in process {} (pid ", worker / 2)),
            "{line}"
        );
        assert!(line.contains(&slice), "{line}");
    }
    assert_eq!(
        lines.last().copied(),
        Some("total: 647928017996000  (2 × job(6000), checked against the closed form)")
    );
    assert_nothing_left();
}

#[test]
fn two_hosts_run_as_two_machines_would() {
    let _turn = one_at_a_time();
    let (hosts, addresses) = two_hosts("two");
    let hosts = hosts.to_str().expect("a UTF-8 path");
    let second = Running::start(
        &lesson_bin(LESSON),
        &["--hostfile", hosts, "--process", "1"],
    );
    let first = Running::start(
        &lesson_bin(LESSON),
        &["--hostfile", hosts, "--process", "0"],
    );
    let (status, stdout, stderr) = first.finish(TIMEOUT);
    assert!(status.success(), "{stdout:?} {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert!(stdout[1].contains(&addresses[1]), "{stdout:?}");
    assert_eq!(
        stdout.last().map(String::as_str),
        Some("total: 499667166000  (2 × job(1000), checked against the closed form)")
    );
    let (status, stdout, stderr) = second.finish(TIMEOUT);
    assert!(
        status.success() && stdout.is_empty() && stderr.is_empty(),
        "{stdout:?} {stderr}"
    );
    assert_nothing_left();
}

#[test]
fn a_peer_that_never_comes_is_named_within_the_timeout() {
    let _turn = one_at_a_time();
    let (hosts, addresses) = two_hosts("missing");
    let started = Instant::now();
    let output = lesson()
        .arg("--hostfile")
        .arg(&hosts)
        .args(["--process", "0", "--connect-timeout", "1"])
        .output()
        .expect("the lesson starts");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(
        text(&output.stderr),
        format!(
            "error: process 0: process 1 ({}) did not connect within 1s; is it started, with the same host file?\n",
            addresses[1]
        )
    );
    // The other way round: process 1 finds no process 0 to connect to.
    let output = lesson()
        .arg("--hostfile")
        .arg(&hosts)
        .args(["--process", "1", "--connect-timeout", "1"])
        .output()
        .expect("the lesson starts");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: process 1: process 0 ({}) did not answer within 1s",
            addresses[0]
        )),
        "{stderr}"
    );
    assert_nothing_left();
}

#[test]
fn a_process_killed_mid_run_is_reported_and_the_others_end() {
    let _turn = one_at_a_time();
    // Long enough that both are still computing when one is killed.
    let mut run = Running::start(
        &lesson_bin(LESSON),
        &["--n", "5000000000", "--connect-timeout", "2"],
    );
    let launcher = run.wait_for_line(TIMEOUT, |line| line.starts_with("launcher (pid "));
    let pids: Vec<i32> = launcher
        .split("(pid ")
        .skip(2)
        .filter_map(|rest| rest.split(')').next()?.parse().ok())
        .collect();
    assert_eq!(pids.len(), 2, "{launcher}");
    std::thread::sleep(Duration::from_millis(500));
    kill(Pid::from_raw(pids[1]), Signal::SIGKILL).expect("kill process 1");
    let (status, _stdout, stderr) = run.finish(Duration::from_secs(30));
    assert_eq!(status.code(), Some(1), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines.contains(
            &format!("error: process 1 (pid {}) was killed by SIGKILL", pids[1]).as_str()
        ),
        "{stderr}"
    );
    assert!(
        lines.iter().any(
            |line| line.starts_with("error: process 0: lost process 1 (127.0.0.1:")
                && line.ends_with("mid-run: reading data: socket closed")
        ),
        "{stderr}"
    );
    assert!(
        wait_until_gone(pids[0], Duration::from_secs(10)),
        "process 0 is still there"
    );
    assert_nothing_left();
}

#[test]
fn a_launcher_killed_with_sigkill_takes_its_processes_with_it() {
    let _turn = one_at_a_time();
    let mut run = Running::start(
        &lesson_bin(LESSON),
        &["--n", "5000000000", "--connect-timeout", "2"],
    );
    let launcher = run.wait_for_line(TIMEOUT, |line| line.starts_with("launcher (pid "));
    let pids: Vec<i32> = launcher
        .split("(pid ")
        .skip(2)
        .filter_map(|rest| rest.split(')').next()?.parse().ok())
        .collect();
    assert_eq!(pids.len(), 2, "{launcher}");
    kill(Pid::from_raw(run.pid()), Signal::SIGKILL).expect("kill the launcher");
    let _ = run.finish(Duration::from_secs(30));
    // Orphaned, they are ours to reap (we are the subreaper): each must already be dying of
    // the SIGKILL the kernel sends when its parent dies.
    for pid in pids {
        assert_eq!(
            reap_adopted(pid, Duration::from_secs(10)),
            Some(Signal::SIGKILL),
            "process {pid} outlived its launcher"
        );
    }
    assert_nothing_left();
}

#[test]
fn a_port_in_use_is_one_line() {
    let _turn = one_at_a_time();
    let taken = TcpListener::bind("127.0.0.1:0").expect("a port");
    let address = taken.local_addr().expect("its address").to_string();
    let hosts = host_file(
        "port",
        &[
            address.clone(),
            format!("127.0.0.2:{}", free_port("127.0.0.2")),
        ],
    );
    let output = lesson()
        .arg("--hostfile")
        .arg(&hosts)
        .args(["--process", "0"])
        .output()
        .expect("the lesson starts");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: process 0 cannot listen on {address}: Address already in use"
        )),
        "{stderr}"
    );
    assert_nothing_left();
}

#[test]
fn bad_host_files_and_arguments_are_usage_errors() {
    let missing = std::env::temp_dir().join("lesson07-no-such-host-file");
    let missing = missing.to_str().expect("a UTF-8 path");
    assert_usage_error(lesson(), &["--hostfile", missing, "--process", "0"]);
    let malformed = host_file("malformed", &["127.0.0.1:7000".into(), "node2".into()]);
    let malformed = malformed.to_str().expect("a UTF-8 path");
    let output = lesson()
        .args(["--hostfile", malformed])
        .output()
        .expect("starts");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_eq!(
        text(&output.stderr),
        format!("error: host file {malformed}: line 2: 'node2' is not host:port\n")
    );
    let (hosts, _) = two_hosts("range");
    let hosts = hosts.to_str().expect("a UTF-8 path");
    assert_usage_error(lesson(), &["--hostfile", hosts, "--process", "2"]);
    assert_usage_error(lesson(), &["--process", "0"]);
    assert_usage_error(lesson(), &["--processes", "0"]);
    assert_usage_error(lesson(), &["--connect-timeout", "never"]);
}

#[test]
fn addresses_beyond_this_machine_are_said_in_one_line() {
    let _turn = one_at_a_time();
    // 192.0.2.0/24 is reserved for documentation: nothing answers there.
    let hosts = host_file(
        "far",
        &[
            format!("127.0.0.1:{}", free_port("127.0.0.1")),
            "192.0.2.1:7001".to_string(),
        ],
    );
    let output = lesson()
        .arg("--hostfile")
        .arg(&hosts)
        .args(["--process", "0", "--connect-timeout", "0.5"])
        .output()
        .expect("the lesson starts");
    let stderr = text(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with("note: the host file names addresses beyond this machine"),
        "{stderr}"
    );
    assert!(
        lines[1].contains("process 1 (192.0.2.1:7001) did not connect"),
        "{stderr}"
    );
    assert_nothing_left();
}

#[test]
fn bench_prints_checked_rows() {
    let _turn = one_at_a_time();
    let stdout = stdout_of(lesson().args(["--bench", "--bench-n", "200000"]));
    for row in [
        "  1 process  : work ",
        "  2 processes: work ",
        "  4 processes: work ",
        "  lesson02, 2 forked processes",
    ] {
        assert!(
            stdout.lines().any(|line| line.starts_with(row)),
            "{row:?} in {stdout}"
        );
    }
    assert_nothing_left();
}

#[test]
fn readme_console_blocks_are_true() {
    let _turn = one_at_a_time();
    let checked = readme::check(&workspace_root().join("lesson07-cluster/README.md"));
    assert!(checked >= 2, "the README shows the run and --plain");
    readme::check(&workspace_root().join("lesson07-cluster/DEEPER.md"));
    assert_nothing_left();
}
