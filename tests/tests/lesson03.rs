//! lesson03-pool, run as a student runs it.

use std::collections::BTreeSet;
use std::time::Duration;

use course_tests::limits::{As, Resource, run_limited};
use course_tests::{TIMEOUT, lesson_bin, python_script, python3, readme, workspace_root};
use snapbox::cmd::Command;

fn lesson() -> Command {
    Command::new(lesson_bin("lesson03-pool")).timeout(TIMEOUT)
}

fn stdout_of(command: Command) -> String {
    let output = command.output().expect("runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).expect("utf-8")
}

fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |count| count.get())
}

const NOTES_LINES: &str =
    "[0, 1, 4, 9, 16, 25, 36, 49, 64, 81]\n4\n[0, 1, 4, 9, 16, 25, 36, 49, 64, 81]\n";

#[test]
fn plain_prints_exactly_the_notes_three_lines() {
    for processes in ["1", "2"] {
        for task_ms in ["0", "3"] {
            lesson()
                .args(["--plain", "--processes", processes, "--task-ms", task_ms])
                .assert()
                .success()
                .stdout_eq(NOTES_LINES.to_string())
                .stderr_eq(String::new());
        }
    }
    lesson()
        .arg("--plain")
        .assert()
        .success()
        .stdout_eq(NOTES_LINES.to_string())
        .stderr_eq(String::new());
}

#[test]
fn plain_matches_the_cpython_counterpart() {
    let Some(python) = python3("the CPython comparison of lesson03 --plain") else {
        return;
    };
    let cpython = stdout_of(
        Command::new(python)
            .arg(python_script("lesson03-pool", "pool.py"))
            .timeout(TIMEOUT),
    );
    assert_eq!(
        cpython, NOTES_LINES,
        "the counterpart prints the notes' lines"
    );
    assert_eq!(stdout_of(lesson().arg("--plain")), cpython);
}

/// The items each worker ran, from the `   pool-worker-K ran job(a) job(b) ...` lines that
/// follow the line starting with `section`, up to the next line that does not start so.
fn who_ran(out: &str, section: &str) -> Vec<(usize, Vec<u64>)> {
    let mut lines = out.lines().skip_while(|line| !line.starts_with(section));
    assert!(lines.next().is_some(), "no {section:?} in {out}");
    lines
        .map_while(|line| line.strip_prefix("   pool-worker-"))
        .map(|rest| {
            let (worker, jobs) = rest.split_once(" ran ").expect("`K ran ...`");
            let items = jobs
                .split_whitespace()
                .map(|job| {
                    job.strip_prefix("job(")
                        .and_then(|item| item.strip_suffix(')'))
                        .and_then(|item| item.parse().ok())
                        .unwrap_or_else(|| panic!("job(N) in {line:?}", line = rest))
                })
                .collect();
            (worker.parse().expect("a worker index"), items)
        })
        .collect()
}

/// Every item 0..10 ran exactly once, each on one of the pool's `workers` threads.
fn assert_each_item_ran_once(runs: &[(usize, Vec<u64>)], workers: usize, out: &str) {
    let mut all: Vec<u64> = runs.iter().flat_map(|(_, items)| items.clone()).collect();
    all.sort_unstable();
    assert_eq!(all, (0..10).collect::<Vec<_>>(), "{out}");
    let indices: BTreeSet<usize> = runs.iter().map(|(worker, _)| *worker).collect();
    assert_eq!(indices.len(), runs.len(), "one line per worker: {out}");
    assert!(indices.iter().all(|index| *index < workers), "{out}");
}

#[test]
fn commentary_shows_which_worker_ran_each_item_and_the_notes_values() {
    for workers in [1, 2, 3] {
        let out = stdout_of(lesson().args(["--processes", &workers.to_string()]));
        let map = who_ran(&out, "1. pool.map(job, range(10))");
        assert_each_item_ran_once(&map, workers, &out);
        let handles = who_ran(&out, "3. ten apply_async calls");
        assert_each_item_ran_once(&handles, workers, &out);
        let single = out
            .lines()
            .find(|line| line.starts_with("2. pool.apply_async(job, (2,)).get()"))
            .expect("section 2");
        let worker: usize = single
            .rsplit_once("pool-worker-")
            .and_then(|(_, rest)| rest.strip_suffix(" ran job(2)"))
            .and_then(|index| index.parse().ok())
            .unwrap_or_else(|| panic!("which worker ran job(2): {single}"));
        assert!(worker < workers, "{single}");
        // The notes' values, in the notes' order, among the commentary.
        let values: Vec<&str> = out
            .lines()
            .filter(|line| line.starts_with('[') || line.bytes().all(|b| b.is_ascii_digit()))
            .collect();
        assert_eq!(values.join("\n") + "\n", NOTES_LINES, "{out}");
    }
}

/// `Pool()` with no size: rayon's default, `RAYON_NUM_THREADS` or one thread per available CPU.
#[test]
fn the_walk_through_shows_the_size_of_a_pool_given_none() {
    let line = |out: String| {
        out.lines()
            .find(|line| {
                line.starts_with("Pool() with no size: CPython starts one process per CPU ")
            })
            .unwrap_or_else(|| panic!("no line on Pool() in {out}"))
            .to_string()
    };
    let threads = |count: usize| format!("{count} thread{}", if count == 1 { "" } else { "s" });
    let default = line(stdout_of(lesson().env_remove("RAYON_NUM_THREADS")));
    assert!(
        default.contains(&format!(
            "Pool::with_default_size() starts {} here",
            threads(cpus())
        )),
        "{default}"
    );
    let three = line(stdout_of(lesson().env("RAYON_NUM_THREADS", "3")));
    assert!(
        three.contains("Pool::with_default_size() starts 3 threads here"),
        "{three}"
    );
}

#[test]
fn a_panicking_task_comes_back_as_an_error_from_get() {
    let output = lesson().env("RUST_BACKTRACE", "1").output().expect("runs");
    assert!(output.status.success(), "{output:?}");
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        out.contains("   get() -> error: a task panicked: job(5) panicked on purpose\n"),
        "{out}"
    );
    assert!(
        out.contains("the pool is unharmed: pool.apply_async(job, (3,)).get() -> 9;"),
        "{out}"
    );
    // One line from the panic, as it happens, naming the worker thread; no backtrace.
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with("pool-worker-")
            && lines[0].ends_with(" panicked: job(5) panicked on purpose"),
        "{stderr}"
    );
}

#[test]
fn a_pool_far_bigger_than_the_cpus_works_with_a_note() {
    let processes = (8 * cpus()).min(1024);
    let output = lesson()
        .args(["--plain", "--processes", &processes.to_string()])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), NOTES_LINES);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "note: {processes} workers for {} cpus: CPU-bound tasks",
            cpus()
        )),
        "{stderr}"
    );
    // A pool the machine can run in parallel gets no note.
    let output = lesson()
        .args(["--plain", "--processes", &cpus().to_string()])
        .output()
        .expect("runs");
    assert!(output.stderr.is_empty(), "{output:?}");
}

#[test]
fn bad_arguments_get_one_line_and_exit_code_2() {
    let cases: [&[&str]; 12] = [
        &["--processes", "0"],
        &["--processes", "-1"],
        &["--processes", "lots"],
        &["--processes", "100000"],
        &["--python"],
        &["--runs", "3"],
        &["--plain", "--bench"],
        &["--bench", "--items", "0"],
        &["--bench", "--runs", "0"],
        &["--sweep", "--processes", "2"],
        &["--task-ms", "99999"],
        &["--isolation", "--sweep"],
    ];
    for args in cases {
        let output = lesson()
            .args(args)
            .env("RUST_BACKTRACE", "1")
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        assert!(output.stdout.is_empty(), "{args:?}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    }
}

/// `--isolation --processes N` is checked against `ulimit -n` before anything starts (each
/// worker process needs four descriptors): refused in one line with exit code 2 when the
/// pool would not fit, and run when it does.
#[test]
fn an_isolation_pool_too_big_for_the_open_file_limit_is_refused_at_once() {
    let run = |limit: u64, processes: &str| {
        let args = ["--isolation", "--task-ms", "0", "--processes", processes];
        run_limited(
            &lesson_bin("lesson03-pool"),
            &args,
            Resource::RLIMIT_NOFILE,
            limit,
            As::Us,
        )
        .expect("a lower limit needs no privilege")
    };
    for (limit, processes) in [(1024, "254"), (1024, "1024"), (64, "13"), (5, "1")] {
        let output = run(limit, processes);
        let what = format!("--processes {processes} under ulimit -n {limit}");
        assert_eq!(output.status.code(), Some(2), "{what}: {output:?}");
        assert!(output.stdout.is_empty(), "{what}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{what}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains("ulimit -n"),
            "{what}: {stderr}"
        );
    }
    // The largest pool the check allows under 64 does start and finish.
    let output = run(64, "12");
    assert!(output.status.success(), "{output:?}");
}

#[test]
fn bench_prints_a_checked_throughput() {
    let mut command = lesson().args(["--bench", "--items", "20000", "--runs", "3"]);
    let with_python = python3("the CPython half of lesson03 --bench --python").is_some();
    if with_python {
        command = command.arg("--python");
    }
    let out = stdout_of(command);
    let label = "pool map throughput: ";
    let line = out
        .lines()
        .find(|line| line.starts_with(label))
        .unwrap_or_else(|| panic!("{label} in {out}"));
    let rate: u64 = line[label.len()..]
        .split_whitespace()
        .next()
        .and_then(|rate| rate.parse().ok())
        .unwrap_or_else(|| panic!("a rate in {line}"));
    assert!(rate > 0, "{line}");
    assert!(
        line.contains("with 2 worker threads; median of 3 runs"),
        "{line}"
    );
    let build = if cfg!(debug_assertions) {
        "debug build)"
    } else {
        "release build)"
    };
    assert!(line.ends_with(build), "{line}");
    if with_python {
        let python = out
            .lines()
            .find(|line| line.starts_with("python pool map throughput: "))
            .unwrap_or_else(|| panic!("the CPython line in {out}"));
        let ratio = python
            .rsplit_once("-> Rust/Python ")
            .and_then(|(_, ratio)| ratio.split_once('x'))
            .map(|(ratio, _)| ratio)
            .and_then(|ratio| ratio.parse::<f64>().ok());
        assert!(ratio.is_some_and(|ratio| ratio > 0.0), "{python}");
    }
}

#[test]
fn sweep_names_the_best_pool_size_for_each_job() {
    let out = stdout_of(
        Command::new(lesson_bin("lesson03-pool"))
            .args(["--sweep", "--runs", "1"])
            .timeout(Duration::from_secs(120)),
    );
    let rows: Vec<usize> = out
        .lines()
        .filter_map(|line| line.split_whitespace().next()?.parse().ok())
        .collect();
    assert_eq!(rows, (1..=2 * cpus()).collect::<Vec<_>>(), "{out}");
    for job in ["cpu-bound", "io-bound (sleep)"] {
        let best = out
            .lines()
            .find_map(|line| line.strip_prefix(&format!("best for {job}: ")))
            .unwrap_or_else(|| panic!("a best line for {job}: {out}"));
        let count: usize = best
            .split_whitespace()
            .next()
            .and_then(|count| count.parse().ok())
            .unwrap_or_else(|| panic!("a count in {best}"));
        assert!((1..=2 * cpus()).contains(&count), "{best}");
    }
    for verdict in ["cpu-bound: ", "io-bound: "] {
        assert!(
            out.lines().any(|line| line.starts_with(verdict)),
            "{verdict}: {out}"
        );
    }
}

#[test]
fn readme_console_blocks_are_true() {
    let checked = readme::check(&workspace_root().join("lesson03-pool/README.md"));
    assert!(checked >= 2, "the README shows the lesson and --plain");
    let deeper = readme::check(&workspace_root().join("lesson03-pool/DEEPER.md"));
    assert!(deeper >= 1, "DEEPER.md shows --isolation");
}
