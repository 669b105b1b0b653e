//! Lesson 2's exercises: sharing work through the queue, and the join-before-get deadlock.

use std::time::Duration;

use super::{Exercise, Run, Verdict, lines_after, no_inputs, succeeded};

/// `job(1_000_000)`, the total the split-job exercise must reach.
const JOB_MILLION: u128 = 249_999_833_333_583_333_000_000;

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
                "A worker's 100 000 bytes do not fit in the pipe, so its put() waits until someone reads. Who reads, and when?",
                "Move the loop that calls `results.get()` above the loop that calls `worker.wait()`.",
            ],
            plan: no_inputs,
            check: check_drain_first,
            cheats: &[],
        },
        Exercise {
            id: "lesson02/split-job",
            lesson: "lesson02-queue",
            title: "Split job(n) across W worker processes",
            notes: "Queue进程输出, 多线程多进程效率对比",
            difficulty: "medium",
            minutes: 25,
            timeout: Duration::from_secs(30),
            hints: &[
                "Give worker w the i from w·n/W up to (w+1)·n/W: the shares then cover 0..n with no gap and no overlap, for any W.",
                "`common::job_range(range)` sums over one share. A worker puts its sum on the queue; the parent gets W sums and adds them up.",
                "share: `w * n / workers..(w + 1) * n / workers`. start_worker: `fork_child(move || { let sum = job_range(range.clone()).expect(\"fits\"); println!(...); i32::from(queue.put(&sum).is_err()) })`.",
            ],
            plan: no_inputs,
            check: check_split_job,
            cheats: &[],
        },
    ]
}

fn check_drain_first(run: &Run) -> Verdict {
    succeeded(run)?;
    if !run.stdout.contains("got 2 results of 100000 bytes") {
        return Err(format!(
            "expected `got 2 results of 100000 bytes`, the program printed {:?}",
            run.stdout
        ));
    }
    if lines_after(run, "joined worker ").len() != 2 {
        return Err("both workers should be joined after their results were read".into());
    }
    Ok("every result was read before join(), so nothing waited for ever".into())
}

/// Worker lines `worker <w>: pid <p>, i in <a>..<b>, sum <s>` in any order: the ranges tile
/// 0..1000000, the pids differ, the sums add up to the printed total, which is job(10^6).
fn check_split_job(run: &Run) -> Verdict {
    succeeded(run)?;
    let mut shares = Vec::new();
    for line in lines_after(run, "worker ") {
        let parsed = parse_worker_line(line)
            .ok_or_else(|| format!("a worker line should read `worker <w>: pid <p>, i in <a>..<b>, sum <s>`, not `worker {line}`"))?;
        shares.push(parsed);
    }
    if shares.len() != 3 {
        return Err(format!(
            "expected 3 worker lines (W = 3), got {}",
            shares.len()
        ));
    }
    shares.sort_by_key(|share| share.1);
    let mut next = 0;
    for (_, start, end, _) in &shares {
        if *start != next {
            return Err(format!(
                "the shares should cover 0..1000000 with no gap or overlap, but one starts at {start} where {next} was expected"
            ));
        }
        next = *end;
    }
    if next != 1_000_000 {
        return Err(format!(
            "the shares should end at 1000000, they end at {next}"
        ));
    }
    let mut pids: Vec<&str> = shares.iter().map(|share| share.0).collect();
    pids.sort_unstable();
    pids.dedup();
    if pids.len() != 3 {
        return Err("each worker should be its own process (three different pids)".into());
    }
    let total_line = lines_after(run, "total: ");
    let [total] = total_line.as_slice() else {
        return Err("the parent should print one line `total: <sum>`".into());
    };
    let total: u128 = total
        .parse()
        .map_err(|_| format!("`total: {total}` is not a number"))?;
    let summed: u128 = shares.iter().map(|share| share.3).sum();
    if total != summed {
        return Err(format!(
            "the workers' sums add up to {summed}, but the total printed is {total}"
        ));
    }
    if total != JOB_MILLION {
        return Err(format!(
            "job(1000000) is {JOB_MILLION}, the total printed is {total}"
        ));
    }
    Ok("three processes shared 0..1000000 exactly and the queue brought back job(1000000)".into())
}

fn parse_worker_line(line: &str) -> Option<(&str, u64, u64, u128)> {
    let (_, rest) = line.split_once(": pid ")?;
    let (pid, rest) = rest.split_once(", i in ")?;
    let (range, sum) = rest.split_once(", sum ")?;
    let (start, end) = range.split_once("..")?;
    Some((
        pid,
        start.parse().ok()?,
        end.parse().ok()?,
        sum.parse().ok()?,
    ))
}
