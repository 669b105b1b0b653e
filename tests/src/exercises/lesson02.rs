//! Lesson 2's exercises: sharing work through the queue, and the join-before-get deadlock.

use std::time::Duration;

use common::job_closed_form;

use super::{Cheat, Exercise, Inputs, Plan, Random, Run, Verdict, Watch, lines_after, succeeded};

/// A pipe holds 64 KiB on Linux: every payload the checker chooses is well over it, so a
/// worker's `put` cannot finish before someone reads.
const PAYLOAD_BYTES: (u64, u64) = (100_000, 300_000);

/// Each split-job worker's share of the loop: enough to cost a debug build 100 to 150 ms of
/// CPU (about 18 ns an i), so that the checker, looking every 2 ms, sees each worker at work.
const SHARE: (u64, u64) = (6_000_000, 8_000_000);

/// The least CPU time a split-job worker must be seen to use: a fraction of what its share
/// costs (100 ms or more in a debug build, room for a faster machine and for the 10 ms ticks
/// the kernel counts in), and more than a worker that skips the loop shows (0 or 10 ms).
const WORKER_CPU: Duration = Duration::from_millis(30);

pub fn exercises() -> Vec<Exercise> {
    vec![
        Exercise {
            id: "lesson02/drain-first",
            lesson: "lesson02-queue",
            title: "Fix the deadlock: get before join",
            notes: "Queue进程输出",
            difficulty: "easy",
            minutes: 10,
            timeout: Duration::from_secs(5),
            hints: &[
                "Run it: it hangs. Which call is the parent stuck in, and what is each worker stuck in?",
                "A worker's result is more than the pipe holds, so its put() waits until someone reads, and a worker still in put() cannot exit. Who reads, and when?",
                "Move the loop that calls `results.get()` above the loop that calls `worker.wait()`; keep both, and keep the payload as it is.",
            ],
            plan: plan_drain_first,
            check: check_drain_first,
            cheats: &[
                Cheat {
                    name: "printing",
                    rejected_with: "was never a child process of your program",
                },
                Cheat {
                    name: "small-payload",
                    rejected_with: "a result that fits in the pipe",
                },
                Cheat {
                    name: "no-join",
                    rejected_with: "join every worker",
                },
            ],
        },
        Exercise {
            id: "lesson02/split-job",
            lesson: "lesson02-queue",
            title: "Split job(n) across W worker processes",
            notes: "Queue进程输出, 多线程多进程效率对比",
            difficulty: "medium",
            minutes: 25,
            // Room for a machine loaded many times over: the whole job is about half a second
            // of CPU, and the one-process cheat must reach its verdict, not the timeout.
            timeout: Duration::from_secs(60),
            hints: &[
                "Give worker w the i from w·n/W up to (w+1)·n/W: the shares then cover 0..n with no gap and no overlap, for any W, and differ in size by one at most.",
                "Start every worker before the parent gets anything. In the worker's closure, `common::job_range(range)` runs the loop over its share; the worker prints its line and puts its sum on the queue; the parent gets W sums and adds them up.",
                "share: `w * n / workers..(w + 1) * n / workers`. start_worker: `fork_child(move || { let sum = job_range(range.clone()).expect(\"fits\"); println!(...); i32::from(queue.put(&sum).is_err()) })`.",
            ],
            plan: plan_split_job,
            check: check_split_job,
            cheats: &[
                Cheat {
                    name: "printing",
                    rejected_with: "never seen as a child process",
                },
                Cheat {
                    name: "one-process",
                    rejected_with: "must run in its worker process",
                },
                Cheat {
                    name: "closed-form",
                    rejected_with: "the loop over its share",
                },
                Cheat {
                    name: "one-at-a-time",
                    rejected_with: "alive at the same time",
                },
            ],
        },
    ]
}

/// 2 to 4 workers, each sending more than a pipe holds after sleeping long enough for the
/// checker to see it.
fn plan_drain_first(random: &mut Random) -> Plan {
    Plan {
        inputs: Inputs::default()
            .with("workers", random.between(2, 4))
            .with("payload", random.between(PAYLOAD_BYTES.0, PAYLOAD_BYTES.1))
            .with("sleep_ms", random.between(300, 500)),
        watch: Watch::Children,
    }
}

/// One `got <payload> bytes from worker <w>` per worker, in any order; then, in order,
/// `joined worker <w>: pid <pid>, exit code 0`, where every pid is a different child the
/// checker saw. A program that joined before reading never gets here: it times out.
fn check_drain_first(run: &Run) -> Verdict {
    succeeded(run)?;
    let workers: usize = run.inputs.num("workers");
    let payload: usize = run.inputs.num("payload");
    let got = lines_after(run, "got ");
    if got.len() != workers {
        return Err(format!(
            "the parent should print {workers} `got <bytes> bytes from worker <w>` lines, one per worker (workers={workers}), it printed {}",
            got.len()
        ));
    }
    let mut from_each = vec![false; workers];
    for line in got {
        let (bytes, w) = line
            .split_once(" bytes from worker ")
            .and_then(|(bytes, w)| Some((bytes.parse::<usize>().ok()?, w.parse::<usize>().ok()?)))
            .ok_or_else(|| {
                format!("a result line should read `got <bytes> bytes from worker <w>`, not `got {line}`")
            })?;
        let seen = from_each.get_mut(w).ok_or_else(|| {
            format!(
                "there are workers 0 to {}, but a result came from worker {w}",
                workers - 1
            )
        })?;
        if std::mem::replace(seen, true) {
            return Err(format!("two results came from worker {w}"));
        }
        if bytes != payload {
            return Err(format!(
                "worker {w}'s result should be {payload} bytes (the input `payload`), the parent got {bytes}: a result that fits in the pipe never shows the deadlock, so keep the payload and change the order"
            ));
        }
    }
    let joined = lines_after(run, "joined worker ");
    if joined.len() != workers {
        return Err(format!(
            "the parent should print {workers} `joined worker <w>: pid <pid>, <how it ended>` lines, it printed {}: get every result first, then join every worker",
            joined.len()
        ));
    }
    let mut pids = Vec::new();
    for (w, line) in joined.iter().enumerate() {
        let (pid, ended) = line
            .strip_prefix(&format!("{w}: pid "))
            .and_then(|rest| rest.split_once(", "))
            .ok_or_else(|| {
                format!("expected `joined worker {w}: pid <pid>, <how it ended>`, got `joined worker {line}`")
            })?;
        let pid: u32 = pid
            .parse()
            .map_err(|_| format!("`{pid}` in `joined worker {line}` is not a pid"))?;
        if !run.children.contains(&pid) {
            return Err(format!(
                "pid {pid} was never a child process of your program: the checker looked at its children while they slept"
            ));
        }
        if pids.contains(&pid) {
            return Err(format!(
                "pid {pid} is reported for two workers: join every worker, each is its own process"
            ));
        }
        pids.push(pid);
        if ended != "exit code 0" {
            return Err(format!(
                "worker {w} (pid {pid}) ended with `{ended}`: each worker should put its result and exit with code 0; get every result first, then join every worker"
            ));
        }
    }
    Ok(format!(
        "{workers} results of {payload} bytes were read before join(), so nothing waited for ever"
    ))
}

/// 2 to 4 workers, each with a share of 6 to 8 million i.
fn plan_split_job(random: &mut Random) -> Plan {
    let workers = random.between(2, 4);
    Plan {
        inputs: Inputs::default()
            .with("n", random.between(workers * SHARE.0, workers * SHARE.1))
            .with("workers", workers),
        watch: Watch::Children,
    }
}

/// `job_range(a..b)`, from the closed form.
fn job_between(start: u64, end: u64) -> Option<u128> {
    job_closed_form(end)?.checked_sub(job_closed_form(start)?)
}

/// Worker lines `worker <w>: pid <p>, i in <a>..<b>, sum <s>` in any order: one per worker,
/// the ranges tile 0..n in near-equal shares, each sum is right for its range, the total is
/// job(n). Each pid is a child the checker saw run its share (its CPU time, not the
/// parent's), and all the workers were alive at the same time.
fn check_split_job(run: &Run) -> Verdict {
    succeeded(run)?;
    let n: u64 = run.inputs.num("n");
    let workers: u64 = run.inputs.num("workers");
    let mut shares = Vec::new();
    for line in lines_after(run, "worker ") {
        let parsed = parse_worker_line(line)
            .ok_or_else(|| format!("a worker line should read `worker <w>: pid <p>, i in <a>..<b>, sum <s>`, not `worker {line}`"))?;
        shares.push(parsed);
    }
    if shares.len() as u64 != workers {
        return Err(format!(
            "expected {workers} worker lines (workers={workers}), got {}",
            shares.len()
        ));
    }
    let mut numbers: Vec<u64> = shares.iter().map(|share| share.w).collect();
    numbers.sort_unstable();
    if numbers != (0..workers).collect::<Vec<_>>() {
        return Err(format!(
            "the workers should be numbered 0 to {}, each once; the lines say {numbers:?}",
            workers - 1
        ));
    }
    shares.sort_by_key(|share| share.start);
    let mut next = 0;
    for share in &shares {
        if share.start != next {
            return Err(format!(
                "the shares should cover 0..{n} with no gap or overlap, but one starts at {} where {next} was expected",
                share.start
            ));
        }
        let size = share.end.saturating_sub(share.start);
        if size < n / workers || size > n.div_ceil(workers) {
            return Err(format!(
                "worker {} has {size} i ({}..{}): the shares should be as equal as possible, {} or {} each",
                share.w,
                share.start,
                share.end,
                n / workers,
                n.div_ceil(workers)
            ));
        }
        next = share.end;
    }
    if next != n {
        return Err(format!(
            "the shares should end at n = {n}, they end at {next}"
        ));
    }
    for share in &shares {
        let expected = job_between(share.start, share.end).unwrap_or_default();
        if share.sum != expected {
            return Err(format!(
                "worker {}'s sum over {}..{} should be {expected}, it printed {}",
                share.w, share.start, share.end, share.sum
            ));
        }
    }
    let total_line = lines_after(run, "total: ");
    let [total] = total_line.as_slice() else {
        return Err("the parent should print one line `total: <sum>`".into());
    };
    let total: u128 = total
        .parse()
        .map_err(|_| format!("`total: {total}` is not a number"))?;
    let job = job_closed_form(n).unwrap_or_default();
    if total != job {
        return Err(format!("job({n}) is {job}, the total printed is {total}"));
    }
    let mut pids = Vec::new();
    for share in &shares {
        let Some(index) = run.children.iter().position(|child| *child == share.pid) else {
            return Err(format!(
                "pid {} (worker {}) was never seen as a child process of your program: the checker looks at the workers from outside while each runs the loop over its share (100 ms of CPU or more: a worker that skips the loop is gone before it can be seen)",
                share.pid, share.w
            ));
        };
        if pids.contains(&share.pid) {
            return Err(format!(
                "pid {} is reported for two workers: each worker is its own process",
                share.pid
            ));
        }
        pids.push(share.pid);
        let cpu = run.child_cpu.get(index).copied().unwrap_or_default();
        if cpu < WORKER_CPU || cpu <= run.program_cpu {
            return Err(format!(
                "worker {} (pid {}) was seen to use {} ms of CPU, the parent {} ms: the loop over its share must run in its worker process (with `common::job_range`), and the checker expects at least {} ms of CPU from each worker",
                share.w,
                share.pid,
                cpu.as_millis(),
                run.program_cpu.as_millis(),
                WORKER_CPU.as_millis()
            ));
        }
    }
    if (run.most_children_at_once as u64) < workers {
        return Err(format!(
            "the checker saw at most {} of your {workers} workers alive at the same time: start them all before the parent gets or joins any",
            run.most_children_at_once
        ));
    }
    Ok(format!(
        "{workers} processes, alive at the same time, each ran the loop over its share of 0..{n}, and the queue brought back job({n})"
    ))
}

/// One worker's line.
#[derive(Debug)]
struct Share {
    w: u64,
    pid: u32,
    start: u64,
    end: u64,
    sum: u128,
}

fn parse_worker_line(line: &str) -> Option<Share> {
    let (w, rest) = line.split_once(": pid ")?;
    let (pid, rest) = rest.split_once(", i in ")?;
    let (range, sum) = rest.split_once(", sum ")?;
    let (start, end) = range.split_once("..")?;
    Some(Share {
        w: w.parse().ok()?,
        pid: pid.parse().ok()?,
        start: start.parse().ok()?,
        end: end.parse().ok()?,
        sum: sum.parse().ok()?,
    })
}
