//! `compare`'s default run: the notes' comparison plus rayon, each variant timed several times
//! (the runs interleaved, so that a burst of other work hits every variant alike), each result
//! checked before its time is printed, then the verdict.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use common::timing::{BUILD, Summary, debug_build_warning, secs};
use indicatif::{ProgressBar, ProgressStyle};
use lesson01_process::machine::available_cpus;

use crate::compare::{Variant, expected, measure, rayon_start_up};
use crate::verdict::{self, decide, load_average, speedup};

/// Each variant's value and median time, its speedup over normal, then the verdict.
pub fn run(n: u64, workers: usize, runs: usize) -> anyhow::Result<ExitCode> {
    expected(n)?; // an n that overflows is refused before anything starts
    println!(
        "compare: 2 × job({n}) four ways with {workers} workers, median of {runs} runs each  (Notes: 多线程多进程效率对比; {BUILD})"
    );
    if let Some(warning) = debug_build_warning() {
        println!("{warning}");
    }
    let mut rounds = Vec::with_capacity(runs);
    let mut total = 0;
    for _ in 0..runs {
        let mut round = Vec::new();
        for variant in Variant::ALL {
            let (checked_total, summary) = measure(variant, n, workers, 1)?;
            total = checked_total;
            round.push((variant, summary.median));
        }
        rounds.push(round);
    }
    let medians: Vec<(Variant, Duration)> = Variant::ALL
        .iter()
        .map(|&variant| {
            let samples = rounds.iter().flatten().filter(|(v, _)| *v == variant);
            let samples = samples.map(|(_, time)| *time).collect();
            (
                variant,
                Summary::of(samples).map_or(Duration::ZERO, |s| s.median),
            )
        })
        .collect();
    for &(variant, median) in &medians {
        println!("{variant}: {total}");
        println!("{variant} time: {}", secs(median));
        if variant != Variant::Normal {
            println!("  {:.2}x normal", speedup(&medians, variant));
        }
    }
    println!(
        "{}",
        crate::sweep::start_up_line(rayon_start_up(workers, runs)?, workers)
    );
    let mut ranked = medians.clone();
    ranked.sort_by_key(|(_, time)| *time);
    let ranking: Vec<String> = ranked
        .iter()
        .map(|&(variant, _)| format!("{variant} {:.2}x", speedup(&medians, variant)))
        .collect();
    println!("measured, fastest first: {}", ranking.join(", "));
    let cpus = available_cpus();
    let decided = decide(&rounds, &medians, workers, cpus, load_average());
    println!("{}", verdict::line(&decided, &medians, n, workers, cpus));
    Ok(ExitCode::SUCCESS)
}

/// A note to print before a sweep's figures when the machine is busy, or `None`.
pub fn busy_note() -> Option<String> {
    let cpus = available_cpus();
    let load = load_average().filter(|load| *load >= cpus as f64)?;
    Some(format!(
        "note: this machine is busy (1-minute load {load:.2} on {cpus} cpus): other programs shape the figures below as much as the variants do; rerun when `uptime` shows a load below {cpus}"
    ))
}

/// `1 run`, `2 runs`: a count and its noun.
pub(crate) fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// The number of timed runs per variant at `n`: more for small, noisy jobs.
pub fn runs_for(n: u64) -> usize {
    match n {
        0..=100_000 => 21,
        100_001..=1_000_000 => 5,
        1_000_001..=10_000_000 => 3,
        _ => 1,
    }
}

pub(crate) fn progress_bar(steps: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(steps as u64);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} measurements {msg}") {
        bar.set_style(style);
    }
    bar
}
