//! Lesson 4's exercises: memory that is not shared, and memory that is.

use std::time::Duration;

use super::{Exercise, Run, Verdict, lines_after, no_inputs, succeeded};

pub fn exercises() -> Vec<Exercise> {
    vec![
        Exercise {
            id: "lesson04/global-not-shared",
            lesson: "lesson04-shared-memory",
            title: "Make a child's count visible to its parent",
            notes: "共享内存shared memory",
            difficulty: "easy",
            minutes: 10,
            timeout: Duration::from_secs(20),
            hints: &[
                "After fork the child has a copy of every global, in memory of its own. Whatever it writes there, the parent never sees.",
                "Make a `lesson04_shared_memory::Value::<i32>::new(0)?` in main, before fork_child: the child's copy of it still points at the same segment.",
                "Delete COUNTER; let `counter = Value::<i32>::new(0)?;`, in the child `counter.set(counter.get() + 1)`, in the parent `counter.get()`.",
            ],
            plan: no_inputs,
            check: check_global,
            cheats: &[],
        },
        Exercise {
            id: "lesson04/counter-slots",
            lesson: "lesson04-shared-memory",
            title: "A shared counter array, one child per slot",
            notes: "共享内存shared memory (Array)",
            difficulty: "medium",
            minutes: 20,
            timeout: Duration::from_secs(20),
            hints: &[
                "Each child needs the array and its own k. fork_child takes a closure that can borrow both.",
                "In the child, loop STEPS times over `slots[k].set(slots[k].get() + 1)`, then return 0 as the exit code.",
                "`fork_child(|| { for _ in 0..STEPS { slots[k].set(slots[k].get() + 1); } 0 })`",
            ],
            plan: no_inputs,
            check: check_slots,
            cheats: &[],
        },
    ]
}

fn check_global(run: &Run) -> Verdict {
    succeeded(run)?;
    match lines_after(run, "parent sees ").as_slice() {
        ["5"] => Ok("the child's five steps landed in memory the parent can see".into()),
        ["0"] => {
            Err("the parent sees 0: the child still changes its own copy of the counter".into())
        }
        other => Err(format!("expected one line `parent sees 5`, got {other:?}")),
    }
}

fn check_slots(run: &Run) -> Verdict {
    succeeded(run)?;
    let slots = lines_after(run, "slots: ");
    let total = lines_after(run, "total: ");
    if slots != ["[1000, 1000, 1000, 1000]"] || total != ["4000"] {
        return Err(format!(
            "expected `slots: [1000, 1000, 1000, 1000]` and `total: 4000`, got slots {slots:?} and total {total:?}"
        ));
    }
    Ok("four children each filled their own slot of the shared array".into())
}
