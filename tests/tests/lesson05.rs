//! lesson05-lock, run as a student runs it. The runs that are stopped with signals are in
//! `lesson05_faults.rs`.

#![cfg(target_os = "linux")]

use course_tests::procs::{Running, process, shm_segments};
use course_tests::{
    TIMEOUT, assert_usage_error, lesson_bin, python_script, python3, readme, stdout_of,
    workspace_root,
};
use snapbox::cmd::Command;

const PREFIX: &str = "lesson05";

fn lesson() -> Command {
    Command::new(lesson_bin("lesson05-lock")).timeout(TIMEOUT)
}

/// The two outputs the notes' program may print, one number a line: p1 takes the lock first
/// (1 ... 10, then p2's 13 ... 40), or p2 does (3 ... 30, then p1's 31 ... 40).
fn valid_orders() -> [(&'static str, String); 2] {
    let lines =
        |values: Vec<i32>| -> String { values.iter().map(|value| format!("{value}\n")).collect() };
    let p1_first = (1..=10).chain((1..=10).map(|k| 10 + 3 * k)).collect();
    let p2_first = (1..=10).map(|k| 3 * k).chain(31..=40).collect();
    [("p1 first", lines(p1_first)), ("p2 first", lines(p2_first))]
}

/// Which of the two valid orders `out` is, or why it is neither.
fn accept(out: &str) -> Result<&'static str, String> {
    valid_orders()
        .into_iter()
        .find(|(_, expected)| out == expected)
        .map(|(order, _)| order)
        .ok_or_else(|| format!("neither valid order: {out:?}"))
}

#[test]
fn the_acceptor_takes_both_orders_and_nothing_else() {
    let [(_, p1_first), (_, p2_first)] = valid_orders();
    assert_eq!(accept(&p1_first), Ok("p1 first"));
    assert_eq!(accept(&p2_first), Ok("p2 first"));
    assert!(p1_first.starts_with("1\n2\n") && p1_first.ends_with("37\n40\n"));
    assert!(p2_first.starts_with("3\n6\n") && p2_first.ends_with("39\n40\n"));
    let interleaved = "1\n3\n4\n7\n8\n11\n12\n15\n16\n19\n20\n23\n24\n27\n28\n31\n32\n35\n36\n40\n";
    let bad = [
        String::new(),
        "40\n".to_string(),
        interleaved.to_string(),
        p1_first.replace("\n13\n", "\n"),       // a line missing
        format!("{p1_first}40\n"),              // a line too many
        p1_first.trim_end().to_string(),        // no final newline
        p2_first.replace("\n", "\r\n"),         // other line ends
        p1_first.replace("\n", " \n"),          // trailing spaces
        p1_first.replacen("1\n", "p1: 1\n", 1), // commentary
        format!("{}{}", &p1_first[..21], &p2_first[21..]), // half of each
    ];
    for out in bad {
        assert!(accept(&out).is_err(), "accepted {out:?}");
    }
}

/// Runs the lesson in the background, so that its pid is known, and waits for it.
fn run(args: &[&str]) -> (i32, Vec<String>, String) {
    let running = Running::start(&lesson_bin("lesson05-lock"), args);
    let pid = running.pid();
    let (status, lines, stderr) = running.finish(TIMEOUT);
    assert!(status.success(), "{args:?}: {status}: {stderr}");
    (pid, lines, stderr)
}

/// Nothing of the run with this pid is left: no segment, and no child process.
fn assert_nothing_left(parent: i32, children: &[i32]) {
    assert_eq!(
        shm_segments(PREFIX, parent),
        Vec::<String>::new(),
        "segments left"
    );
    for &child in children {
        assert_eq!(process(child), None, "child {child} remains");
    }
}

/// The number after `marker` in `line`.
fn number_after(line: &str, marker: &str) -> i32 {
    let at = line
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} in {line:?}"));
    let digits: String = line[at + marker.len()..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("a number after {marker:?} in {line:?}"))
}

fn line_with<'a>(lines: &'a [String], part: &str) -> &'a str {
    lines
        .iter()
        .find(|line| line.contains(part))
        .unwrap_or_else(|| panic!("no line with {part:?} in {lines:#?}"))
}

/// The pids of the processes that printed `p1 (pid X)` and `p2 (pid Y)`.
fn worker_pids(lines: &[String]) -> Vec<i32> {
    ["p1 (pid ", "p2 (pid "]
        .iter()
        .filter_map(|marker| {
            lines
                .iter()
                .find(|line| line.starts_with(marker))
                .map(|line| number_after(line, marker))
        })
        .collect()
}

#[test]
fn plain_prints_one_of_the_two_valid_orders_with_processes_and_threads() {
    for args in [
        &["--plain", "--step-ms", "5"][..],
        &["--plain", "--step-ms", "0"],
        &["--plain", "--threads", "--step-ms", "5"],
    ] {
        let output = lesson().args(args).output().expect("runs");
        assert!(output.status.success(), "{args:?}: {output:?}");
        assert!(output.stderr.is_empty(), "{args:?}: {output:?}");
        let out = String::from_utf8_lossy(&output.stdout);
        if let Err(err) = accept(&out) {
            panic!("{args:?}: {err}");
        }
    }
}

#[test]
fn plain_and_the_cpython_counterpart_both_print_a_valid_order() {
    let Some(python) = python3("the CPython comparison of lesson05 --plain") else {
        return;
    };
    let cpython = stdout_of(
        Command::new(python)
            .arg(python_script("lesson05-lock", "lock.py"))
            .timeout(TIMEOUT),
    );
    assert!(accept(&cpython).is_ok(), "CPython itself: {cpython:?}");
    let ours = stdout_of(lesson().args(["--plain", "--step-ms", "5"]));
    assert!(accept(&ours).is_ok(), "{ours:?}");
}

/// Under spawn and forkserver each worker finds `job` by name and opens the value and its lock
/// by name; the notes' values come out all the same, as CPython's do under each method.
#[test]
fn plain_prints_a_valid_order_under_every_start_method_as_cpython_does() {
    let python = python3("the CPython comparison of lesson05 --plain under each start method");
    for method in ["fork", "spawn", "forkserver"] {
        let output = lesson()
            .args(["--plain", "--step-ms", "5", "--start-method", method])
            .output()
            .expect("runs");
        assert!(output.status.success(), "{method}: {output:?}");
        assert!(output.stderr.is_empty(), "{method}: {output:?}");
        let out = String::from_utf8_lossy(&output.stdout);
        if let Err(err) = accept(&out) {
            panic!("{method}: {err}");
        }
        if let Some(python) = python {
            let cpython = stdout_of(
                Command::new(python)
                    .arg(python_script("lesson05-lock", "lock.py"))
                    .arg(method)
                    .timeout(TIMEOUT),
            );
            assert!(accept(&cpython).is_ok(), "CPython, {method}: {cpython:?}");
        }
    }
}

#[test]
fn the_default_run_says_who_holds_the_lock_and_leaves_nothing() {
    let (parent, lines, stderr) = run(&["--step-ms", "5"]);
    assert_eq!(stderr, "");
    let segment = line_with(&lines, "parent: Value('i', 0) and its lock are /dev/shm/");
    assert!(
        segment.contains(&format!("/dev/shm/{PREFIX}-{parent}-"))
            && segment.contains(": 48 bytes, mode 0600 (a robust, process-shared pthread mutex"),
        "{segment}"
    );
    // Each worker takes the lock, prints its ten values, and releases it, in one block.
    let first = lines
        .iter()
        .position(|line| line.ends_with("): took the lock"))
        .expect("a worker took the lock");
    let name = &lines[first][..2];
    let block = &lines[first..first + 12];
    assert!(
        block[11].starts_with(&format!("{name} (pid ")),
        "{block:#?}"
    );
    assert!(block[11].ends_with("): releasing the lock"), "{block:#?}");
    let values: String = lines
        .iter()
        .filter_map(|line| {
            line.strip_prefix("p1: ")
                .or_else(|| line.strip_prefix("p2: "))
        })
        .map(|value| format!("{value}\n"))
        .collect();
    assert!(accept(&values).is_ok(), "{values}");
    line_with(
        &lines,
        "parent: final value 40 (expected 40): whoever took the lock first",
    );
    let pids = worker_pids(&lines);
    assert_eq!(pids.len(), 2, "{lines:#?}");
    assert_nothing_left(parent, &pids);
}

/// Updates are lost on every run, however the machine schedules the workers: they meet between
/// their reads and their writes, so both read before either writes. Even with no sleep at all,
/// where without the meeting one worker often makes all its steps before the other starts.
#[test]
fn no_lock_loses_updates() {
    for args in [
        &["--no-lock", "--step-ms", "0"][..],
        &["--no-lock", "--step-ms", "30"],
        &["--no-lock", "--threads", "--step-ms", "0"],
        &["--no-lock", "--threads", "--step-ms", "30"],
    ] {
        let (parent, lines, stderr) = run(args);
        assert_eq!(stderr, "", "{args:?}");
        let values = lines
            .iter()
            .filter(|line| line.starts_with("p1: ") || line.starts_with("p2: "))
            .count();
        assert_eq!(values, 20, "{args:?}: ten steps each: {lines:#?}");
        let summary = line_with(&lines, ": final value ");
        let last = number_after(summary, "final value ");
        let lost = number_after(summary, "expected 40: ");
        assert!(summary.ends_with(" lost"), "{summary}");
        assert_eq!(last + lost, 40, "{summary}");
        assert!(
            last < 40,
            "{args:?}: no update was lost, though both read before either writes: {lines:#?}"
        );
        // Each write is what its worker read + what it adds.
        for line in lines.iter().filter(|line| line.contains(" (read ")) {
            let adds = if line.starts_with("p1: ") { 1 } else { 3 };
            let wrote = number_after(line, ": ");
            let read = number_after(line, "(read ");
            assert_eq!(wrote, read + adds, "{args:?}: {line}");
        }
        assert_nothing_left(parent, &worker_pids(&lines));
    }
}

#[test]
fn kill_holder_the_survivor_recovers_the_lock_and_makes_all_its_steps() {
    // With no sleep at all too: the holder stops and waits for its SIGKILL whatever the step.
    for step_ms in ["10", "0"] {
        kill_holder_run(step_ms);
    }
}

fn kill_holder_run(step_ms: &str) {
    let (parent, lines, stderr) = run(&["--kill-holder", "--step-ms", step_ms]);
    assert_eq!(stderr, "", "--step-ms {step_ms}");
    let stopped = line_with(&lines, "steps; stops here, holding the lock");
    let dead_name = &stopped[..2];
    let dead_pid = number_after(stopped, "(pid ");
    let (dead_adds, survivor_name, survivor_adds) = if dead_name == "p1" {
        (1, "p2", 3)
    } else {
        (3, "p1", 1)
    };
    let at_death = 3 * dead_adds;
    assert_eq!(
        line_with(&lines, "parent: SIGKILL to "),
        format!(
            "parent: SIGKILL to {dead_name} (pid {dead_pid}), which holds the lock at value {at_death}"
        )
    );
    let recovered = line_with(&lines, "): took the lock: its holder");
    assert!(
        recovered.starts_with(&format!("{survivor_name} (pid "))
            && recovered.ends_with(&format!(
                "): took the lock: its holder, pid {dead_pid}, died holding it (EOWNERDEAD); pthread_mutex_consistent made it usable again; value {at_death}"
            )),
        "{recovered}"
    );
    // The survivor's full count, from where the dead holder stopped.
    let survivor_values: Vec<i32> = lines
        .iter()
        .filter_map(|line| line.strip_prefix(&format!("{survivor_name}: ")))
        .map(|value| value.parse().expect("a number"))
        .collect();
    let expected: Vec<i32> = (1..=10).map(|k| at_death + k * survivor_adds).collect();
    assert_eq!(survivor_values, expected);
    let last = at_death + 10 * survivor_adds;
    line_with(
        &lines,
        &format!(
            "parent: final value {last} = {at_death} from {dead_name} before it died + {} from {survivor_name}'s 10 steps (checked)",
            10 * survivor_adds
        ),
    );
    line_with(&lines, "killed by signal SIGKILL");
    assert_nothing_left(parent, &worker_pids(&lines));
}

#[test]
fn threads_kill_holder_poisons_the_mutex_and_the_other_thread_takes_it_anyway() {
    let output = lesson()
        .args(["--threads", "--kill-holder", "--step-ms", "5"])
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let out = String::from_utf8_lossy(&output.stdout);
    let dead = if out.contains("p1 (thread): made 3 steps; panics here") {
        "p1"
    } else {
        "p2"
    };
    assert_eq!(
        stderr,
        format!("thread {dead} panicked: on purpose, while holding the lock (--kill-holder)\n"),
        "one line, no backtrace"
    );
    assert!(out.contains("): took the lock: it is poisoned, because its holder panicked"));
    assert!(out.contains("(checked)"), "{out}");
}

#[test]
fn bench_checks_its_result_before_it_prints_a_rate() {
    let (parent, lines, stderr) = run(&["--bench", "--count", "20000", "--runs", "2"]);
    assert_eq!(stderr, "");
    line_with(&lines, "final value 40000 in each of the 2 runs (checked)");
    let rate = line_with(&lines, "lock increments: ");
    let rate = lines
        .iter()
        .find_map(|line| line.strip_prefix("lock increments: ")?.split_once(" ops/s"))
        .unwrap_or_else(|| panic!("a `lock increments: N ops/s` line in {lines:#?} ({rate})"));
    assert!(rate.0.parse::<u64>().is_ok_and(|ops| ops > 0), "{rate:?}");
    let checked = lines.iter().position(|line| line.contains("(checked)"));
    let printed = lines.iter().position(|line| line.contains(" ops/s"));
    assert!(checked < printed, "checked before any rate is printed");
    // The lock changing hands: 2 × 20000 strict turns, checked before their rate is printed.
    let turns_checked = lines.iter().position(|line| {
        line == "final value 40000 in each of the 2 runs, every turn in order (checked)"
    });
    let handovers = lines
        .iter()
        .position(|line| line.starts_with("lock hand-overs: ") && line.contains(" /s  ("));
    assert!(
        turns_checked.is_some() && turns_checked < handovers,
        "{lines:#?}"
    );
    let handovers = &lines[handovers.expect("a hand-over rate")];
    let rate = handovers
        .strip_prefix("lock hand-overs: ")
        .and_then(|rest| rest.split_once(" /s"))
        .map(|(rate, _)| rate.parse::<u64>());
    assert!(matches!(rate, Some(Ok(rate)) if rate > 0), "{handovers}");
    assert!(handovers.contains(" per hand-over, "), "{handovers}");
    assert_eq!(shm_segments(PREFIX, parent), Vec::<String>::new());
}

#[test]
fn with_python_cpython_figures_and_cpython_waiting_for_ever_are_shown() {
    if python3("the CPython side of lesson05 --python").is_none() {
        return;
    }
    let (_, lines, _) = run(&["--bench", "--count", "2000", "--runs", "1", "--python"]);
    for label in [
        "python lock increments: ",
        "python lock increments, notes' Value: ",
    ] {
        let line = line_with(&lines, label);
        assert!(line.contains(" ops/s  -> Rust/Python "), "{line}");
    }
    let line = line_with(&lines, "python lock hand-overs: ");
    assert!(line.contains(" /s  -> Rust/Python "), "{line}");
    assert!(line.contains(" per hand-over; "), "{line}");

    // CPython's Lock has no owner: once its holder is killed, the other process waits until
    // the script gives up on it.
    let (parent, lines, _) = run(&["--kill-holder", "--step-ms", "5", "--python"]);
    let killed = line_with(&lines, "python: parent: SIGKILL to ");
    let dead_value = number_after(killed, "holds the Lock at value ");
    let waiting = line_with(&lines, "python: parent: ");
    assert_eq!(waiting, killed, "the SIGKILL comes first");
    let after_kill: Vec<&String> = lines
        .iter()
        .skip_while(|line| !line.starts_with("python: parent: SIGKILL"))
        .skip(1)
        .collect();
    assert_eq!(
        after_kill.len(),
        1,
        "nothing more from the workers: {after_kill:#?}"
    );
    assert!(
        after_kill[0].contains(
            ") still waits for the Lock after 3.0 s: nothing releases a Lock whose holder died"
        ),
        "{after_kill:#?}"
    );
    assert!(dead_value == 3 || dead_value == 9, "{killed}");
    assert_nothing_left(parent, &worker_pids(&lines));
}

#[test]
fn bad_arguments_get_one_line_and_exit_code_2() {
    let cases: [&[&str]; 16] = [
        &["--plain", "--start-method", "vfork"],
        &["--start-method", "spawn"],
        &["--plain", "--threads", "--start-method", "spawn"],
        &["--plain", "--no-lock", "--start-method", "forkserver"],
        &["--step-ms", "-5"],
        &["--step-ms", "soon"],
        &["--step-ms", "10001"],
        &["--no-lock", "--kill-holder"],
        &["--plain", "--kill-holder"],
        &["--bench", "--threads"],
        &["--bench", "--step-ms", "5"],
        &["--count", "5"],
        &["--bench", "--count", "0"],
        &["--bench", "--runs", "0"],
        &["--python"],
        &["--plane"],
    ];
    for args in cases {
        assert_usage_error(lesson(), args);
    }
    assert_usage_error(lesson(), &["--threads", "--kill-holder", "--python"]);
}

#[test]
fn readme_console_blocks_are_true() {
    // A run first, so that any segment a killed run left behind is removed now rather than
    // reported in the middle of the README's example.
    let _ = lesson().args(["--plain", "--step-ms", "0"]).output();
    let checked = readme::check(&workspace_root().join("lesson05-lock/README.md"));
    assert!(checked >= 1, "the default run at least");
    let deeper = readme::check(&workspace_root().join("lesson05-lock/DEEPER.md"));
    assert!(
        deeper >= 3,
        "--no-lock, --kill-holder and --threads --kill-holder at least"
    );
}
