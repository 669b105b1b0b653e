//! Lesson 5's exercises: the lost update, fixed with the lock and with one atomic step, and a
//! lock whose holder died.
//!
//! The two race exercises force the lost update: their totals (`lesson05_lock::race`) make a
//! read without the lock wait for the other worker's read, so a program that reads and writes
//! in two steps loses updates at every step, on any machine, with or without its sleep.

use std::path::PathBuf;
use std::time::Duration;

use super::{
    Cheat, Exercise, Inputs, Plan, Random, Run, Verdict, Watch, Which, lines_after, succeeded,
};
use crate::workspace_root;

pub fn exercises() -> Vec<Exercise> {
    vec![
        Exercise {
            id: "lesson05/fix-the-race",
            lesson: "lesson05-lock",
            title: "Find and fix the lost updates with the lock",
            notes: "Lock",
            difficulty: "easy",
            minutes: 10,
            timeout: Duration::from_secs(30),
            hints: &[
                "Run it twice: the total is short each time. Which two lines of a step can the other process's write fall between?",
                "The lock next to the total makes several steps one: take it with `total.lock()` before the read, and release it (drop the guard) after the write. Read and write through the guard.",
                "In the loop: `let guard = total.lock().unwrap_or_else(OwnerDied::recover);` (with `use lesson05_lock::OwnerDied;`) then `let seen = guard.get();`, the sleep, and `guard.set(seen + amount);`. The guard drops at the end of each step.",
            ],
            plan: plan_race,
            check: check_fix_the_race,
            cheats: &[
                Cheat {
                    name: "printing",
                    rejected_with: "the checker never saw your two workers alive at the same time",
                },
                Cheat {
                    name: "in-turn",
                    rejected_with: "the checker never saw your two workers alive at the same time",
                },
                Cheat {
                    name: "no-sleep",
                    rejected_with: "updates were lost",
                },
            ],
        },
        Exercise {
            id: "lesson05/fetch-add",
            lesson: "lesson05-lock",
            title: "One indivisible step: fetch_add instead of load + store",
            notes: "Lock",
            difficulty: "easy",
            minutes: 10,
            timeout: Duration::from_secs(30),
            hints: &[
                "An atomic makes each load and each store whole, but nothing stops the other thread from storing between your load and your store.",
                "`AtomicI32` has methods that read, change and write in one step, such as `fetch_add`: it returns the old value and leaves the new one.",
                "Replace the three lines with `thread::sleep(work);` and `total.fetch_add(amount, SeqCst);`.",
            ],
            plan: plan_race,
            check: check_fetch_add,
            cheats: &[
                Cheat {
                    name: "printing",
                    rejected_with: "the checker never saw your two worker threads",
                },
                Cheat {
                    name: "mutex",
                    rejected_with: "use `fetch_add`",
                },
                Cheat {
                    name: "no-sleep",
                    rejected_with: "updates were lost",
                },
            ],
        },
        Exercise {
            id: "lesson05/recover",
            lesson: "lesson05-lock",
            title: "Recover a lock whose holder was killed",
            notes: "Lock",
            difficulty: "medium",
            minutes: 15,
            timeout: Duration::from_secs(20),
            hints: &[
                "`lock()` returns a `Result`. `expect` panics on its `Err`, which here is `OwnerDied`: the worker died holding the lock. Match on the result instead.",
                "In the `Err(dead)` arm, `dead.recover()` gives the guard: the lock is yours, and the value is what the worker left (`left`). Print the line, then go on with that guard.",
                "`let guard = match total.lock() { Ok(guard) => guard, Err(dead) => { let guard = dead.recover(); println!(\"the holder died; value {}\", guard.get()); guard } };` and at the end `match total.lock() { Ok(_guard) => println!(\"locked again: no error\"), Err(dead) => anyhow::bail!(\"{dead}\") }` then `Ok(())`.",
            ],
            plan: plan_recover,
            check: check_recover,
            cheats: &[
                Cheat {
                    name: "printing",
                    rejected_with: "the checker killed no worker",
                },
                Cheat {
                    name: "no-lock",
                    rejected_with: "never calls `recover()`",
                },
            ],
        },
    ]
}

/// 20 to 30 steps, two different amounts, and 6 to 10 ms of work per step: each worker works
/// at least 120 ms, long enough for the checker to see both alive.
fn plan_race(random: &mut Random) -> Plan {
    Plan {
        inputs: Inputs::default()
            .with("steps", random.between(20, 30))
            .list("adds", &random.distinct(2, 1, 9))
            .with("work_ms", random.between(6, 10)),
        watch: Watch::Children,
    }
}

/// What the two workers should have added: every step of each.
fn expected_total(run: &Run) -> i64 {
    let steps: i64 = run.inputs.num("steps");
    run.inputs
        .nums::<i64>("adds")
        .iter()
        .map(|amount| amount * steps)
        .sum()
}

/// `total: <n> (expected <n>)`, with the total the checker computed both times.
fn check_total(run: &Run) -> Result<i64, String> {
    succeeded(run)?;
    let expected = expected_total(run);
    let totals = lines_after(run, "total: ");
    let [line] = totals.as_slice() else {
        return Err(format!(
            "expected one line `total: <n> (expected {expected})`, got {totals:?}"
        ));
    };
    let mut words = line.split_whitespace();
    let total: i64 = words
        .next()
        .and_then(|number| number.parse().ok())
        .ok_or_else(|| format!("`total: {line}` does not start with a number"))?;
    if words.collect::<Vec<_>>() != ["(expected", &format!("{expected})")] {
        return Err(format!(
            "`total: {line}` should end with `(expected {expected})`: with steps={} and adds={}, the workers add {expected} in all",
            run.inputs.get("steps"),
            run.inputs.get("adds")
        ));
    }
    if total < expected {
        return Err(format!(
            "the total is {total}, not {expected}: updates were lost ({} short). A step reads the total and later writes it: what can the other worker do in between?",
            expected - total
        ));
    }
    if total > expected {
        return Err(format!(
            "the total is {total}, more than the {expected} the workers should add: does a step add twice?"
        ));
    }
    Ok(total)
}

fn check_fix_the_race(run: &Run) -> Verdict {
    let total = check_total(run)?;
    if run.most_children_at_once < 2 {
        return Err(format!(
            "the checker never saw your two workers alive at the same time (at most {} at once): start both worker processes, then wait for both, and keep the sleep in each step",
            run.most_children_at_once
        ));
    }
    Ok(format!(
        "total {total}: the two workers ran side by side and no update was lost"
    ))
}

fn check_fetch_add(run: &Run) -> Verdict {
    let total = check_total(run)?;
    // The main thread and the two workers.
    if run.threads.len() < 3 {
        return Err(format!(
            "the checker never saw your two worker threads (it saw {} thread(s) of your program): keep the two threads, each with its sleep",
            run.threads.len()
        ));
    }
    let (file, code) = source_code("lesson05/fetch-add", run)?;
    if let Some(lock) = ["Mutex", "RwLock", ".lock()"]
        .into_iter()
        .find(|lock| code.contains(lock))
    {
        return Err(format!(
            "the total is right, but {} takes a lock (`{lock}`): this exercise is about one atomic step without a lock. Remove the lock and use `fetch_add`",
            file.display()
        ));
    }
    if !code.contains(".fetch_add(") {
        return Err(format!(
            "the total is right, but {} never calls `fetch_add`: use `fetch_add`, one indivisible read-add-write",
            file.display()
        ));
    }
    Ok(format!(
        "total {total}: each addition was one indivisible step, and no update was lost"
    ))
}

/// The file that `run` was built from (the student's, the solution or a kept cheat), and its
/// code without comments. Behaviour cannot tell every sidestep from the work: this is the last
/// resort.
fn source_code(id: &str, run: &Run) -> Result<(PathBuf, String), String> {
    let exercise = super::find(id).ok_or_else(|| format!("no exercise {id}"))?;
    let file = exercise
        .source_of(run)
        .unwrap_or_else(|| exercise.file(Which::Starter));
    let source = std::fs::read_to_string(workspace_root().join(&file))
        .map_err(|err| format!("cannot read {}: {err}", file.display()))?;
    Ok((file, without_comments(&source)))
}

/// The source with its `//` comments taken out, so that a comment that names a method does
/// not count as calling it.
fn without_comments(source: &str) -> String {
    source
        .lines()
        .map(|line| line.split_once("//").map_or(line, |(code, _)| code))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The value the dead holder leaves, and what the parent adds after recovering; the checker
/// kills the worker once it sleeps, holding the lock.
fn plan_recover(random: &mut Random) -> Plan {
    Plan {
        inputs: Inputs::default()
            .with("left", random.between(10, 999))
            .with("adds", random.between(1, 99)),
        watch: Watch::KillOneAsleep(1),
    }
}

fn check_recover(run: &Run) -> Verdict {
    if run.stderr.contains("OwnerDied") {
        return Err(
            "lock() returned Err(OwnerDied) and the program panicked on it: the worker died holding the lock. Handle that case instead of calling expect().".into(),
        );
    }
    succeeded(run)?;
    let Some(killed) = run.killed else {
        return Err(
            "the checker killed no worker: it kills the worker process while it sleeps holding the lock, and it never saw one. Keep the worker as given".into(),
        );
    };
    let left: i64 = run.inputs.num("left");
    let adds: i64 = run.inputs.num("adds");
    let worker = lines_after(run, "worker ");
    let expected = format!("{killed}: killed by signal SIGKILL");
    if worker != [expected.as_str()] {
        return Err(format!(
            "the checker killed the worker, pid {killed}: expected one line `worker {expected}`, got {worker:?}"
        ));
    }
    let died = lines_after(run, "the holder died; value ");
    if died != [left.to_string().as_str()] {
        return Err(format!(
            "expected a line `the holder died; value {left}` (what the dead worker left), got {died:?}"
        ));
    }
    let after = lines_after(run, "value after recovery: ");
    if after != [(left + adds).to_string().as_str()] {
        return Err(format!(
            "expected `value after recovery: {}` ({left} left by the worker, plus {adds}), got {after:?}",
            left + adds
        ));
    }
    if lines_after(run, "locked again: ") != ["no error"] {
        return Err(
            "expected `locked again: no error`: after recover(), the next lock() is a normal one"
                .into(),
        );
    }
    let (file, code) = source_code("lesson05/recover", run)?;
    if ![".recover()", "OwnerDied::recover"]
        .iter()
        .any(|call| code.contains(call))
    {
        return Err(format!(
            "the lines are right, but {} never calls `recover()`: take the lock with `total.lock()` and, on `Err(dead)`, carry on with `dead.recover()`",
            file.display()
        ));
    }
    Ok(format!(
        "worker {killed}, killed by the checker while it held the lock, was reported; the lock was recovered and works as usual again"
    ))
}
