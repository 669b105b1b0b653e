//! Lesson 1's exercises: starting processes and learning how they ended.

use std::time::Duration;

use super::{Cheat, Exercise, Inputs, Plan, Random, Run, Verdict, Watch, lines_after, succeeded};

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
                "`lesson01_process::start::fork_child` takes a closure; whatever number the closure returns becomes the child's exit code. Start every child first; join them afterwards.",
                "Inside the child's closure, `nix::unistd::getpid()` is the child's own pid. Print the line there, sleep with `std::thread::sleep(Duration::from_millis(sleep_ms))`, then return `code`.",
                "start_child: `fork_child(move || { println!(\"child {i}: pid {}\", getpid()); thread::sleep(Duration::from_millis(sleep_ms)); code })`. join_and_report: `let status = child.wait()?;` then print `child.pid()` and `status`: it displays as `exit code 17` or `killed by signal SIGKILL`, whatever really happened.",
            ],
            plan: plan_children,
            check: check_children,
            cheats: &[
                Cheat {
                    name: "printing",
                    rejected_with: "the checker never saw your",
                },
                Cheat {
                    name: "no-wait",
                    rejected_with: "really ended with killed by signal SIGKILL",
                },
                Cheat {
                    name: "one-at-a-time",
                    rejected_with: "the checker never saw your",
                },
            ],
        },
        Exercise {
            id: "lesson01/join-timeout",
            lesson: "lesson01-process",
            title: "Give up on a child that takes too long",
            notes: "创建进程 (join)",
            difficulty: "medium",
            minutes: 15,
            timeout: Duration::from_secs(15),
            hints: &[
                "Python's `p.join(timeout)` returns either way; you then look at `p.exitcode` (still `None` if the child runs on). `Child` has a method for the first half.",
                "`child.wait_timeout(limit)?` returns `Some(status)` if the child ended in time and `None` if not.",
                "On `None`, end it: `child.kill()?` kills the child *and* reaps it, returning its `ExitStatus` (killed by signal SIGKILL).",
            ],
            plan: plan_join_timeout,
            check: check_join_timeout,
            cheats: &[
                Cheat {
                    name: "printing",
                    rejected_with: "was never seen alive as a child process",
                },
                Cheat {
                    name: "kill-at-once",
                    rejected_with: "the checker watching",
                },
                Cheat {
                    name: "wait-for-ever",
                    rejected_with: "did not finish within",
                },
            ],
        },
    ]
}

/// 3 to 5 children, each with its own exit code; the checker kills one of them once all are
/// alive at once.
fn plan_children(random: &mut Random) -> Plan {
    let count = random.between(3, 5) as usize;
    Plan {
        inputs: Inputs::default()
            // Below 101, Rust's panic code, which `ExitStatus` prints as `exit code 101 (it panicked)`.
            .list("codes", &random.distinct(count, 1, 100))
            .with("sleep_ms", 1000),
        watch: Watch::KillOneOnce(count),
    }
}

/// `child <i>: pid <p>` from every child the checker did not kill first, in any order; then,
/// from the parent, in order, `joined child <i>: pid <p>, <how it ended>`, where every pid is
/// a child the checker saw, and how it ended is what really happened: the chosen exit code,
/// or SIGKILL for the child the checker killed.
fn check_children(run: &Run) -> Verdict {
    succeeded(run)?;
    let codes: Vec<i32> = run.inputs.nums("codes");
    let count = codes.len();
    let Some(killed) = run.killed else {
        return Err(format!(
            "the checker never saw your {count} children alive at the same time: start them all, then join them"
        ));
    };
    let mut child_pids = vec![None; count];
    for line in lines_after(run, "child ") {
        let (number, pid) = line.split_once(": pid ").ok_or_else(|| {
            format!("a child line should read `child <i>: pid <pid>`, not `child {line}`")
        })?;
        let number: usize = number
            .parse()
            .map_err(|_| format!("`{number}` is not a child number"))?;
        let slot = child_pids
            .get_mut(number)
            .ok_or_else(|| format!("there should be children 0 to {}, not {number}", count - 1))?;
        if slot.replace(pid.trim()).is_some() {
            return Err(format!("child {number} printed its line twice"));
        }
    }
    let joined = lines_after(run, "joined child ");
    if joined.len() != count {
        return Err(format!(
            "the parent should print {count} `joined child` lines, one per code, it printed {}",
            joined.len()
        ));
    }
    for (number, line) in joined.iter().enumerate() {
        let (pid, ended) = line
            .strip_prefix(&format!("{number}: pid "))
            .and_then(|rest| rest.split_once(", "))
            .ok_or_else(|| {
                format!("expected `joined child {number}: pid <pid>, <how it ended>`, got `joined child {line}`")
            })?;
        let seen: u32 = pid
            .parse()
            .map_err(|_| format!("`{pid}` in `joined child {line}` is not a pid"))?;
        if !run.children.contains(&seen) {
            return Err(format!(
                "pid {seen} was never a child process of your program: the checker looked at its children while they slept"
            ));
        }
        if child_pids[number].is_some_and(|printed| printed != pid) {
            return Err(format!(
                "child {number} said its pid is {}, but the parent reports pid {pid}",
                child_pids[number].unwrap_or_default()
            ));
        }
        let expected = if seen == killed {
            "killed by signal SIGKILL".to_string()
        } else {
            if child_pids[number].is_none() {
                return Err(format!(
                    "child {number} never printed `child {number}: pid <pid>`"
                ));
            }
            format!("exit code {}", codes[number])
        };
        if ended != expected {
            return Err(format!(
                "child {number} (pid {pid}) really ended with {expected}, but the parent reports `{ended}`: print the status that joining it returns"
            ));
        }
    }
    // The parent can only report how a child ended once it has ended, after its own line.
    for number in 0..count {
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
    Ok(format!(
        "{count} children ran side by side, and the parent reported how each really ended (one killed by the checker)"
    ))
}

/// 3 or 4 children, at least one quick and one that would work for 30 s, in a random order.
fn plan_join_timeout(random: &mut Random) -> Plan {
    let limit_ms = random.between(1000, 1400);
    let count = random.between(3, 4) as usize;
    let mut work_ms: Vec<u64> = (0..count)
        .map(|i| match i {
            0 => random.between(200, 500),
            1 => 30_000,
            _ => [random.between(200, 500), 30_000][random.between(0, 1) as usize],
        })
        .collect();
    for i in (1..count).rev() {
        work_ms.swap(i, random.between(0, i as u64) as usize);
    }
    Plan {
        inputs: Inputs::default()
            .list("work_ms", &work_ms)
            // Below 101, Rust's panic code, which `ExitStatus` prints as `exit code 101 (it panicked)`.
            .list("codes", &random.distinct(count, 1, 100))
            .with("limit_ms", limit_ms),
        watch: Watch::Children,
    }
}

/// One line per child, in order, with a pid the checker saw as a child and how it really
/// ended: its code if it worked less than the limit, SIGKILL if not, and then only after the
/// checker saw it alive for at least half the limit (the rest is room for a busy machine).
fn check_join_timeout(run: &Run) -> Verdict {
    succeeded(run)?;
    let work_ms: Vec<u64> = run.inputs.nums("work_ms");
    let codes: Vec<i32> = run.inputs.nums("codes");
    let limit_ms: u64 = run.inputs.num("limit_ms");
    let ended = lines_after(run, "child ");
    if ended.len() != work_ms.len() {
        return Err(format!(
            "expected {} lines `child <i> (pid <pid>) ended: ...`, one per child, got {}",
            work_ms.len(),
            ended.len()
        ));
    }
    for (i, line) in ended.iter().enumerate() {
        let (pid, status) = line
            .strip_prefix(&format!("{i} (pid "))
            .and_then(|rest| rest.split_once(") ended: "))
            .ok_or_else(|| {
                format!("expected `child {i} (pid <pid>) ended: <status>`, got `child {line}`")
            })?;
        let pid: u32 = pid
            .parse()
            .map_err(|_| format!("`{pid}` in `child {line}` is not a pid"))?;
        let Some((_, alive)) = run.seen_alive.iter().find(|(seen, _)| *seen == pid) else {
            return Err(format!(
                "pid {pid} was never seen alive as a child process of your program: it is not one, or it was killed before the checker watching could see it"
            ));
        };
        let expected = if work_ms[i] < limit_ms {
            format!("exit code {}", codes[i])
        } else {
            "killed by signal SIGKILL".to_string()
        };
        if status != expected {
            return Err(format!(
                "child {i} works {} ms and the limit is {limit_ms} ms, so it should have ended with `{expected}`, not `{status}`",
                work_ms[i]
            ));
        }
        if work_ms[i] >= limit_ms && alive.as_millis() < u128::from(limit_ms / 2) {
            return Err(format!(
                "child {i} was killed after about {} ms, the checker watching: join(timeout) gives it up to {limit_ms} ms first",
                alive.as_millis()
            ));
        }
    }
    Ok("each child had its time; the quick ones were joined, the others killed and reaped".into())
}
