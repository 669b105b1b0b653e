//! lesson02-queue and its `compare` binary, run as a student runs them.

use std::time::Duration;

use course_tests::limits::assert_one_line_failure;
use course_tests::{
    TIMEOUT, assert_usage_error, lesson_bin, python_script, python3, readme, stdout_of,
    workspace_root,
};
use snapbox::cmd::Command;

fn lesson() -> Command {
    Command::new(lesson_bin("lesson02-queue")).timeout(TIMEOUT)
}

fn compare() -> Command {
    Command::new(lesson_bin("compare")).timeout(Duration::from_secs(120))
}

const NOTES_SUM: &str = "499667166000\n";
const NOTES_TOTAL: &str = "499999666667166666000000";

#[test]
fn plain_prints_the_notes_sum_with_processes_and_with_threads() {
    for args in [&["--plain"][..], &["--plain", "--threads"]] {
        lesson()
            .args(args)
            .assert()
            .success()
            .stdout_eq(NOTES_SUM.to_string())
            .stderr_eq(String::new());
    }
}

#[test]
fn plain_matches_the_cpython_counterpart() {
    let Some(python) = python3("the CPython comparison of lesson02 --plain") else {
        return;
    };
    let cpython = stdout_of(
        Command::new(python)
            .arg(python_script("lesson02-queue", "queue_sum.py"))
            .timeout(TIMEOUT),
    );
    assert_eq!(cpython, NOTES_SUM);
    assert_eq!(stdout_of(lesson().arg("--plain")), cpython);
}

/// Under spawn and forkserver each worker finds `job` by name and is handed the queue's pipes;
/// the sum is the notes' under every method, as CPython's is.
#[test]
fn plain_prints_the_notes_sum_under_every_start_method_as_cpython_does() {
    let python = python3("the CPython comparison of lesson02 --plain under each start method");
    for method in ["fork", "spawn", "forkserver"] {
        lesson()
            .args(["--plain", "--start-method", method])
            .assert()
            .success()
            .stdout_eq(NOTES_SUM.to_string())
            .stderr_eq(String::new());
        if let Some(python) = python {
            let cpython = stdout_of(
                Command::new(python)
                    .arg(python_script("lesson02-queue", "queue_sum.py"))
                    .arg(method)
                    .timeout(TIMEOUT),
            );
            assert_eq!(cpython, NOTES_SUM, "CPython, {method}");
        }
    }
}

#[test]
fn each_result_names_the_worker_process_that_put_it() {
    for method in ["fork", "spawn", "forkserver"] {
        let out = stdout_of(lesson().args(["--start-method", method]));
        let joined: Vec<&str> = out
            .lines()
            .filter_map(|l| l.strip_prefix("parent: joined worker "))
            .map(|rest| rest.split(':').next().expect("pid"))
            .collect();
        let putters: Vec<&str> = out
            .lines()
            .filter_map(|l| l.strip_prefix("parent: got 249833583000 from worker pid "))
            .collect();
        assert_eq!(joined.len(), 2, "{method}: {out}");
        assert_ne!(
            joined[0], joined[1],
            "{method}: two worker processes: {out}"
        );
        let mut sorted_putters = putters.clone();
        sorted_putters.sort_unstable();
        let mut sorted_joined = joined.clone();
        sorted_joined.sort_unstable();
        assert_eq!(
            sorted_putters, sorted_joined,
            "{method}: each worker put one result: {out}"
        );
        assert!(out.ends_with(NOTES_SUM), "{method}: {out}");
    }
}

#[test]
fn threads_take_the_tasks_from_one_queue_and_get_with_a_timeout() {
    let out = stdout_of(lesson().arg("--threads"));
    assert!(
        out.starts_with("lesson02-queue --threads: the notes' two job(1000) tasks go on one crossbeam channel; 3 worker threads take from it"),
        "{out}"
    );
    // Which workers took the two tasks is up to the scheduler: any of the three, or one twice.
    let workers: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("main thread: got 249833583000 from worker thread "))
        .map(|rest| rest.split(' ').next().expect("a number"))
        .collect();
    assert_eq!(workers.len(), 2, "{out}");
    assert!(workers.iter().all(|w| ["1", "2", "3"].contains(w)), "{out}");
    assert!(
        out.contains("main thread: each get waited at most 10 s (recv_timeout"),
        "{out}"
    );
    assert!(out.ends_with(NOTES_SUM), "{out}");
}

/// DEEPER.md quotes this: CPython's `put` of an unpicklable object returns, the feeder thread
/// prints a traceback, and the object never arrives.
#[test]
fn cpython_loses_what_it_cannot_pickle() {
    let Some(python) = python3("the CPython side of what a queue cannot send") else {
        return;
    };
    let output = Command::new(python)
        .arg(python_script("lesson02-queue", "unpicklable.py"))
        .timeout(TIMEOUT)
        .output()
        .expect("python3 runs");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "put(an open file) returned\n\
         get(timeout=1): queue.Empty, an open file never arrived\n\
         put(a lambda) returned\n\
         get(timeout=1): queue.Empty, a lambda never arrived\n"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches("Traceback").count(), 2, "{stderr}");
    assert!(
        stderr.contains("cannot pickle '_io.TextIOWrapper' object"),
        "{stderr}"
    );
}

#[test]
fn a_small_payload_does_not_deadlock() {
    let out = stdout_of(lesson().args(["--payload-bytes", "1000"]));
    assert!(out.contains("no deadlock"), "{out}");
    assert!(
        out.contains("got 2 results of 1000 bytes, each intact"),
        "{out}"
    );
}

#[test]
fn a_frame_that_does_not_decode_is_one_line_naming_the_queue_and_the_type() {
    // --bad-frame is a hidden fault hook: the first worker puts a bad frame as its result.
    for (kind, why) in [
        ("truncated", "Hit the end of buffer"),
        ("corrupt", "varint"),
        ("wrong-type", "bytes left over"),
    ] {
        let output = lesson()
            .args(["--bad-frame", kind])
            .output()
            .expect("the lesson runs");
        let line = assert_one_line_failure(&output, kind);
        assert!(
            line.starts_with("error: the results queue: a ")
                && line
                    .contains("-byte frame is not a lesson02_queue::walkthrough::WorkerResult: "),
            "{kind}: {line}"
        );
        assert!(line.contains(why), "{kind}: {line}");
        assert_eq!(output.status.code(), Some(1), "{kind}: {line}");
    }
}

#[test]
fn bench_prints_four_checked_figures() {
    let mut command = lesson().args(["--bench", "--messages", "20000"]);
    let with_python = python3("the CPython half of lesson02 --bench --python").is_some();
    if with_python {
        command = command.arg("--python");
    }
    let out = stdout_of(command);
    for label in [
        "queue throughput: ",
        "queue, a small struct: ",
        "queue throughput, batched: ",
        "channel throughput, threads: ",
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("{label} in {out}"));
        let rate: u64 = line[label.len()..]
            .split_whitespace()
            .next()
            .and_then(|r| r.parse().ok())
            .expect("a rate");
        assert!(rate > 0, "{line}");
        assert!(
            line.ends_with(if cfg!(debug_assertions) {
                "debug build)"
            } else {
                "release build)"
            }),
            "{line}"
        );
    }
    if with_python {
        assert!(
            out.lines()
                .any(|l| l.starts_with("python queue throughput: ") && l.contains("Rust/Python")),
            "{out}"
        );
    }
}

#[test]
fn bad_arguments_get_one_line_and_exit_code_2() {
    let lesson_cases: [&[&str]; 9] = [
        &["--plain", "--start-method", "vfork"],
        &["--bench", "--start-method", "spawn"],
        &["--plain", "--threads", "--start-method", "spawn"],
        &["--child-sleep-ms", "100"],
        &["--plain", "--child-sleep-ms", "10001"],
        &["--payload-bytes", "0"],
        &["--bench", "--messages", "lots"],
        &["--python"],
        &["--plain", "--bench"],
    ];
    let compare_cases: [&[&str]; 5] = [
        &["--n", "6000000000"],
        &["--workers", "0"],
        &["--n", "-1"],
        &["--plot", "x.svg"],
        &["--sweep", "--sweep-max", "12"],
    ];
    for args in lesson_cases {
        assert_usage_error(lesson(), args);
    }
    for args in compare_cases {
        assert_usage_error(compare(), args);
    }
}

/// The notes' six lines, with the times checked for being floats and then masked.
fn masked_notes_lines(out: &str) -> Vec<String> {
    out.lines()
        .map(|line| match line.split_once(" time: ") {
            Some((name, seconds)) => {
                let seconds: f64 = seconds
                    .parse()
                    .unwrap_or_else(|_| panic!("a float in {line:?}"));
                assert!(seconds > 0.0, "{line}");
                format!("{name} time: <seconds>")
            }
            None => line.to_string(),
        })
        .collect()
}

#[test]
fn compare_plain_prints_the_notes_six_lines() {
    let out = stdout_of(compare().arg("--plain"));
    let expected: Vec<String> = ["normal", "multithread", "multicore"]
        .iter()
        .flat_map(|name| {
            [
                format!("{name}: {NOTES_TOTAL}"),
                format!("{name} time: <seconds>"),
            ]
        })
        .collect();
    assert_eq!(masked_notes_lines(&out), expected);
    if let Some(python) = python3("the CPython comparison of compare --plain") {
        for script in ["compare.py", "notes_compare.py"] {
            let cpython = stdout_of(
                Command::new(python)
                    .arg(python_script("lesson02-queue", script))
                    .timeout(Duration::from_secs(120)),
            );
            assert_eq!(
                masked_notes_lines(&cpython),
                expected,
                "CPython's {script} prints the same lines"
            );
        }
    }
}

/// Whether the machine's 1-minute load is at least its cpu count, as `compare` decides. The
/// figure moves by under a tenth at each 5-second update, so a reading just after the run is
/// taken with that margin.
fn machine_is_busy() -> bool {
    let cpus = std::thread::available_parallelism().map_or(1, |c| c.get());
    let load: Option<f64> = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok());
    load.is_some_and(|load| load >= 0.9 * cpus as f64)
}

#[test]
fn compare_adds_rayon_speedups_and_a_verdict_from_its_figures() {
    let out = stdout_of(compare().args(["--runs", "1"]));
    assert!(out.contains(&format!("rayon: {NOTES_TOTAL}")), "{out}");
    assert_eq!(
        out.lines()
            .filter(|l| l.trim_start().ends_with("x normal"))
            .count(),
        3,
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("rayon pool start-up: ") && l.contains("a program pays it once")),
        "{out}"
    );
    let ranking = out
        .lines()
        .find(|l| l.starts_with("measured, fastest first: "))
        .expect("ranking");
    for variant in ["normal", "multithread", "multicore", "rayon"] {
        assert!(ranking.contains(&format!("{variant} ")), "{ranking}");
    }
    let verdict = out.lines().last().expect("a verdict");
    // With one run there is nothing to disagree: a verdict, unless the machine is busy.
    let stated = [
        "does not hold",
        "pay off",
        "beat threads",
        "nothing runs in parallel",
    ]
    .iter()
    .any(|v| verdict.contains(v));
    let inconclusive_when_busy =
        verdict.starts_with("inconclusive on a busy machine") && machine_is_busy();
    assert!(stated || inconclusive_when_busy, "{verdict}");
    assert_eq!(
        out.contains("warning: this is a debug build"),
        cfg!(debug_assertions),
        "{out}"
    );
}

#[test]
fn compare_sweep_tables_each_n_and_draws_an_svg() {
    let svg = std::env::temp_dir().join(format!("compare-sweep-{}.svg", std::process::id()));
    let out = stdout_of(
        compare()
            .args(["--sweep", "--sweep-max", "4", "--plot"])
            .arg(&svg),
    );
    for n in ["100", "1000", "10000"] {
        assert!(
            out.lines().any(|l| l.split_whitespace().next() == Some(n)),
            "row {n}: {out}"
        );
    }
    for variant in ["multithread", "multicore", "rayon"] {
        assert!(
            out.lines().any(|l| l.starts_with(&format!("{variant} "))
                && (l.contains("pays off") || l.contains("never") || l.contains("every n"))),
            "{out}"
        );
    }
    // The pool's start-up, once, on its own line: the rayon column is one job on a warm pool.
    assert_eq!(
        out.lines()
            .filter(|l| l.starts_with("rayon pool start-up: "))
            .count(),
        1,
        "{out}"
    );
    let drawing = std::fs::read_to_string(&svg).expect("the SVG was written");
    std::fs::remove_file(&svg).expect("remove the SVG");
    assert!(drawing.starts_with("<svg"), "an SVG document");
    for label in [
        "normal",
        "multithread",
        "multicore",
        "rayon",
        "n (loop length)",
        "time (seconds, median)",
    ] {
        assert!(drawing.contains(label), "the chart labels {label:?}");
    }
}

/// `--plot` opens its file before the sweep, never through a symbolic link: a link, or a
/// folder where no file can be made, is refused at once (exit 2, one line, nothing measured)
/// and the link's target is left as it was.
#[test]
fn compare_plot_refuses_a_symlink_and_a_bad_folder_before_measuring() {
    let folder = std::env::temp_dir().join(format!("compare-plot-{}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("a scratch folder");
    let target = folder.join("precious.txt");
    std::fs::write(&target, "keep me\n").expect("the link's target");
    let link = folder.join("chart.svg");
    std::os::unix::fs::symlink(&target, &link).expect("a symlink");
    let dangling = folder.join("dangling.svg");
    std::os::unix::fs::symlink(folder.join("nothing-here"), &dangling).expect("a symlink");
    // /proc exists, but no file can be made in it.
    let bad_folder = std::path::Path::new("/proc/chart.svg");
    for path in [&link, &dangling, &bad_folder.to_path_buf()] {
        let output = compare()
            .args(["--sweep", "--sweep-max", "2", "--plot"])
            .arg(path)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{path:?}: {output:?}");
        assert!(
            output.stdout.is_empty(),
            "nothing measured: {path:?}: {output:?}"
        );
        assert_eq!(stderr.lines().count(), 1, "{path:?}: {stderr}");
        assert!(
            stderr.starts_with("error: cannot write the plot to "),
            "{path:?}: {stderr}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(&target).expect("still there"),
        "keep me\n"
    );
    assert!(
        !folder.join("nothing-here").exists(),
        "nothing made through the link"
    );
    std::fs::remove_dir_all(&folder).expect("remove the scratch folder");
}

#[test]
fn compare_workers_sweep_names_the_best_count() {
    let out = stdout_of(compare().args(["--workers-sweep", "--n", "20000", "--runs", "1"]));
    let cpus = std::thread::available_parallelism().map_or(1, |c| c.get());
    let rows = out
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|w| w.parse::<usize>().is_ok())
        })
        .count();
    assert_eq!(rows, 2 * cpus, "{out}");
    for variant in ["multithread", "multicore", "rayon"] {
        // Either `best for V: N workers (S x normal)` or, when nothing beats normal,
        // `V: no number of workers beats normal at n = .. (N did best, S x)`.
        let best = out
            .lines()
            .find(|l| {
                l.starts_with(&format!("best for {variant}: "))
                    || l.starts_with(&format!("{variant}: no number of workers beats normal"))
            })
            .unwrap_or_else(|| panic!("a verdict for {variant} in {out}"));
        let counted = match best.strip_prefix(&format!("best for {variant}: ")) {
            Some(rest) => rest,
            None => best.split_once('(').map_or("", |(_, rest)| rest),
        };
        let count: usize = counted
            .split_whitespace()
            .next()
            .and_then(|w| w.parse().ok())
            .unwrap_or_else(|| panic!("a worker count in {best}"));
        assert!((1..=2 * cpus).contains(&count), "{best}");
    }
    let last = out.lines().last().expect("a closing line");
    assert!(last.contains("cores"), "{last}");
}

#[test]
fn compare_python_prints_both_side_by_side() {
    if python3("compare --python").is_none() {
        return;
    }
    let out = stdout_of(compare().args(["--python", "--n", "1000", "--runs", "1"]));
    for variant in ["normal", "multithread", "multicore"] {
        let row = out
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{variant} ")))
            .unwrap_or_else(|| panic!("{variant} row in {out}"));
        let numbers: Vec<f64> = row
            .split_whitespace()
            .skip(1)
            .filter_map(|w| w.trim_end_matches('x').parse().ok())
            .collect();
        assert_eq!(numbers.len(), 3, "Rust, CPython, ratio: {row}");
    }
}

#[test]
fn readme_console_blocks_are_true() {
    let checked = readme::check(&workspace_root().join("lesson02-queue/README.md"));
    assert!(
        checked >= 3,
        "the README shows the lesson, --plain and compare --plain"
    );
    let deeper = readme::check(&workspace_root().join("lesson02-queue/DEEPER.md"));
    assert!(
        deeper >= 2,
        "DEEPER.md shows --threads and the deadlock demo"
    );
}
