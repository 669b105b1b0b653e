//! lesson03-pool's isolation demo under real faults: a task that SIGKILLs its own process, a
//! worker SIGKILLed from outside, and the lesson itself SIGKILLed. Afterwards no process of
//! the lesson's may remain: no worker, no zombie, no orphan.
//!
//! A test binary of its own, because it makes itself the subreaper of orphans (Linux): a worker
//! the lesson fails to take with it then becomes ours, where the test sees it. The tests take
//! turns (one lock), so that each sees only its own lesson's processes.

use std::time::{Duration, Instant};

use course_tests::procs::{Running, assert_died_with_parent, become_subreaper, children, process};
use course_tests::{TIMEOUT, lesson_bin};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Turns, as a subreaper: the pool processes a killed lesson leaves become ours to check.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    become_subreaper();
    course_tests::one_at_a_time()
}

fn start(args: &[&str]) -> Running {
    Running::start(&lesson_bin("lesson03-pool"), args)
}

/// Nothing of the lesson's is left: no process named lesson03... is our child (a finished
/// lesson was reaped by `finish`; an orphan would have been re-parented to us).
fn assert_nothing_left() {
    let own = std::process::id() as i32;
    let left: Vec<_> = children(own)
        .into_iter()
        .filter(|child| child.name.starts_with("lesson03"))
        .collect();
    assert!(left.is_empty(), "processes left behind: {left:?}");
}

/// The pids after `pid ` on a line such as `   workers: pid 12, pid 13`.
fn pids_in(line: &str) -> Vec<i32> {
    line.split("pid ")
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

/// The items listed as `job(N)` on `line`.
fn jobs_in(line: &str) -> Vec<u64> {
    line.split("job(")
        .skip(1)
        .filter_map(|rest| rest.split_once(')')?.0.parse().ok())
        .collect()
}

fn line_starting<'a>(stdout: &'a [String], prefix: &str) -> &'a str {
    stdout
        .iter()
        .find(|line| line.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in {stdout:#?}"))
}

/// The process pool's summary: every item is either done or failed, and the results are the
/// squares of the done ones, in order. Returns the failed items.
fn check_process_pool_summary(stdout: &[String]) -> Vec<u64> {
    let done = line_starting(stdout, "   done: ");
    let (counts, failed) = done.split_once("; failed: ").expect("a failed part");
    let done_count: usize = counts["   done: ".len()..]
        .split_whitespace()
        .next()
        .and_then(|count| count.parse().ok())
        .expect("a done count");
    assert!(counts.ends_with(" of 10 tasks"), "{done}");
    let mut failed_items = if failed == "none" {
        Vec::new()
    } else {
        jobs_in(failed)
    };
    failed_items.sort_unstable();
    assert_eq!(done_count + failed_items.len(), 10, "{done}");
    let expected: Vec<String> = (0..10u64)
        .map(|item| {
            if failed_items.contains(&item) {
                "None".to_string()
            } else {
                (item * item).to_string()
            }
        })
        .collect();
    let results = line_starting(stdout, "   results, in the items' order: ");
    assert!(
        results.ends_with(&format!("[{}]", expected.join(", "))),
        "{results}"
    );
    failed_items
}

/// The `closed the pool:` line agrees with what happened: one death for each `worker pid ...
/// ended` line, one replacement for each `started worker pid` line, and every other worker the
/// pool ever had stopped when told to.
fn check_closed_summary(stdout: &[String], workers: usize) {
    let deaths = stdout
        .iter()
        .filter(|line| line.starts_with("   worker pid ") && line.contains(" ended "))
        .count();
    let replacements = stdout
        .iter()
        .filter(|line| line.starts_with("   started worker pid "))
        .count();
    let stopped = workers + replacements - deaths;
    let stopped = format!("{stopped} worker{}", if stopped == 1 { "" } else { "s" });
    let died = match (deaths, replacements) {
        (0, _) => "0 had died".to_string(),
        (1, 1) => "1 had died and was replaced (see above)".to_string(),
        (deaths, replaced) if deaths == replaced => {
            format!("{deaths} had died and were replaced (see above)")
        }
        (deaths, 0) => format!(
            "{deaths} had died, none replaced (no task was left for a new worker) (see above)"
        ),
        (deaths, replaced) => format!("{deaths} had died, {replaced} of them replaced (see above)"),
    };
    let closed = line_starting(stdout, "   closed the pool: ");
    assert_eq!(
        closed,
        format!(
            "   closed the pool: {stopped} stopped when told to, {died}; all reaped, none left running"
        ),
        "{stdout:#?}"
    );
}

#[test]
fn a_task_that_kills_its_process_ends_a_thread_pool_but_one_task_of_a_process_pool() {
    let _turn = one_at_a_time();
    let (status, stdout, stderr) = start(&["--isolation"]).finish(TIMEOUT);
    assert!(status.success(), "{status}: {stderr}");

    // The thread pool: its whole process died, so fewer than all results arrived.
    let arrived = line_starting(&stdout, "   results that reached us before the end: ");
    let got = jobs_in(arrived);
    assert!(!got.contains(&3) && got.len() < 10, "{arrived}");
    let ended = line_starting(&stdout, "   the pool's process (pid ");
    assert!(
        ended.contains("ended: killed by signal SIGKILL; job(3) took the whole pool down"),
        "{ended}"
    );

    // The process pool: one worker died with job(3), a new one took its place, the rest ran.
    let died = line_starting(&stdout, "   worker pid ");
    assert!(
        died.ends_with(
            "ended while running job(3): killed by signal SIGKILL; that one task failed"
        ),
        "{died}"
    );
    let replaced = line_starting(&stdout, "   started worker pid ");
    assert_eq!(pids_in(replaced)[1], pids_in(died)[0], "{replaced}");
    assert_eq!(check_process_pool_summary(&stdout), [3]);
    let workers = pids_in(line_starting(&stdout, "   workers: "));
    assert_eq!(workers.len(), 2, "--processes defaults to 2");
    assert!(
        stdout.iter().any(|line| line
            == "   closed the pool: 2 workers stopped when told to, 1 had died and was replaced (see above); all reaped, none left running"),
        "{stdout:#?}"
    );
    check_closed_summary(&stdout, 2);

    // Every process it started was reaped by the lesson itself.
    for pid in workers
        .into_iter()
        .chain(pids_in(replaced))
        .chain(pids_in(ended))
    {
        assert!(
            process(pid).is_none(),
            "pid {pid} remains: {:?}",
            process(pid)
        );
    }
    assert_nothing_left();
}

#[test]
fn a_worker_killed_from_outside_costs_one_task_and_is_replaced() {
    let _turn = one_at_a_time();
    // Slow tasks (300 ms), so the worker is busy when the test kills it.
    let mut lesson = start(&["--isolation", "--task-ms", "300"]);
    let line = lesson.wait_for_line(TIMEOUT, |line| line.starts_with("   workers: pid "));
    let victim = pids_in(&line)[0];
    kill(Pid::from_raw(victim), Signal::SIGKILL).expect("kill a worker");
    let (status, stdout, stderr) = lesson.finish(TIMEOUT);
    assert!(status.success(), "{status}: {stderr}");
    let report = format!("   worker pid {victim} ended ");
    let died = line_starting(&stdout, &report);
    assert!(died.contains(": killed by signal SIGKILL"), "{died}");
    let failed = check_process_pool_summary(&stdout);
    assert!(
        failed.contains(&3),
        "job(3) still kills its worker: {failed:?}"
    );
    assert!(
        failed.len() <= 2,
        "only the victim's task besides job(3): {failed:?}"
    );
    check_closed_summary(&stdout, 2);
    assert!(process(victim).is_none(), "the victim was reaped");
    assert_nothing_left();
}

#[test]
fn no_pool_process_outlives_the_lesson_killed_with_sigkill() {
    let _turn = one_at_a_time();
    // Slow tasks (1 s), so the lesson is killed in the middle of each pool.
    for (stage, task_ms) in [("1. a pool of", "1000"), ("   workers: pid ", "1000")] {
        let mut lesson = start(&["--isolation", "--task-ms", task_ms]);
        lesson.wait_for_line(TIMEOUT, |line| line.starts_with(stage));
        let pool_processes = wait_for_children(lesson.pid());
        kill(Pid::from_raw(lesson.pid()), Signal::SIGKILL).expect("kill the lesson");
        let (status, _, _) = lesson.finish(TIMEOUT);
        assert_eq!(status.to_string(), "signal: 9 (SIGKILL)", "{stage}");
        // Orphaned, they became ours (we are the subreaper); each must die with the lesson.
        for pid in pool_processes {
            assert_died_with_parent(pid, stage);
        }
        assert_nothing_left();
    }
}

/// The lesson's child processes, once it has some.
fn wait_for_children(lesson: i32) -> Vec<i32> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let pids: Vec<i32> = children(lesson).iter().map(|child| child.pid).collect();
        if !pids.is_empty() {
            return pids;
        }
        assert!(
            Instant::now() < deadline,
            "lesson {lesson} started no child"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
