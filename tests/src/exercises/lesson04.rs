//! Lesson 4's exercises: memory that is not shared, and memory that is.
//!
//! The children's work is `lesson04_shared_memory::work::amount`, a number per step that only
//! computing it can tell and that costs CPU time. So the checker knows the right counts (it
//! works them out with its own copy of `amount`, below), and it sees from outside which process
//! did the work: a child's CPU time grows, the parent's must not.

use std::time::Duration;

use super::{Cheat, Exercise, Inputs, Plan, Random, Run, Verdict, Watch, lines_after, succeeded};

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
                "Delete COUNTER; `let counter = Value::<i32>::new(0)?;` before fork_child, in the child `counter.set(counter.get() + amount(seed, i))`, in the parent `counter.get()`.",
            ],
            plan: plan_global,
            check: check_global,
            cheats: &[
                Cheat {
                    name: "printing",
                    rejected_with: "the checker never saw a child process",
                },
                Cheat {
                    name: "parent-counts",
                    rejected_with: "the parent did the work itself",
                },
            ],
        },
        Exercise {
            id: "lesson04/counter-slots",
            lesson: "lesson04-shared-memory",
            title: "A shared counter array, one child per slot",
            notes: "共享内存shared memory (Array)",
            difficulty: "medium",
            minutes: 20,
            timeout: Duration::from_secs(30),
            hints: &[
                "Each child needs the array, its own k and its own seed. fork_child takes a closure that can borrow the array and use the numbers.",
                "In the child, for every `i` in `0..steps`: `slots[k].set(slots[k].get() + amount(seed, i))`; then sleep `sleep_ms` and return 0 as the exit code.",
                "`fork_child(|| { for i in 0..steps { slots[k].set(slots[k].get() + amount(seed, i)); } thread::sleep(Duration::from_millis(sleep_ms)); 0 })`, with `use lesson04_shared_memory::work::amount;`, `use std::thread;` and `use std::time::Duration;` at the top.",
            ],
            plan: plan_slots,
            check: check_slots,
            cheats: &[
                Cheat {
                    name: "printing",
                    rejected_with: "the checker never saw a child process",
                },
                Cheat {
                    name: "parent-fills",
                    rejected_with: "the parent did the work itself",
                },
                Cheat {
                    name: "one-at-a-time",
                    rejected_with: "alive at the same time",
                },
                Cheat {
                    name: "one-child",
                    rejected_with: "each slot must be filled by a child of its own",
                },
            ],
        },
    ]
}

/// The same as `lesson04_shared_memory::work::amount` (the solutions' output proves they agree).
fn amount(seed: u64, step: u64) -> i32 {
    let modulus = 1_000_003 + seed % 1_000;
    let mut x = step % modulus;
    for _ in 0..16 {
        x = (x * x + seed % modulus) % modulus;
    }
    (x % 9 + 1) as i32
}

/// What a child that adds `amount(seed, i)` for every `i` in `0..steps` ends with.
fn count(seed: u64, steps: u64) -> i64 {
    (0..steps).map(|step| i64::from(amount(seed, step))).sum()
}

/// About 100 ms of CPU time for the child in a release build (twice that in a debug build):
/// far more than the parent uses to start it and read the result.
fn plan_global(random: &mut Random) -> Plan {
    Plan {
        inputs: Inputs::default()
            .with("seed", random.between(1, 1_000_000_000))
            .with("steps", random.between(800_000, 1_200_000))
            .with("sleep_ms", random.between(300, 500)),
        watch: Watch::Children,
    }
}

/// One line `parent sees <count>`, the count the checker works out; a child seen doing the
/// counting (its CPU time), and not the parent.
fn check_global(run: &Run) -> Verdict {
    succeeded(run)?;
    let seen = match lines_after(run, "parent sees ").as_slice() {
        [seen] => seen.trim().to_string(),
        other => {
            return Err(format!(
                "expected one line `parent sees <count>`, got {other:?}"
            ));
        }
    };
    if seen == "0" {
        return Err(
            "the parent sees 0: the child still changes its own copy of the counter".into(),
        );
    }
    work_was_done_in_children(run, 1)?;
    let expected = count(run.inputs.num("seed"), run.inputs.num("steps"));
    if seen != expected.to_string() {
        return Err(format!(
            "the parent sees {seen}, but the child's amounts add up to {expected}"
        ));
    }
    Ok(format!(
        "the child counted in memory the parent can see ({} ms of CPU time), and the parent only read it ({} ms)",
        run.child_cpu
            .iter()
            .max()
            .copied()
            .unwrap_or_default()
            .as_millis(),
        run.program_cpu.as_millis()
    ))
}

/// 3 to 5 slots, each with its own seed; about 70 ms of CPU time per child in a release build.
fn plan_slots(random: &mut Random) -> Plan {
    let slots = random.between(3, 5) as usize;
    Plan {
        inputs: Inputs::default()
            .list("seeds", &random.distinct(slots, 1, 1_000_000_000))
            .with("steps", random.between(600_000, 900_000))
            .with("sleep_ms", random.between(400, 600)),
        watch: Watch::Children,
    }
}

/// `slots: [..]` with each slot's count and `total: <sum>`; one child per slot seen doing its
/// share of the work, none of it in the parent, all the children alive at one time.
fn check_slots(run: &Run) -> Verdict {
    succeeded(run)?;
    let seeds: Vec<u64> = run.inputs.nums("seeds");
    let steps: u64 = run.inputs.num("steps");
    let (slots, total) = match (
        lines_after(run, "slots: ").as_slice(),
        lines_after(run, "total: ").as_slice(),
    ) {
        ([slots], [total]) => (slots.trim().to_string(), total.trim().to_string()),
        (slots, total) => {
            return Err(format!(
                "expected one line `slots: [...]` and one line `total: <sum>`, got slots {slots:?} and total {total:?}"
            ));
        }
    };
    work_was_done_in_children(run, seeds.len())?;
    if run.most_children_at_once < seeds.len() {
        return Err(format!(
            "the checker never saw your {} children alive at the same time (at most {}): start them all, then join them",
            seeds.len(),
            run.most_children_at_once
        ));
    }
    let expected: Vec<i64> = seeds.iter().map(|&seed| count(seed, steps)).collect();
    let printed: Vec<&str> = slots
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .map(|items| items.split(", ").collect())
        .unwrap_or_default();
    if printed.len() != expected.len() {
        return Err(format!(
            "expected {} slots in `slots: [..]`, got `slots: {slots}`",
            expected.len()
        ));
    }
    for (k, (printed, expected)) in printed.iter().zip(&expected).enumerate() {
        if *printed != expected.to_string() {
            return Err(format!(
                "slot {k} holds {printed}, but its child's amounts add up to {expected}"
            ));
        }
    }
    let sum: i64 = expected.iter().sum();
    if total != sum.to_string() {
        return Err(format!("the slots add up to {sum}, not {total}"));
    }
    let cpu: Vec<u128> = run.child_cpu.iter().map(Duration::as_millis).collect();
    Ok(format!(
        "{} children filled their own slots of the shared array side by side (CPU time in ms: {cpu:?}); the parent only read them ({} ms)",
        expected.len(),
        run.program_cpu.as_millis()
    ))
}

/// The parent may use this much CPU time to start its children and read their results.
const PARENT_ALLOWANCE: Duration = Duration::from_millis(30);
/// Less than this, and a child did no real counting (the work costs several times as much).
const CHILD_MINIMUM: Duration = Duration::from_millis(10);

/// From outside: `children` child processes each did a share of the work (CPU time), and the
/// parent did not (its own threads' CPU time, its children's not counted). CPU time is what
/// the work costs, however busy the machine: only the checker's lower bounds can come out
/// smaller, and the children sleep before they end to leave it time to look.
fn work_was_done_in_children(run: &Run, children: usize) -> Result<(), String> {
    let ms = |time: &Duration| time.as_millis();
    let mut cpu = run.child_cpu.clone();
    cpu.sort_unstable_by(|a, b| b.cmp(a));
    let busiest = cpu.first().copied().unwrap_or_default();
    if run.program_cpu > PARENT_ALLOWANCE.max(busiest / 2) {
        return Err(format!(
            "the parent did the work itself: it used {} ms of CPU time, its busiest child {} ms. The counting must run in the child{}; the parent only reads the shared memory",
            ms(&run.program_cpu),
            ms(&busiest),
            if children == 1 { "" } else { "ren" }
        ));
    }
    if run.children.is_empty() {
        return Err(
            "the checker never saw a child process of your program: the counting must run in a child (`lesson01_process::start::fork_child`)"
                .into(),
        );
    }
    let working = cpu
        .iter()
        .filter(|time| **time >= CHILD_MINIMUM.max(busiest / 2))
        .count();
    if working < children {
        let seen: Vec<u128> = run.child_cpu.iter().map(ms).collect();
        return Err(if children == 1 {
            format!(
                "your child did no counting: the checker saw it use {} ms of CPU time",
                ms(&busiest)
            )
        } else {
            format!(
                "each slot must be filled by a child of its own: the checker saw {} children, of which {working} did a share of the work (CPU time in ms: {seen:?})",
                run.children.len()
            )
        });
    }
    Ok(())
}
