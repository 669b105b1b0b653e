//! What the comparison's figures say about the notes' ranking (processes > threads > normal),
//! and when they say nothing: a verdict is stated only when every run agrees and the machine
//! was not busy. On a busy machine the other work decides which variant wins, and a verdict
//! would name a cause that was never measured.

use std::fmt;
use std::time::Duration;

use crate::compare::Variant;

/// The finding of one set of times (one per variant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finding {
    /// One worker, or one cpu: nothing ran in parallel.
    Serial,
    /// Neither threads nor processes beat normal by 10%.
    NeitherPaysOff,
    /// Threads were at least about as fast as processes: the notes' ranking does not hold.
    ThreadsKeepUp,
    /// Processes were clearly faster than threads.
    ProcessesBeatThreads,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Serial => "nothing in parallel",
            Self::NeitherPaysOff => "neither pays off",
            Self::ThreadsKeepUp => "threads keep up",
            Self::ProcessesBeatThreads => "processes beat threads",
        })
    }
}

/// `variant`'s speedup over normal in `times`: normal's time divided by its own.
pub fn speedup(times: &[(Variant, Duration)], variant: Variant) -> f64 {
    let of = |wanted: Variant| {
        times
            .iter()
            .find(|(variant, _)| *variant == wanted)
            .map(|(_, time)| time.as_secs_f64())
    };
    match (of(Variant::Normal), of(variant)) {
        (Some(normal), Some(time)) => normal / time,
        _ => 1.0,
    }
}

/// What one set of times shows.
pub fn finding(times: &[(Variant, Duration)], workers: usize, cpus: usize) -> Finding {
    let threads = speedup(times, Variant::Multithread);
    let processes = speedup(times, Variant::Multicore);
    if workers == 1 || cpus == 1 {
        Finding::Serial
    } else if threads < 1.1 && processes < 1.1 {
        Finding::NeitherPaysOff
    } else if threads >= processes * 0.9 {
        Finding::ThreadsKeepUp
    } else {
        Finding::ProcessesBeatThreads
    }
}

/// Whether the figures allow a verdict.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Every run, and the medians, found the same.
    Stated(Finding),
    /// The 1-minute load was at least the number of cpus.
    Busy { load: f64, cpus: usize },
    /// The runs found different things.
    RunsDisagree(Vec<Finding>),
}

/// The verdict on `rounds` (each round: one time per variant) and their `medians`, given the
/// machine's 1-minute `load` (`None` where the system does not tell).
pub fn decide(
    rounds: &[Vec<(Variant, Duration)>],
    medians: &[(Variant, Duration)],
    workers: usize,
    cpus: usize,
    load: Option<f64>,
) -> Verdict {
    if let Some(load) = load.filter(|load| *load >= cpus as f64) {
        return Verdict::Busy { load, cpus };
    }
    let median = finding(medians, workers, cpus);
    let each: Vec<Finding> = rounds
        .iter()
        .map(|round| finding(round, workers, cpus))
        .collect();
    if each.iter().all(|found| *found == median) {
        Verdict::Stated(median)
    } else {
        Verdict::RunsDisagree(each)
    }
}

/// The machine's load average over the last minute (`/proc/loadavg`), where the system tells.
pub fn load_average() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// The verdict as one line for the student.
pub fn line(
    verdict: &Verdict,
    medians: &[(Variant, Duration)],
    n: u64,
    workers: usize,
    cpus: usize,
) -> String {
    let rerun = format!(
        "rerun `cargo run --release -p lesson02-queue --bin compare -- --n {n} --workers {workers} --runs 11` when `uptime` shows a load below {cpus}"
    );
    let threads = speedup(medians, Variant::Multithread);
    let processes = speedup(medians, Variant::Multicore);
    match verdict {
        Verdict::Busy { load, cpus } => format!(
            "inconclusive on a busy machine: the 1-minute load is {load:.2} on {cpus} cpus, so other programs decided these times as much as threads and processes did; {rerun}"
        ),
        Verdict::RunsDisagree(each) => {
            let each: Vec<String> = each.iter().map(Finding::to_string).collect();
            format!(
                "inconclusive: the runs disagree ({}); {rerun}",
                each.join(", ")
            )
        }
        Verdict::Stated(Finding::Serial) => format!(
            "with {workers} worker(s) on {cpus} available cpu(s) nothing runs in parallel, so no variant can beat normal by much"
        ),
        Verdict::Stated(Finding::NeitherPaysOff) => format!(
            "at n = {n} neither threads nor processes pay off in any run: starting them costs as much as the work itself, or more (the notes' 学习总结 point; see --sweep for where that changes)"
        ),
        Verdict::Stated(Finding::ThreadsKeepUp) => {
            let how = if threads > processes * 1.1 {
                "faster than"
            } else {
                "as fast as"
            };
            format!(
                "the notes' ranking (processes > threads > normal) does not hold here: with no GIL, threads ran job in parallel and were {how} processes, which also pay for fork() and a pipe"
            )
        }
        Verdict::Stated(Finding::ProcessesBeatThreads) => format!(
            "processes beat threads in every run ({processes:.2}x against {threads:.2}x): with no GIL that is not the notes' reason; try a larger --n to see whether it holds"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(normal: u64, threads: u64, processes: u64) -> Vec<(Variant, Duration)> {
        vec![
            (Variant::Normal, Duration::from_millis(normal)),
            (Variant::Multithread, Duration::from_millis(threads)),
            (Variant::Multicore, Duration::from_millis(processes)),
        ]
    }

    #[test]
    fn agreeing_runs_on_an_idle_machine_give_a_verdict() {
        let rounds = vec![times(100, 52, 70), times(100, 55, 72), times(100, 51, 69)];
        let verdict = decide(&rounds, &times(100, 52, 70), 2, 2, Some(0.3));
        assert_eq!(verdict, Verdict::Stated(Finding::ThreadsKeepUp));
        let line = line(&verdict, &times(100, 52, 70), 1_000_000, 2, 2);
        assert!(line.contains("does not hold"), "{line}");
    }

    #[test]
    fn disagreeing_runs_are_inconclusive() {
        let rounds = vec![times(100, 52, 70), times(100, 90, 55)];
        let verdict = decide(&rounds, &times(100, 70, 62), 2, 2, Some(0.3));
        assert_eq!(
            verdict,
            Verdict::RunsDisagree(vec![Finding::ThreadsKeepUp, Finding::ProcessesBeatThreads])
        );
        let line = line(&verdict, &times(100, 70, 62), 1_000_000, 2, 2);
        assert!(
            line.starts_with("inconclusive: the runs disagree"),
            "{line}"
        );
    }

    #[test]
    fn a_busy_machine_is_inconclusive_even_when_the_runs_agree() {
        let rounds = vec![times(100, 100, 69), times(100, 100, 70)];
        let verdict = decide(&rounds, &times(100, 100, 70), 8, 2, Some(2.0));
        assert_eq!(verdict, Verdict::Busy { load: 2.0, cpus: 2 });
        let line = line(&verdict, &times(100, 100, 70), 1_000_000, 8, 2);
        assert!(line.starts_with("inconclusive on a busy machine"), "{line}");
        assert!(line.contains("--workers 8"), "how to rerun: {line}");
    }

    #[test]
    fn an_unknown_load_does_not_block_a_verdict() {
        let rounds = vec![times(100, 100, 100)];
        let verdict = decide(&rounds, &times(100, 100, 100), 2, 2, None);
        assert_eq!(verdict, Verdict::Stated(Finding::NeitherPaysOff));
    }

    #[test]
    fn one_worker_runs_nothing_in_parallel() {
        let rounds = vec![times(100, 101, 120)];
        let verdict = decide(&rounds, &times(100, 101, 120), 1, 2, Some(0.1));
        assert_eq!(verdict, Verdict::Stated(Finding::Serial));
    }
}
