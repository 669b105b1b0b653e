//! What an adversarial run found, kept fixed: each test here failed before its fix.

use std::fs::File;
use std::process::{Command, Stdio};

use course_tests::procs::run_with_private_dev_shm;
use course_tests::{TIMEOUT, assert_usage_error, lesson_bin};

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
