//! lesson04-shared-memory, run as a student runs it. The runs that are killed with signals are
//! in `lesson04_faults.rs`.

use std::os::unix::process::ExitStatusExt;

use course_tests::procs::{Running, shm_segments};
use course_tests::{
    TIMEOUT, assert_child_panic_reported, lesson_bin, python_script, python3, readme,
    skip_unless_ci, stdout_of, workspace_root,
};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use snapbox::cmd::Command;

const PREFIX: &str = "lesson04";
/// What the notes' program prints: the new value and the array. It starts no process.
const PLAIN: &str = "1.0 [1, 2, 3]\n";
/// What the CPython counterpart of part 2 prints: the value and the array, before and after
/// the child changes them.
const BEFORE_AND_AFTER: &str = "1.0 [1, 2, 3]\n2.5 [1, 4, 9]\n";

fn lesson() -> Command {
    Command::new(lesson_bin("lesson04-shared-memory")).timeout(TIMEOUT)
}

/// The number after `marker` in `line`.
fn number_after(line: &str, marker: &str) -> i32 {
    let at = line
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} in {line:?}"));
    let digits: String = line[at + marker.len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("a number after {marker:?} in {line:?}"))
}

/// The names of the segments a run announced (`parent: Value('d') is /dev/shm/NAME: ...`).
fn announced_segments(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|line| line.split(" is /dev/shm/").nth(1))
        .map(|rest| rest.split(':').next().unwrap_or(rest).to_string())
        .collect()
}

#[test]
fn plain_prints_the_value_and_the_array_and_nothing_else() {
    for args in [
        &["--plain", "--start-method", "fork"][..],
        &["--plain", "--start-method", "spawn"],
        &["--plain", "--start-method", "forkserver"],
        &["--plain", "--threads"],
    ] {
        lesson()
            .args(args)
            .assert()
            .success()
            .stdout_eq(PLAIN.to_string())
            .stderr_eq(String::new());
    }
}

#[test]
fn plain_matches_the_cpython_counterpart() {
    let Some(python) = python3("the CPython comparison of lesson04 --plain") else {
        return;
    };
    let script = python_script("lesson04-shared-memory", "shared_memory.py");
    let cpython = stdout_of(Command::new(python).arg(script).timeout(TIMEOUT));
    assert_eq!(cpython, PLAIN, "CPython itself");
    for method in ["fork", "spawn", "forkserver"] {
        let ours = stdout_of(lesson().args(["--plain", "--start-method", method]));
        assert_eq!(ours, cpython, "start method {method}");
    }
}

/// Part 2's values before and after the child, as `python/child_changes.py` prints them.
fn before_and_after(out: &str) -> String {
    out.lines()
        .filter_map(|line| {
            line.strip_prefix("parent: before the child: ")
                .or_else(|| line.strip_prefix("parent: after the child:  "))
        })
        .map(|values| format!("{values}\n"))
        .collect()
}

#[test]
fn the_child_changes_the_values_as_in_the_cpython_counterpart() {
    let Some(python) = python3("the CPython comparison of lesson04's part 2") else {
        return;
    };
    for method in ["fork", "spawn", "forkserver"] {
        let script = python_script("lesson04-shared-memory", "child_changes.py");
        let cpython = stdout_of(
            Command::new(python)
                .arg(script)
                .arg(method)
                .timeout(TIMEOUT),
        );
        assert_eq!(cpython, BEFORE_AND_AFTER, "CPython itself, {method}");
        let ours = stdout_of(lesson().args(["--start-method", method]));
        assert_eq!(before_and_after(&ours), cpython, "start method {method}");
    }
}

#[test]
fn a_forked_child_changes_only_its_own_copies() {
    let out = stdout_of(lesson());
    let lines: Vec<&str> = out.lines().collect();
    let parent_lines: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|line| line.starts_with("parent: pid "))
        .collect();
    assert_eq!(parent_lines.len(), 2, "before and after: {out}");
    let seen_line = lines
        .iter()
        .find(|line| line.ends_with("(what it sees at its start)"))
        .expect("the child's first line");
    let child_line = lines
        .iter()
        .find(|line| line.contains("after COUNTER.store(100)"))
        .expect("the child's line");
    let parent = number_after(parent_lines[0], "parent: pid ");
    let child = number_after(child_line, "child:  pid ");
    assert_ne!(parent, child, "two processes");
    assert_eq!(number_after(seen_line, "child:  pid "), child);
    assert_eq!(number_after(seen_line, ", parent "), parent);
    assert!(
        child_line.contains("COUNTER = 100, numbers = [1, 2, 3, 4]"),
        "{child_line}"
    );
    for line in &parent_lines {
        assert_eq!(number_after(line, "parent: pid "), parent);
        assert!(
            line.contains("COUNTER = 7, numbers = [1, 2, 3]  "),
            "the parent's values never change: {line}"
        );
    }
    // The thread version, by contrast, sees the change.
    assert!(
        out.contains("main:   COUNTER = 100: the thread changed"),
        "{out}"
    );
}

/// The global the parent set to 7 before start(), as the child saw it: under fork a copy of the
/// parent then; under spawn a fresh program (0); under forkserver a copy of the server, forked
/// at the program's start (0). `python/isolation.py` prints the same for each method.
#[test]
fn what_a_child_sees_of_a_global_depends_on_the_start_method_as_in_cpython() {
    let python = python3("the CPython comparison of lesson04's part 1");
    for (method, seen) in [("fork", 7), ("spawn", 0), ("forkserver", 0)] {
        let out = stdout_of(lesson().args(["--start-method", method]));
        let seen_line = out
            .lines()
            .find(|line| line.ends_with("(what it sees at its start)"))
            .unwrap_or_else(|| panic!("{method}: the child's first line in {out}"));
        assert_eq!(
            number_after(seen_line, "COUNTER = "),
            seen,
            "{method}: {seen_line}"
        );
        assert!(
            seen_line.contains("numbers = [1, 2, 3]"),
            "passed: {seen_line}"
        );
        let after = out
            .lines()
            .find(|line| line.contains("<- unchanged after joining child"))
            .unwrap_or_else(|| panic!("{method}: {out}"));
        assert!(
            after.contains("COUNTER = 7, numbers = [1, 2, 3]"),
            "{method}: {after}"
        );
        if let Some(python) = python {
            let script = python_script("lesson04-shared-memory", "isolation.py");
            let cpython = stdout_of(
                Command::new(python)
                    .arg(script)
                    .arg(method)
                    .timeout(TIMEOUT),
            );
            assert_eq!(
                cpython,
                format!(
                    "child: counter = {seen} numbers = [1, 2, 3]\nparent: counter = 7 numbers = [1, 2, 3]\n"
                ),
                "CPython, {method}"
            );
        }
    }
}

#[test]
fn shared_values_are_changed_by_the_child_and_removed_after_the_run() {
    for method in ["fork", "spawn", "forkserver"] {
        let out = stdout_of(lesson().args(["--start-method", method]));
        let parent = number_after(
            out.lines()
                .find(|line| line.starts_with("parent: pid "))
                .expect("a parent line"),
            "parent: pid ",
        );
        let segments = announced_segments(&out);
        assert_eq!(segments.len(), 2, "{method}: {out}");
        for name in &segments {
            assert!(
                name.starts_with(&format!("{PREFIX}-{parent}-")),
                "{method}: named after the parent: {name}"
            );
        }
        assert!(
            out.contains(&format!(
                "Value('d') is /dev/shm/{}: 8 bytes, mode 0600",
                segments[0]
            )),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "Array('i', 3) is /dev/shm/{}: 12 bytes, mode 0600",
                segments[1]
            )),
            "{out}"
        );
        assert!(out.contains("parent: before the child: 1.0 [1, 2, 3]\n"));
        assert!(out.contains("parent: after the child:  2.5 [1, 4, 9]\n"));
        assert_eq!(
            shm_segments(PREFIX, parent),
            Vec::<String>::new(),
            "{method}"
        );
    }
}

#[test]
fn a_panicking_child_is_reported_in_one_line_and_nothing_is_left() {
    for method in ["fork", "spawn", "forkserver"] {
        let output = lesson()
            .args(["--child-panics", "--start-method", method])
            .env("RUST_BACKTRACE", "1")
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(1), "{method}");
        let out = String::from_utf8_lossy(&output.stdout);
        assert!(!out.contains("after the child"), "{method}: {out}");
        let segments = announced_segments(&out);
        assert_eq!(segments.len(), 2, "{method}: {out}");
        let parent = number_after(&out, "parent: pid ");
        assert_eq!(
            shm_segments(PREFIX, parent),
            Vec::<String>::new(),
            "{method}"
        );

        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_child_panic_reported(&stderr, "panicked on purpose (--child-panics)");
    }
}

#[test]
fn bad_arguments_get_one_line_and_exit_code_2() {
    let cases: [&[&str]; 8] = [
        &["--start-method", "vfork"],
        &["--child-sleep-ms", "-5"],
        &["--child-sleep-ms", "soon"],
        &["--threads", "--child-panics"],
        &["--plain", "--child-panics"],
        &["--plain", "--child-sleep-ms", "100"],
        &["--plane"],
        &["--spawned-child", "1", "rm", "-rf"],
    ];
    for args in cases {
        let output = lesson().args(args).output().expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    }
}

/// Runs the binary as a spawned child of this test, told to open `value` and `array`.
fn spawned_child(value: &str, array: &str) -> (Option<i32>, String) {
    let output = lesson()
        .args([
            "--spawned-child",
            &std::process::id().to_string(),
            value,
            array,
        ])
        .args(["sleep_ms=0", "panic=false"])
        .output()
        .expect("runs");
    assert!(output.stdout.is_empty(), "{output:?}");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_child_that_cannot_open_its_segments_says_why_in_one_line() {
    let (code, stderr) = spawned_child("lesson04-1-000000000000", "lesson04-1-000000000001");
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: child ")
            && stderr.ends_with(
                ": no shared-memory segment named lesson04-1-000000000000 (it was never created, or its owner removed it)\n"
            ),
        "{stderr}"
    );

    // Real segments of a running lesson, opened with the wrong types: the Array's 12 bytes as
    // the Value('d'), the Value's 8 bytes as the Array('i', 3).
    let mut running = Running::start(
        &lesson_bin("lesson04-shared-memory"),
        &["--child-sleep-ms", "10000"],
    );
    let value_line = running.wait_for_line(TIMEOUT, |line| line.starts_with("parent: Value('d')"));
    let array_line =
        running.wait_for_line(TIMEOUT, |line| line.starts_with("parent: Array('i', 3)"));
    let segments = announced_segments(&format!("{value_line}\n{array_line}\n"));
    let (value, array) = (&segments[0], &segments[1]);

    let (code, stderr) = spawned_child(array, value);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.ends_with(&format!(
            ": shared-memory segment {array} holds 12 bytes, but Value('d') needs 8\n"
        )),
        "{stderr}"
    );
    let (code, stderr) = spawned_child(value, value);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.ends_with(&format!(
            ": shared-memory segment {value} holds 8 bytes, but Array('i', 3) needs 12\n"
        )),
        "{stderr}"
    );

    another_user_is_refused(value);

    // Stop the lesson the way that cleans up (SIGKILL would leave its segments for later).
    let pid = running.pid();
    kill(Pid::from_raw(pid), Signal::SIGTERM).expect("terminate the lesson");
    let (status, _, _) = running.finish(TIMEOUT);
    assert_eq!(status.code(), Some(143));
    assert_eq!(shm_segments(PREFIX, pid), Vec::<String>::new());
}

/// Mode 0600: user `nobody` cannot open our segment. Needs root (to become `nobody`) and
/// `setpriv`; skipped, saying so, where either is missing or `nobody` cannot run the binary.
fn another_user_is_refused(value: &str) {
    if !nix::unistd::geteuid().is_root() {
        skip_unless_ci("skipped the other-user check: not running as root");
        return;
    }
    let output = std::process::Command::new("setpriv")
        .args(["--reuid", "nobody", "--regid", "nogroup", "--clear-groups"])
        .arg(lesson_bin("lesson04-shared-memory"))
        .args([
            "--spawned-child",
            &std::process::id().to_string(),
            value,
            value,
        ])
        .args(["sleep_ms=0", "panic=false"])
        .output();
    let output = match output {
        Ok(output) => output,
        Err(err) => {
            skip_unless_ci(&format!("skipped the other-user check: no setpriv: {err}"));
            return;
        }
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.starts_with("setpriv") {
        skip_unless_ci(&format!(
            "skipped the other-user check: {}",
            stderr.trim_end()
        ));
        return;
    }
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: child ")
            && stderr.ends_with(&format!(
                ": shared-memory segment {value}: permission denied (mode 0600: only the user who created it may open it)\n"
            )),
        "{stderr}"
    );
}

#[test]
fn readme_console_blocks_are_true() {
    // A run first, so that any segment a killed run left behind is removed now rather than
    // reported in the middle of the README's example.
    let _ = lesson().arg("--plain").output();
    let checked = readme::check(&workspace_root().join("lesson04-shared-memory/README.md"));
    assert!(
        checked >= 2,
        "the lesson README shows at least the default and --plain runs"
    );
    readme::check(&workspace_root().join("lesson04-shared-memory/DEEPER.md"));
}

#[test]
fn a_reader_that_goes_away_ends_the_lesson_quietly_and_leaves_no_segment() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::Stdio;
    // Like `lesson04-shared-memory | head -1`: the reader leaves while the child still sleeps.
    let mut lesson = std::process::Command::new(lesson_bin("lesson04-shared-memory"))
        .args(["--child-sleep-ms", "500"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let parent = lesson.id() as i32;
    let mut stdout = BufReader::new(lesson.stdout.take().expect("piped"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("a first line");
    drop(stdout);
    let deadline = std::time::Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = lesson.try_wait().expect("try_wait") {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the lesson did not end"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut stderr = String::new();
    lesson
        .stderr
        .take()
        .expect("piped")
        .read_to_string(&mut stderr)
        .expect("stderr");
    // Whichever process writes first meets the closed pipe: the parent (exit 101 after it
    // unwound) or the child (the parent then reports it and exits 1). Either way, no panic
    // message, and nothing left behind.
    assert!(matches!(status.code(), Some(1 | 101)), "{status}: {stderr}");
    // A report that a child ended is fine; the panic message itself is not.
    assert!(
        !stderr.contains("panicked at") && !stderr.contains("panicked:"),
        "no panic message for a closed pipe: {stderr}"
    );
    assert!(
        stderr.lines().all(|line| line.starts_with("error: ")),
        "{stderr}"
    );
    assert_eq!(
        shm_segments(PREFIX, parent),
        Vec::<String>::new(),
        "unwinding removed the segments"
    );
}

/// A thread the system cannot create is one line and a failure, never a panic. The address-space
/// limit (`ulimit -v`, in KiB) that leaves room for the program but not for a thread's stack
/// depends on the build, so the test tries a range of them: each run must end well, fail to
/// start at all (the loader's own message), be aborted by glibc itself, or give the one line;
/// and at least one must give the one line.
#[test]
fn a_thread_that_cannot_be_created_is_one_line_not_a_panic() {
    let program = lesson_bin("lesson04-shared-memory");
    let mut refused = 0;
    for limit in (3_000..=16_000).step_by(250) {
        let output = Command::new("sh")
            .args(["-c", "ulimit -v \"$1\" && exec \"$0\" --threads"])
            .arg(&program)
            .arg(limit.to_string())
            .env_remove("RUST_BACKTRACE")
            .timeout(TIMEOUT)
            .output()
            .expect("sh runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let run = format!("ulimit -v {limit}: {:?}, {stderr}", output.status);
        match output.status.code() {
            Some(0) => assert_eq!(stderr, "", "{run}"),
            Some(127) => assert!(
                stderr.contains("error while loading shared libraries"),
                "{run}"
            ),
            // At some limits the thread starts, and then glibc itself runs out of memory
            // registering its thread-local destructors and aborts: no Rust code runs there.
            None if stderr.starts_with("Fatal glibc error: ") => {}
            // At the lowest limits exec itself runs out of room after its point of no return
            // (execve: ENOMEM), and the kernel ends the process with SIGSEGV before any of its
            // code runs: no output at all. A bigger binary meets it at a higher limit.
            None if stderr.is_empty() && output.status.signal() == Some(nix::libc::SIGSEGV) => {}
            // Or an allocation fails first, before the thread is asked for: Rust's runtime then
            // prints `memory allocation of N bytes failed` and aborts, which no program can
            // catch. Where that limit falls moves with the binary's size.
            None if stderr.starts_with("memory allocation of ")
                && output.status.signal() == Some(nix::libc::SIGABRT) => {}
            // Or Rust's runtime cannot map the small stack it gives each thread for reporting
            // a stack overflow, and aborts with `failed to allocate an alternative stack` and
            // `fatal runtime error`: also before any code of the lesson can answer.
            None if stderr.contains("failed to allocate an alternative stack")
                && output.status.signal() == Some(nix::libc::SIGABRT) => {}
            _ => {
                assert_eq!(output.status.code(), Some(1), "{run}");
                assert_eq!(stderr.lines().count(), 1, "{run}");
                assert!(
                    stderr.starts_with("error: cannot start the thread: "),
                    "{run}"
                );
                refused += 1;
            }
        }
    }
    assert!(refused > 0, "no limit made the thread fail to start");
}
