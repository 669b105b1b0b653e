//! Lesson 3's exercises: results in order from an unordered pool, and a callback on
//! `apply_async`.

use std::time::Duration;

use super::{Exercise, Run, Verdict, lines_after, no_inputs, succeeded};

/// `[0, 1, 4, ..., (count - 1)²]` as Python prints it.
fn squares(count: u64) -> String {
    common::pyfmt::py_list((0..count).map(|i| i * i))
}

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
                "The items are 0..count, so an item is also a position in the result list.",
                "Start from a vector of `count` zeros and write each square at its item's position.",
                "`let mut results = vec![0; count]; for &(item, square) in arrivals { results[item as usize] = square; } results`",
            ],
            plan: no_inputs,
            check: check_in_order,
            cheats: &[],
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
                "Make a closure that calls `task()` and then passes its result to `callback`. Both move into it.",
                "`pool.apply_async(move || callback(task()))`",
            ],
            plan: no_inputs,
            check: check_callback,
            cheats: &[],
        },
    ]
}

fn check_in_order(run: &Run) -> Verdict {
    succeeded(run)?;
    let arrived = lines_after(run, "arrived: ");
    let [arrived] = arrived.as_slice() else {
        return Err("expected one `arrived: [...]` line".into());
    };
    let mut items: Vec<u64> = arrived
        .trim_matches(['[', ']'])
        .split(", ")
        .map(|item| {
            item.parse()
                .map_err(|_| format!("`arrived: {arrived}` is not a list of items"))
        })
        .collect::<Result<_, _>>()?;
    items.sort_unstable();
    if items != (0..20).collect::<Vec<u64>>() {
        return Err(format!(
            "every item 0..20 should arrive once: `arrived: {arrived}`"
        ));
    }
    let expected = squares(20);
    match lines_after(run, "in order: ").as_slice() {
        [line] if *line == expected => {
            Ok("the results came back scrambled and left in the items' order".into())
        }
        other => Err(format!("expected `in order: {expected}`, got {other:?}")),
    }
}

fn check_callback(run: &Run) -> Verdict {
    succeeded(run)?;
    let seen = lines_after(run, "callbacks saw: ");
    let ran = lines_after(run, "callbacks ran: ");
    let expected = squares(10);
    if seen != [expected.as_str()] || ran != ["10"] {
        return Err(format!(
            "expected `callbacks saw: {expected}` and `callbacks ran: 10`, got {seen:?} and {ran:?}"
        ));
    }
    Ok("each of the 10 tasks handed its result to its callback".into())
}
