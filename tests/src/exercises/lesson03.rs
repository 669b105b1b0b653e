//! Lesson 3's exercises: results in order from an unordered pool, and a callback on
//! `apply_async`. Both run on a pool of threads; the checker sees the program's threads from
//! outside, so a task or a callback that claims a worker thread must really have run on one.

use std::collections::BTreeSet;
use std::time::Duration;

use super::{Cheat, Exercise, Inputs, Plan, Random, Run, Verdict, Watch, lines_after, succeeded};

pub fn exercises() -> Vec<Exercise> {
    vec![
        Exercise {
            id: "lesson03/in-order",
            lesson: "lesson03-pool",
            title: "Put unordered results back in order",
            notes: "进程池pool (map)",
            difficulty: "easy",
            minutes: 10,
            timeout: Duration::from_secs(20),
            hints: &[
                "Every position 0..n arrives exactly once, in some order: each pair says where its result belongs.",
                "Sort the pairs by their position (make the parameter `mut arrivals` and use `sort_by_key`), then keep only the results.",
                "`arrivals.sort_by_key(|&(position, _)| position); arrivals.into_iter().map(|(_, result)| result).collect()`",
            ],
            plan: plan_in_order,
            check: check_in_order,
            cheats: &[
                Cheat {
                    name: "printing",
                    rejected_with: "your program's main thread",
                },
                Cheat {
                    name: "sorting",
                    rejected_with: "in the items' order",
                },
                Cheat {
                    name: "arrival-order",
                    rejected_with: "in the items' order",
                },
            ],
        },
        Exercise {
            id: "lesson03/callback",
            lesson: "lesson03-pool",
            title: "apply_async with a callback",
            notes: "进程池pool (apply_async)",
            difficulty: "medium",
            minutes: 15,
            timeout: Duration::from_secs(20),
            hints: &[
                "`pool.apply_async` takes one closure and runs it on a worker thread. What if that closure did two things?",
                "Make one closure that calls `task()` and passes its result to `callback`: both move into it, so both run on the worker thread. Calling `callback` after a `get()` runs it on the caller's thread, and the checker sees that.",
                "`pool.apply_async(move || callback(task()))`",
            ],
            plan: plan_callback,
            check: check_callback,
            cheats: &[
                Cheat {
                    name: "printing",
                    rejected_with: "the checker never saw",
                },
                Cheat {
                    name: "synchronous",
                    rejected_with: "call `callback` on the worker thread",
                },
                Cheat {
                    name: "task-on-caller",
                    rejected_with: "run `task` on the pool",
                },
            ],
        },
    ]
}

/// `count` different items in no particular order, and never in ascending order: sorting the
/// results by value must not pass for putting them in the items' order.
fn scrambled_items(random: &mut Random, count: usize) -> Vec<u64> {
    let mut items = random.distinct(count, 2, 999);
    if items.is_sorted() {
        items.swap(0, 1);
    }
    items
}

/// 12 to 18 items, a sleep of its own for each task (so the tasks finish scrambled, and the
/// pool lives long enough for the checker to see its threads), 2 to 4 workers. The first task
/// sleeps far longer than the second, which starts beside it on another worker: results kept
/// in their arrival order are then out of order on every run.
fn plan_in_order(random: &mut Random) -> Plan {
    let count = random.between(12, 18) as usize;
    let sleep_ms: Vec<u64> = (0..count)
        .map(|position| match position {
            0 => random.between(250, 300),
            1 => random.between(20, 40),
            _ => random.between(30, 90),
        })
        .collect();
    Plan {
        inputs: Inputs::default()
            .list("items", &scrambled_items(random, count))
            .list("sleep_ms", &sleep_ms)
            .with("workers", random.between(2, 4)),
        watch: Watch::Children,
    }
}

/// Fails unless `thread` is one the checker saw in the program and not its main thread:
/// `what` then really ran on another thread of the program. `advice` says what to use.
fn on_a_worker_thread(run: &Run, what: &str, thread: u32, advice: &str) -> Result<(), String> {
    if thread == run.pid {
        return Err(format!(
            "{what} ran on thread {thread}, your program's main thread: {advice}"
        ));
    }
    if !run.threads.contains(&thread) {
        let mut seen = run.threads.clone();
        seen.sort_unstable();
        return Err(format!(
            "{what} ran on thread {thread}, says your program, but the checker never saw that thread in your program (it saw {seen:?}): {advice}"
        ));
    }
    Ok(())
}

/// Fails if `threads` holds more threads than the pool has workers.
fn at_most_the_pool(threads: BTreeSet<u32>, workers: usize) -> Result<(), String> {
    if threads.len() > workers {
        return Err(format!(
            "the pool has {workers} worker threads, but the work ran on {} different threads {threads:?}: run it on the pool's",
            threads.len()
        ));
    }
    Ok(())
}

/// One line `task <p>: job(<item>) on thread <tid>` per position, from a worker thread of the
/// program; `arrived:` every position once, in any order; `results:` job(item) in the items'
/// order; `computed by threads:` in the same order, the thread each task line named.
fn check_in_order(run: &Run) -> Verdict {
    succeeded(run)?;
    let items: Vec<u64> = run.inputs.nums("items");
    let workers: usize = run.inputs.num("workers");
    let count = items.len();
    let mut threads: Vec<Option<u32>> = vec![None; count];
    for line in lines_after(run, "task ") {
        let parsed = line.split_once(": job(").and_then(|(position, rest)| {
            let (item, thread) = rest.split_once(") on thread ")?;
            Some((
                position.parse::<usize>().ok()?,
                item.parse::<u64>().ok()?,
                thread.parse::<u32>().ok()?,
            ))
        });
        let Some((position, item, thread)) = parsed else {
            return Err(format!(
                "a task line should read `task <position>: job(<item>) on thread <tid>`, not `task {line}`"
            ));
        };
        if items.get(position) != Some(&item) {
            return Err(format!(
                "`task {line}`: the items are {items:?}, so task {position} should be job({})",
                items.get(position).map_or("?".into(), u64::to_string)
            ));
        }
        if threads[position].replace(thread).is_some() {
            return Err(format!("task {position} ran twice"));
        }
        on_a_worker_thread(
            run,
            &format!("task {position}"),
            thread,
            "every task must run on the pool (`pool.imap_unordered`)",
        )?;
    }
    let threads: Vec<u32> = threads
        .iter()
        .enumerate()
        .map(|(position, thread)| {
            thread.ok_or_else(|| format!("task {position} never printed its line"))
        })
        .collect::<Result<_, _>>()?;
    at_most_the_pool(threads.iter().copied().collect(), workers)?;

    let arrived = lines_after(run, "arrived: ");
    let [arrived] = arrived.as_slice() else {
        return Err("expected one `arrived: [...]` line".into());
    };
    let mut positions: Vec<usize> = arrived
        .trim_matches(['[', ']'])
        .split(", ")
        .map(|position| {
            position
                .parse()
                .map_err(|_| format!("`arrived: {arrived}` is not a list of positions"))
        })
        .collect::<Result<_, _>>()?;
    positions.sort_unstable();
    if positions != (0..count).collect::<Vec<usize>>() {
        return Err(format!(
            "every position 0..{count} should arrive once: `arrived: {arrived}`"
        ));
    }

    let expected = common::pyfmt::py_list(items.iter().map(|item| item * item));
    match lines_after(run, "results: ").as_slice() {
        [line] if *line == expected => {}
        [line] => {
            return Err(format!(
                "the items are {items:?}, so `results:` should be job(item) in the items' order, {expected}, not {line}"
            ));
        }
        other => {
            return Err(format!(
                "expected one line `results: {expected}` (job(item) in the items' order), got {other:?}"
            ));
        }
    }
    let expected = common::pyfmt::py_list(&threads);
    match lines_after(run, "computed by threads: ").as_slice() {
        [line] if *line == expected => Ok(format!(
            "{count} results came back scrambled from a pool of {workers} threads and were put in the items' order"
        )),
        other => Err(format!(
            "expected one line `computed by threads: {expected}` (result by result, the thread each task said it ran on), got {other:?}: keep each result with its thread"
        )),
    }
}

/// 8 to 14 items, 2 to 4 workers, and a sleep in every task that keeps the pool's threads
/// alive long enough for the checker to see them.
fn plan_callback(random: &mut Random) -> Plan {
    let count = random.between(8, 14) as usize;
    Plan {
        inputs: Inputs::default()
            .list("items", &scrambled_items(random, count))
            .with("sleep_ms", random.between(40, 80))
            .with("workers", random.between(2, 4)),
        watch: Watch::Children,
    }
}

/// The line of stdout, and its index, that starts with `prefix` and is the only one to.
fn only_line<'a>(run: &'a Run, prefix: &str, what: &str) -> Result<(usize, &'a str), String> {
    let found: Vec<(usize, &str)> = run
        .stdout
        .lines()
        .enumerate()
        .filter_map(|(index, line)| Some((index, line.strip_prefix(prefix)?)))
        .collect();
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!("{what} never printed `{prefix}...`")),
        _ => Err(format!(
            "{what} printed `{prefix}...` {} times",
            found.len()
        )),
    }
}

/// For every item, `job(<item>) ran on thread <tid>` and then `callback got <item²> on thread
/// <tid>`, both from worker threads of the program, never the main one; then the sorted squares
/// and their count.
fn check_callback(run: &Run) -> Verdict {
    succeeded(run)?;
    let items: Vec<u64> = run.inputs.nums("items");
    let workers: usize = run.inputs.num("workers");
    let thread_of = |line: &str, what: &str| {
        line.parse::<u32>()
            .map_err(|_| format!("{what} should end with `on thread <tid>`, not `{line}`"))
    };
    let mut used = BTreeSet::new();
    for &item in &items {
        let what = format!("job({item})");
        let (_, task_thread) = only_line(run, &format!("job({item}) ran on thread "), &what)?;
        let task_thread = thread_of(task_thread, &what)?;
        on_a_worker_thread(
            run,
            &what,
            task_thread,
            "run `task` on the pool, inside the closure you hand `pool.apply_async`",
        )?;
        used.insert(task_thread);
    }
    for &item in &items {
        let what = format!("the callback of job({item})");
        let (task_line, _) = only_line(run, &format!("job({item}) ran on thread "), &what)?;
        let prefix = format!("callback got {} on thread ", item * item);
        let (callback_line, callback_thread) = only_line(run, &prefix, &what)?;
        let callback_thread = thread_of(callback_thread, &what)?;
        on_a_worker_thread(
            run,
            &what,
            callback_thread,
            "call `callback` on the worker thread, not the caller's: inside the closure you hand `pool.apply_async`, right after `task`",
        )?;
        if callback_line < task_line {
            return Err(format!(
                "{what} ran before job({item}) itself: call it with the task's result"
            ));
        }
        used.insert(callback_thread);
    }
    at_most_the_pool(used, workers)?;
    let mut squares: Vec<u64> = items.iter().map(|item| item * item).collect();
    squares.sort_unstable();
    let expected = common::pyfmt::py_list(&squares);
    let count = items.len().to_string();
    let seen = lines_after(run, "callbacks saw: ");
    let ran = lines_after(run, "callbacks ran: ");
    if seen != [expected.as_str()] || ran != [count.as_str()] {
        return Err(format!(
            "expected `callbacks saw: {expected}` and `callbacks ran: {count}`, got {seen:?} and {ran:?}: `get()` on each handle must wait for its callback too"
        ));
    }
    Ok(format!(
        "each of the {count} tasks ran on a worker thread and handed its result to its callback there"
    ))
}
