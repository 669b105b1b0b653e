//! Lesson 1's exercises: starting processes and learning how they ended.

use std::time::Duration;

use super::{Exercise, Run, Verdict, lines_after, succeeded};

pub fn exercises() -> Vec<Exercise> {
    vec![
        Exercise {
            id: "lesson01/children",
            lesson: "lesson01-process",
            title: "Three children, each with its own exit code",
            notes: "创建进程",
            difficulty: "easy",
            minutes: 10,
            timeout: Duration::from_secs(20),
            hints: &[
                "`lesson01_process::start::fork_child` takes a closure; whatever number the closure returns becomes the child's exit code.",
                "Inside the child's closure, `nix::unistd::getpid()` is the child's own pid. Print the line there, then return `i`.",
                "start_child: `fork_child(move || { println!(\"child {i}: pid {}\", getpid()); i })`. join_and_report: `let status = child.wait()?;` then print `child.pid()` and `status` (an `ExitStatus` displays as `exit code 2`).",
            ],
            check: check_children,
        },
        Exercise {
            id: "lesson01/join-timeout",
            lesson: "lesson01-process",
            title: "Give up on a child that takes too long",
            notes: "创建进程 (join)",
            difficulty: "medium",
            minutes: 15,
            timeout: Duration::from_secs(10),
            hints: &[
                "Python's `p.join(timeout)` returns either way; you then look at `p.exitcode` (still `None` if the child runs on). `Child` has a method for the first half.",
                "`child.wait_timeout(limit)?` returns `Some(status)` if the child ended in time and `None` if not.",
                "On `None`, end it: `child.kill()?` kills the child *and* reaps it, returning its `ExitStatus` (killed by signal SIGKILL).",
            ],
            check: check_join_timeout,
        },
    ]
}

/// `child <i>: pid <p>` from every child, in any order; `joined child <i>: pid <p>, exit code
/// <i>` from the parent, in order, with the same pids.
fn check_children(run: &Run) -> Verdict {
    succeeded(run)?;
    let mut child_pids = [None; 3];
    for line in lines_after(run, "child ") {
        let (number, pid) = line.split_once(": pid ").ok_or_else(|| {
            format!("a child line should read `child <i>: pid <pid>`, not `child {line}`")
        })?;
        let number: usize = number
            .parse()
            .map_err(|_| format!("`{number}` is not a child number"))?;
        let slot = child_pids
            .get_mut(number)
            .ok_or_else(|| format!("there should be children 0, 1 and 2, not {number}"))?;
        if slot.replace(pid.trim()).is_some() {
            return Err(format!("child {number} printed its line twice"));
        }
    }
    let joined = lines_after(run, "joined child ");
    if joined.len() != 3 {
        return Err(format!(
            "the parent should print 3 `joined child` lines, it printed {}",
            joined.len()
        ));
    }
    for (number, (pid, line)) in child_pids.iter().zip(&joined).enumerate() {
        let pid =
            pid.ok_or_else(|| format!("child {number} never printed `child {number}: pid <pid>`"))?;
        let expected = format!("{number}: pid {pid}, exit code {number}");
        if *line != expected {
            return Err(format!(
                "expected `joined child {expected}`, got `joined child {line}`"
            ));
        }
    }
    // The parent can only report an exit code once the child has ended, after its own line.
    for number in 0..3 {
        let child_line = run
            .stdout
            .lines()
            .position(|line| line.starts_with(&format!("child {number}: ")));
        let joined_line = run
            .stdout
            .lines()
            .position(|line| line.starts_with(&format!("joined child {number}: ")));
        if joined_line < child_line {
            return Err(format!(
                "the parent reported child {number} before the child printed its line: it must wait for the child first"
            ));
        }
    }
    let mut pids: Vec<&str> = child_pids.iter().flatten().copied().collect();
    pids.sort_unstable();
    pids.dedup();
    if pids.len() != 3 {
        return Err(
            "the three children should be three processes with three different pids".into(),
        );
    }
    Ok("three children, three pids, and each exit code seen by the parent".into())
}

fn check_join_timeout(run: &Run) -> Verdict {
    succeeded(run)?;
    let ended = lines_after(run, "child ");
    let [line] = ended.as_slice() else {
        return Err(format!(
            "expected one line `child <pid> ended: ...`, got {ended:?}"
        ));
    };
    if !line.ends_with("ended: killed by signal SIGKILL") {
        return Err(format!(
            "the child should have been killed after 300 ms; the program printed `child {line}`"
        ));
    }
    Ok("the parent gave up after its timeout, killed the child and reaped it".into())
}
