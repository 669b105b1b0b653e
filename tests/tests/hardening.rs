//! What an adversarial run found, kept fixed: each test here failed before its fix.

use std::fs::File;
use std::process::{Command, Stdio};

use course_tests::limits::{As, Resource, assert_one_line_failure, run_limited};
use course_tests::procs::run_with_private_dev_shm;
use course_tests::{TIMEOUT, assert_usage_error, lesson_bin};

/// Every binary, with its plain run and its default run (and, for lessons 2, 4 and 5, a run
/// under forkserver).
const RUNS: [(&str, &[&str]); 19] = [
    ("lesson01-process", &["--plain"]),
    ("lesson01-process", &[]),
    ("lesson02-queue", &["--plain"]),
    ("lesson02-queue", &[]),
    (
        "lesson02-queue",
        &["--plain", "--start-method", "forkserver"],
    ),
    ("compare", &["--plain"]),
    ("compare", &["--n", "1000", "--runs", "1"]),
    ("lesson03-pool", &["--plain"]),
    ("lesson03-pool", &[]),
    ("lesson04-shared-memory", &["--plain"]),
    ("lesson04-shared-memory", &[]),
    ("lesson04-shared-memory", &["--start-method", "forkserver"]),
    ("lesson05-lock", &["--plain", "--step-ms", "1"]),
    ("lesson05-lock", &["--step-ms", "1"]),
    (
        "lesson05-lock",
        &["--plain", "--step-ms", "1", "--start-method", "forkserver"],
    ),
    ("lesson06-serial", &["--plain"]),
    ("lesson06-serial", &[]),
    ("lesson07-cluster", &["--plain"]),
    ("lesson07-cluster", &["--n", "1000"]),
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

/// Every `--…-ms` option of every binary, as its `--help` lists them.
fn millisecond_options(bin: &str) -> Vec<String> {
    let help = Command::new(lesson_bin(bin))
        .arg("--help")
        .output()
        .expect("--help runs");
    let help = String::from_utf8_lossy(&help.stdout);
    let mut options: Vec<String> = help
        .split_whitespace()
        .filter(|word| word.starts_with("--") && word.ends_with("-ms"))
        .map(str::to_string)
        .collect();
    options.dedup();
    options
}

#[test]
fn a_huge_sleep_is_refused_in_one_line_by_every_option_in_milliseconds() {
    let mut bins: Vec<&str> = RUNS.iter().map(|(bin, _)| *bin).collect();
    bins.dedup();
    let mut sleeps = Vec::new();
    for bin in bins {
        for option in millisecond_options(bin) {
            let huge = ["18446744073709551615", "99999999999"];
            for value in huge {
                assert_usage_error(
                    snapbox::cmd::Command::new(lesson_bin(bin)).timeout(TIMEOUT),
                    &[&option, value],
                );
            }
            if option != "--timeout-ms" {
                // A sleep or a step: one rule for all, at most 10 s.
                assert_usage_error(
                    snapbox::cmd::Command::new(lesson_bin(bin)).timeout(TIMEOUT),
                    &[&option, "10001"],
                );
                sleeps.push(format!("{bin} {option}"));
            }
        }
    }
    assert_eq!(
        sleeps,
        [
            "lesson01-process --child-sleep-ms",
            "lesson02-queue --child-sleep-ms",
            "lesson03-pool --task-ms",
            "lesson04-shared-memory --child-sleep-ms",
            "lesson05-lock --step-ms",
        ],
        "the sleep options this test knows"
    );
}

#[test]
fn a_full_dev_shm_is_one_line_and_a_failure_with_nothing_left_behind() {
    // (size of the private /dev/shm, filled first?, binary, arguments): full from the start, or
    // room for the first segment only (4k is one page, and each segment takes at least one).
    let runs: [(&str, bool, &str, &[&str]); 6] = [
        ("4k", true, "lesson04-shared-memory", &[]),
        ("4k", true, "lesson04-shared-memory", &["--plain"]),
        ("4k", false, "lesson04-shared-memory", &[]),
        ("4k", true, "lesson05-lock", &["--step-ms", "1"]),
        ("4k", true, "lesson05-lock", &["--plain", "--step-ms", "1"]),
        (
            "4k",
            false,
            "lesson05-lock",
            &["--kill-holder", "--step-ms", "1"],
        ),
    ];
    for (size, full, bin, args) in runs {
        let run = format!("{bin} {args:?} in a {size} /dev/shm, full: {full}");
        let Some(outcome) = run_with_private_dev_shm(size, full, &lesson_bin(bin), args) else {
            return;
        };
        assert_eq!(outcome.code, 1, "{run}: {outcome:?}");
        assert_eq!(outcome.stderr.lines().count(), 1, "{run}: {outcome:?}");
        assert!(
            outcome
                .stderr
                .starts_with("error: cannot create shared-memory segment ")
                && outcome.stderr.ends_with(" (is /dev/shm full?)\n"),
            "{run}: {outcome:?}"
        );
        let expected_left: &[&str] = if full { &["filler"] } else { &[] };
        assert_eq!(outcome.left, expected_left, "{run}: {outcome:?}");
    }
}
/// As `nobody` with `ulimit -u 1`, no thread and no process can be started: each run that
/// needs one fails in one line that says so, with no panic.
#[test]
fn a_thread_that_cannot_be_started_is_one_line_not_a_panic() {
    let runs: [(&str, &[&str], &str); 6] = [
        (
            "lesson02-queue",
            &["--threads"],
            "cannot start a worker thread: ",
        ),
        (
            "lesson02-queue",
            &["--plain", "--threads"],
            "cannot start a worker thread: ",
        ),
        ("compare", &["--plain"], "cannot start a thread: "),
        (
            "compare",
            &["--n", "1000", "--runs", "1"],
            "multithread failed: cannot start a thread: ",
        ),
        (
            "lesson03-pool",
            &["--plain"],
            "cannot start a pool of 2 worker threads: ",
        ),
        (
            "lesson03-pool",
            &["--bench", "--items", "100", "--runs", "1"],
            "cannot start a pool of 2 worker threads: ",
        ),
    ];
    for (bin, args, says) in runs {
        let Some(output) = run_limited(
            &lesson_bin(bin),
            args,
            Resource::RLIMIT_NPROC,
            1,
            As::Nobody,
        ) else {
            return;
        };
        let line = assert_one_line_failure(&output, &format!("{bin} {args:?}"));
        assert!(line.contains(says), "{bin} {args:?}: {line}");
    }
}

/// A run that fails for want of a resource says what failed, once, and does not call it a
/// wrong result: `ulimit -n 5` leaves no room for a queue's pipes, and as `nobody` with
/// `ulimit -u 1` no process or thread can be started.
#[test]
fn a_resource_error_says_what_failed_once_and_is_not_a_wrong_result() {
    let few_files: [(&str, &[&str], &str); 4] = [
        ("lesson02-queue", &[], "error: cannot make a queue: "),
        (
            "lesson02-queue",
            &["--bench", "--messages", "1000"],
            "error: cannot make a queue: ",
        ),
        (
            "compare",
            &["--n", "1000", "--runs", "1"],
            "error: multicore failed: cannot make a queue: ",
        ),
        ("compare", &["--plain"], "error: cannot make a queue: "),
    ];
    for (bin, args, starts) in few_files {
        let output = run_limited(&lesson_bin(bin), args, Resource::RLIMIT_NOFILE, 5, As::Us)
            .expect("a lower limit needs no privilege");
        let line = assert_one_line_failure(&output, &format!("{bin} {args:?} under ulimit -n 5"));
        assert!(line.starts_with(starts), "{bin} {args:?}: {line}");
        assert_eq!(
            line.matches("os error 24").count(),
            1,
            "{bin} {args:?}: {line}"
        );
    }
    let one_process: [(&str, &[&str], &str); 4] = [
        (
            "lesson02-queue",
            &["--bench", "--messages", "1000"],
            "error: cannot start the producer process: fork failed",
        ),
        (
            "lesson02-queue",
            &[],
            "error: cannot start a worker process: fork failed",
        ),
        (
            "lesson03-pool",
            &[],
            "error: cannot start the pool's worker threads: ",
        ),
        (
            "lesson03-pool",
            &["--isolation"],
            "error: cannot start the thread pool's process: fork failed",
        ),
    ];
    for (bin, args, starts) in one_process {
        let Some(output) = run_limited(
            &lesson_bin(bin),
            args,
            Resource::RLIMIT_NPROC,
            1,
            As::Nobody,
        ) else {
            return;
        };
        let line = assert_one_line_failure(&output, &format!("{bin} {args:?} under ulimit -u 1"));
        assert!(line.starts_with(starts), "{bin} {args:?}: {line}");
        assert!(!line.contains("wrong result"), "{bin} {args:?}: {line}");
        // The OS error once, not once from the error and again from its source.
        let os_errors = line.matches("os error").count() + line.matches("EAGAIN").count();
        assert_eq!(os_errors, 1, "{bin} {args:?}: {line}");
    }
}

/// Where the system does not say how many threads a process has (here: Linux with an empty
/// tmpfs over `/proc`, in a private mount namespace), fork is refused in one line rather than
/// trusted blindly.
#[test]
fn fork_is_refused_where_the_thread_count_is_unknown() {
    let root = nix::unistd::Uid::effective().is_root();
    let unshare = Command::new("unshare").arg("--help").output().is_ok();
    if !root || !unshare {
        course_tests::skip_unless_ci(
            "skipped the unknown-thread-count check: it needs root and unshare",
        );
        return;
    }
    let lesson = lesson_bin("lesson02-queue");
    let mut command = Command::new("unshare");
    command
        .args(["--mount", "sh", "-c"])
        .arg(r#"mount -t tmpfs none /proc && exec "$0""#)
        .arg(&lesson)
        .env_remove("RUST_BACKTRACE");
    let output = snapbox::cmd::Command::from_std(command)
        .timeout(course_tests::TIMEOUT)
        .output()
        .expect("unshare runs");
    let line = assert_one_line_failure(&output, "lesson02-queue without /proc");
    assert!(
        line.contains("refusing to fork: this system does not say how many threads"),
        "{line}"
    );
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
