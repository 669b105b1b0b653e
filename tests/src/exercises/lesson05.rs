//! Lesson 5's exercises: the lost update, fixed with the lock and with one atomic step, and a
//! lock whose holder died.

use std::time::Duration;

use super::{Exercise, Run, Verdict, lines_after, no_inputs, succeeded};

pub fn exercises() -> Vec<Exercise> {
    vec![
        Exercise {
            id: "lesson05/fix-the-race",
            lesson: "lesson05-lock",
            title: "Find and fix the lost updates with the lock",
            notes: "Lock",
            difficulty: "easy",
            minutes: 10,
            timeout: Duration::from_secs(20),
            hints: &[
                "Run it twice: the total differs each time. Which two lines of a step can the other process's write fall between?",
                "The lock next to the total makes several steps one: take it with `total.lock()` before the read, and release it (drop the guard) after the write.",
                "In the loop: `let guard = total.lock().unwrap_or_else(OwnerDied::recover);` then `let seen = guard.get();`, the sleep, and `guard.set(seen + 1);`. The guard drops at the end of each step.",
            ],
            plan: no_inputs,
            check: |run| check_total(run, 100),
            cheats: &[],
        },
        Exercise {
            id: "lesson05/fetch-add",
            lesson: "lesson05-lock",
            title: "One indivisible step: fetch_add instead of load + store",
            notes: "Lock",
            difficulty: "easy",
            minutes: 10,
            timeout: Duration::from_secs(20),
            hints: &[
                "An atomic makes each load and each store whole, but nothing stops the other thread from storing between your load and your store.",
                "`AtomicI32` has methods that read, change and write in one step, such as `fetch_add`: it returns the old value and leaves the new one.",
                "Replace the three lines with `thread::sleep(Duration::from_millis(1));` and `total.fetch_add(1, SeqCst);`.",
            ],
            plan: no_inputs,
            check: |run| check_total(run, 200),
            cheats: &[],
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
                "In the `Err(dead)` arm, `dead.recover()` gives the guard: the lock is yours, and the value is what the worker left (7). Print the line, then go on with that guard.",
                "`let guard = match total.lock() { Ok(guard) => guard, Err(dead) => { let guard = dead.recover(); println!(\"the holder died; value {}\", guard.get()); guard } };` and at the end `match total.lock() { Ok(_guard) => println!(\"locked again: no error\"), Err(dead) => anyhow::bail!(\"{dead}\") }` then `Ok(())`.",
            ],
            plan: no_inputs,
            check: check_recover,
            cheats: &[],
        },
    ]
}

/// `total: <n> (expected <n>)`, with `expected` both times.
fn check_total(run: &Run, expected: i32) -> Verdict {
    succeeded(run)?;
    let totals = lines_after(run, "total: ");
    let [line] = totals.as_slice() else {
        return Err(format!(
            "expected one line `total: <n> (expected {expected})`, got {totals:?}"
        ));
    };
    let total: i32 = line
        .split_whitespace()
        .next()
        .and_then(|number| number.parse().ok())
        .ok_or_else(|| format!("`total: {line}` does not start with a number"))?;
    if total != expected {
        return Err(format!(
            "the total is {total}, not {expected}: {} updates were lost. Run it again: does the total change?",
            expected - total
        ));
    }
    Ok(format!(
        "total {total}: no update was lost, however the steps interleaved"
    ))
}

fn check_recover(run: &Run) -> Verdict {
    if run.stderr.contains("OwnerDied") {
        return Err(
            "lock() returned Err(OwnerDied) and the program panicked on it: the worker died holding the lock. Handle that case instead of calling expect().".into(),
        );
    }
    succeeded(run)?;
    let worker = lines_after(run, "worker ");
    if !worker
        .iter()
        .any(|line| line.ends_with(": killed by signal SIGKILL"))
    {
        return Err(format!(
            "the worker should be reported as `worker <pid>: killed by signal SIGKILL`, got {worker:?}"
        ));
    }
    let died = lines_after(run, "the holder died");
    if !died.iter().any(|line| line.ends_with("value 7")) {
        return Err(format!(
            "expected a line `the holder died; value 7` (what the dead worker left), got {died:?}"
        ));
    }
    if lines_after(run, "value after recovery: ") != ["8"] {
        return Err("expected `value after recovery: 8`".into());
    }
    if lines_after(run, "locked again: ") != ["no error"] {
        return Err(
            "expected `locked again: no error`: after recover(), the next lock() is a normal one"
                .into(),
        );
    }
    Ok("the dead holder was reported, the lock recovered, and it works as usual again".into())
}
