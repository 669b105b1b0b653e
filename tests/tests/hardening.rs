//! What an adversarial run found, kept fixed: each test here failed before its fix.

use std::fs::File;
use std::process::{Command, Stdio};

use course_tests::lesson_bin;

/// Every binary, with its plain run and its default run.
const RUNS: [(&str, &[&str]); 14] = [
    ("lesson01-process", &["--plain"]),
    ("lesson01-process", &[]),
    ("lesson02-queue", &["--plain"]),
    ("lesson02-queue", &[]),
    ("compare", &["--plain"]),
    ("compare", &["--n", "1000", "--runs", "1"]),
    ("lesson03-pool", &["--plain"]),
    ("lesson03-pool", &[]),
    ("lesson04-shared-memory", &["--plain"]),
    ("lesson04-shared-memory", &[]),
    ("lesson05-lock", &["--plain", "--step-ms", "1"]),
    ("lesson05-lock", &["--step-ms", "1"]),
    ("lesson06-serial", &["--plain"]),
    ("lesson06-serial", &[]),
];

/// The shared-memory segments in `/dev/shm` whose name carries `pid`, as lessons 4 and 5 name
/// theirs (`lessonNN-PID-...`).
fn segments_of(pid: u32) -> Vec<String> {
    let mark = format!("-{pid}-");
    std::fs::read_dir("/dev/shm")
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .filter(|name| name.starts_with("lesson") && name.contains(&mark))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_full_stdout_is_one_line_and_a_failure_with_nothing_left_behind() {
    for (bin, args) in RUNS {
        let full = File::options()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full opens");
        let child = Command::new(lesson_bin(bin))
            .args(args)
            .env_remove("RUST_BACKTRACE")
            .stdin(Stdio::null())
            .stdout(full)
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts");
        let pid = child.id();
        let output = child.wait_with_output().expect("ends");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{bin} {args:?}: {output:?}");
        assert_eq!(stderr.lines().count(), 1, "{bin} {args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains("stdout"),
            "{bin} {args:?}: {stderr}"
        );
        assert_eq!(segments_of(pid), Vec::<String>::new(), "{bin} {args:?}");
    }
}

/// A fresh clone's `cargo test --workspace` once saw lesson06's host exit 0 with no reply in the
/// output the test collected: the lesson had printed it, but `Running::finish` took only the
/// lines its reader thread had already passed on when the lesson exited. It must read the
/// lesson's stdout to its end. Here the end comes after the program has exited, from a process
/// it left behind, so a `finish` that stops at the exit misses it every time.
#[test]
fn finish_collects_every_line_of_stdout_even_those_that_arrive_after_the_exit() {
    let program = std::path::Path::new("/bin/sh");
    let running = course_tests::procs::Running::start(
        program,
        &["-c", "echo first; (sleep 0.3; echo last) &"],
    );
    let (status, lines, _) = running.finish(course_tests::TIMEOUT);
    assert!(status.success(), "{status}");
    assert_eq!(lines, ["first", "last"]);
}
