//! lesson01-process, run as a student runs it.

use std::time::Duration;

use course_tests::{
    TIMEOUT, assert_child_panic_reported, assert_usage_error, lesson_bin, python_script, python3,
    readme, stdout_of, workspace_root,
};
use snapbox::cmd::Command;

fn lesson() -> Command {
    Command::new(lesson_bin("lesson01-process")).timeout(TIMEOUT)
}

const METHODS: [&str; 3] = ["fork", "spawn", "forkserver"];

#[test]
fn plain_prints_exactly_what_the_notes_print() {
    for method in METHODS {
        lesson()
            .args(["--plain", "--start-method", method])
            .assert()
            .success()
            .stdout_eq("aaaa\n".to_string())
            .stderr_eq(String::new());
    }
}

#[test]
fn plain_matches_the_cpython_counterpart() {
    let Some(python) = python3("the CPython comparison of lesson01 --plain") else {
        return;
    };
    for method in METHODS {
        let script = python_script("lesson01-process", "process.py");
        let cpython = stdout_of(
            Command::new(python)
                .arg(script)
                .arg(method)
                .timeout(TIMEOUT),
        );
        let ours = stdout_of(lesson().args(["--plain", "--start-method", method]));
        assert_eq!(ours, cpython, "start method {method}");
    }
}

/// The pid on a line of the form `<who>: pid <N>, ...`.
fn pid_after(line: &str, marker: &str) -> i32 {
    let rest = &line[line
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} in {line:?}"))
        + marker.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("a pid after {marker:?} in {line:?}"))
}

#[test]
fn the_child_is_another_process_whose_parent_is_the_lesson_or_its_forkserver() {
    for method in METHODS {
        let out = stdout_of(lesson().args(["--start-method", method]));
        let lines: Vec<&str> = out.lines().collect();
        let parent_line = lines
            .iter()
            .find(|l| l.starts_with("parent: pid "))
            .expect("parent line");
        let child_line = lines
            .iter()
            .find(|l| l.starts_with("child:  pid "))
            .expect("child line");
        let parent = pid_after(parent_line, "parent: pid ");
        let child = pid_after(child_line, "child:  pid ");
        assert_ne!(parent, child, "{method}: two processes");
        let server = lines
            .iter()
            .find(|l| l.starts_with("parent: the forkserver is pid "))
            .map(|line| pid_after(line, "forkserver is pid "));
        // A forkserver child's parent is the server, which the lesson forked; the server lists
        // it as its child.
        let expected_parent = match (method, server) {
            ("forkserver", Some(server)) => {
                assert_ne!(server, parent, "the server is a process of its own");
                let listed = lines
                    .iter()
                    .find(|l| l.starts_with("parent: its children now"))
                    .expect("children line");
                assert!(listed.contains(&format!("pid {server} ")), "{listed}");
                server
            }
            ("forkserver", None) => panic!("the walk-through names its forkserver: {out}"),
            (_, Some(_)) => panic!("{method}: no forkserver runs: {out}"),
            (_, None) => parent,
        };
        assert_eq!(
            pid_after(child_line, "parent "),
            expected_parent,
            "{method}: the child's parent"
        );
        assert!(
            child_line.contains("1 thread"),
            "every new process starts with one thread: {child_line}"
        );
        let joined = format!("parent: joined child {child}: exit code 0");
        assert!(out.contains(&joined), "{method}: {out}");
        let aaaa = lines.iter().position(|l| *l == "aaaa").expect("aaaa");
        let join = lines
            .iter()
            .position(|l| l.starts_with("parent: joined"))
            .expect("join");
        assert!(
            aaaa < join,
            "join() returns only after the child's job is done"
        );
    }
}

#[test]
fn with_a_live_thread_fork_is_refused_and_forkserver_starts_the_child() {
    let output = lesson()
        .args(["--live-thread", "--start-method", "fork"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: refusing to fork: this process has 2 threads, fork copies only one\n"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("aaaa"), "no child ran: {stdout}");
    for method in ["spawn", "forkserver"] {
        let out = stdout_of(lesson().args(["--live-thread", "--start-method", method]));
        assert!(
            out.contains("parent: pid ") && out.contains(", 2 threads;"),
            "{method}: the parent has its second thread: {out}"
        );
        let child_line = out
            .lines()
            .find(|l| l.starts_with("child:  pid "))
            .unwrap_or_else(|| panic!("{method}: a child ran: {out}"));
        assert!(child_line.contains("1 thread"), "{child_line}");
        assert!(out.lines().any(|l| l == "aaaa"), "{out}");
    }
}

#[test]
fn a_panicking_child_is_reported_in_one_line_and_the_parent_fails() {
    for method in METHODS {
        let output = lesson()
            .args(["--plain", "--child-panics", "--start-method", method])
            .env("RUST_BACKTRACE", "1")
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(1), "{method}");
        assert!(
            output.stdout.is_empty(),
            "{method}: no aaaa from a panicked job"
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_child_panic_reported(&stderr, "job panicked on purpose");
    }
}

#[test]
fn bad_arguments_get_one_line_and_exit_code_2() {
    let cases: [&[&str]; 6] = [
        &["--start-method", "vfork"],
        &["--bench", "--runs", "many"],
        &["--bench", "--runs", "0"],
        &["--python"],
        &["--child-sleep-ms", "-5"],
        &["--spawned-child", "1", "rm", "-rf"],
    ];
    for args in cases {
        assert_usage_error(lesson(), args);
    }
    let output = lesson()
        .args(["--start-method", "nope"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("[possible values: fork, spawn, forkserver]"),
        "an unknown method lists the three: {stderr}"
    );
}

#[test]
fn without_the_guard_each_spawned_child_starts_another_until_the_cap() {
    let out = stdout_of(lesson().args(["--without-guard", "--start-method", "spawn"]));
    let starts: Vec<i32> = out
        .lines()
        .filter(|l| l.contains("runs from the top with no guard"))
        .map(|l| pid_after(l, "(pid "))
        .collect();
    assert_eq!(
        starts.len(),
        2,
        "generations 1 and 2 each start a child: {out}"
    );
    let capped: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("stopped by this demo's cap"))
        .collect();
    assert_eq!(capped.len(), 1, "{out}");
    assert!(capped[0].trim_start().starts_with("generation 3 "), "{out}");
    let third = pid_after(capped[0], "(pid ");
    assert!(
        starts[0] != starts[1] && starts[1] != third && starts[0] != third,
        "three processes: {out}"
    );

    let fork = stdout_of(lesson().args(["--without-guard", "--start-method", "fork"]));
    assert!(
        fork.contains("changes nothing") && !fork.contains("generation"),
        "{fork}"
    );
}

#[test]
fn bench_prints_the_three_latency_lines_after_checking_every_child() {
    let mut command = lesson().args(["--bench", "--runs", "5"]);
    let with_python = python3("the CPython half of lesson01 --bench --python").is_some();
    if with_python {
        command = command.arg("--python");
    }
    let out = stdout_of(command.timeout(Duration::from_secs(120)));
    for method in METHODS {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("start+join {method}: ")))
            .unwrap_or_else(|| panic!("no {method} line in {out}"));
        let figure: f64 = line
            .split_whitespace()
            .nth(2)
            .and_then(|f| f.parse().ok())
            .expect("a number of ms");
        assert!(figure > 0.0, "{line}");
        assert!(
            line.contains("median of 5;")
                && line.contains(if cfg!(debug_assertions) {
                    "debug build"
                } else {
                    "release build"
                }),
            "{line}"
        );
        if with_python {
            let python_line = format!("python start+join {method}: ");
            assert!(
                out.lines()
                    .any(|l| l.starts_with(&python_line) && l.contains("Python/Rust")),
                "{out}"
            );
        }
    }
    if with_python {
        // CPython says which methods it really used, whatever its default.
        assert!(
            out.lines().any(|l| l.starts_with("Python 3.")
                && l.contains(" (start methods fork, spawn, forkserver) on the same machine")),
            "{out}"
        );
    }
    assert_eq!(
        out.contains("warning: this is a debug build"),
        cfg!(debug_assertions)
    );
}

#[test]
fn readme_console_blocks_are_true() {
    let checked = readme::check(&workspace_root().join("lesson01-process/README.md"));
    assert!(
        checked >= 2,
        "the lesson README shows at least the default and --plain runs"
    );
    let deeper = readme::check(&workspace_root().join("lesson01-process/DEEPER.md"));
    assert!(
        deeper >= 2,
        "DEEPER.md shows the missing-guard demo and a panicking child"
    );
    let top = readme::check(&workspace_root().join("README.md"));
    assert!(top >= 1, "the top README shows the first lesson");
}
