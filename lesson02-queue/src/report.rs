//! The `compare` program: what it prints for one run, for a sweep over n, for a sweep over
//! the number of workers, and beside CPython.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use common::python;
use common::sweep::{Baseline, Column, workers_sweep};
use common::timing::{BUILD, debug_build_warning, human, secs};
use indicatif::{ProgressBar, ProgressStyle};
use lesson01_process::machine::available_cpus;

use crate::compare::{Variant, expected, measure};
use crate::plot;

/// The notes' program, plus rayon: each variant's value and time, then the verdict.
pub fn run(n: u64, workers: usize, runs: usize, plain: bool) -> anyhow::Result<ExitCode> {
    expected(n)?; // an n that overflows is refused before anything starts
    if !plain {
        println!(
            "compare: 2 × job({n}) four ways with {workers} workers, median of {runs} runs each  (Notes: 多线程多进程效率对比; {BUILD})"
        );
        if let Some(warning) = debug_build_warning() {
            println!("{warning}");
        }
    }
    let variants: &[Variant] = if plain {
        &Variant::NOTES
    } else {
        &Variant::ALL
    };
    let mut medians = Vec::new();
    for &variant in variants {
        let (total, summary) = measure(variant, n, workers, runs)?;
        let median = summary.median;
        println!("{variant}: {total}");
        println!("{variant} time: {}", secs(median));
        if !plain && variant != Variant::Normal {
            println!("  {:.2}x normal", speedup(&medians, median));
        }
        medians.push((variant, median));
    }
    if !plain {
        for line in verdict(&medians, n, workers) {
            println!("{line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn speedup(medians: &[(Variant, Duration)], time: Duration) -> f64 {
    let normal = medians
        .iter()
        .find(|(variant, _)| *variant == Variant::Normal)
        .map_or(time, |(_, normal)| *normal);
    normal.as_secs_f64() / time.as_secs_f64()
}

/// What the figures just measured say about the notes' ranking (processes > threads > normal).
pub fn verdict(medians: &[(Variant, Duration)], n: u64, workers: usize) -> Vec<String> {
    let mut ranked = medians.to_vec();
    ranked.sort_by_key(|(_, time)| *time);
    let ranking: Vec<String> = ranked
        .iter()
        .map(|(variant, time)| format!("{variant} {:.2}x", speedup(medians, *time)))
        .collect();
    let mut lines = vec![format!("measured, fastest first: {}", ranking.join(", "))];
    let of = |wanted: Variant| {
        medians
            .iter()
            .find(|(variant, _)| *variant == wanted)
            .map_or(1.0, |(_, time)| speedup(medians, *time))
    };
    let (threads, processes) = (of(Variant::Multithread), of(Variant::Multicore));
    let cpus = available_cpus();
    lines.push(if workers == 1 || cpus == 1 {
        format!("with {workers} worker(s) on {cpus} available cpu(s) nothing runs in parallel, so no variant can beat normal by much")
    } else if threads < 1.1 && processes < 1.1 {
        format!("at n = {n} neither threads nor processes pay off: starting them costs as much as the work itself, or more (the notes' 学习总结 point; see --sweep for where that changes)")
    } else if threads >= processes * 0.9 {
        let how = if threads > processes * 1.1 { "faster than" } else { "as fast as" };
        format!("the notes' ranking (processes > threads > normal) does not hold here: with no GIL, threads ran job in parallel and were {how} processes, which also pay for fork() and a pipe")
    } else {
        format!("processes beat threads here ({processes:.2}x against {threads:.2}x): with no GIL that is not the notes' reason; run it again, or with a larger --n, to see whether it holds")
    });
    lines
}

/// `1 run`, `2 runs`: a count and its noun.
fn plural(count: usize, one: &str, many: &str) -> String {
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

fn progress_bar(steps: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(steps as u64);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} measurements {msg}") {
        bar.set_style(style);
    }
    bar
}

/// One row of the n sweep: `n` and each variant's median time.
pub type SweepRow = (u64, Vec<(Variant, Duration)>);

/// Times every variant for n = 10², 10³, ... 10^max_exponent and says from which n threads
/// and processes start to pay off.
pub fn sweep(
    max_exponent: u32,
    workers: usize,
    plot_to: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    println!(
        "sweep: 2 × job(n) four ways with {workers} workers; median time and speedup over normal  ({BUILD})"
    );
    if let Some(warning) = debug_build_warning() {
        println!("{warning}");
    }
    let sizes: Vec<u64> = (2..=max_exponent)
        .map(|exponent| 10u64.pow(exponent))
        .collect();
    let bar = progress_bar(sizes.len() * Variant::ALL.len());
    let mut rows: Vec<SweepRow> = Vec::new();
    for &n in &sizes {
        let mut medians = Vec::new();
        for variant in Variant::ALL {
            bar.set_message(format!("n = {n}, {variant}"));
            medians.push((variant, measure(variant, n, workers, runs_for(n))?.1.median));
            bar.inc(1);
        }
        rows.push((n, medians));
    }
    bar.finish_and_clear();
    print!("{}", sweep_table(&rows));
    for line in pays_off(&rows) {
        println!("{line}");
    }
    if let Some(path) = plot_to {
        plot::draw(path, &rows, workers)?;
        println!("plot written to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn sweep_table(rows: &[SweepRow]) -> String {
    let mut out = format!("{:>11}", "n");
    for variant in Variant::ALL {
        out += &format!("  {:>20}", variant.name());
    }
    out.push('\n');
    for (n, medians) in rows {
        out += &format!("{n:>11}");
        for (_, time) in medians {
            let cell = format!("{:>9} {:>5.2}x", human(*time), speedup(medians, *time));
            out += &format!("  {cell:>20}");
        }
        out.push('\n');
    }
    out
}

/// For each parallel variant: the smallest n from which it beats normal at every larger n.
pub fn pays_off(rows: &[SweepRow]) -> Vec<String> {
    let mut lines = Vec::new();
    for variant in [Variant::Multithread, Variant::Multicore, Variant::Rayon] {
        let faster = |(_, medians): &SweepRow| {
            let time = medians.iter().find(|(v, _)| *v == variant).map(|(_, t)| *t);
            time.is_some_and(|time| speedup(medians, time) > 1.0)
        };
        // Walk back from the largest n while the variant stays faster.
        let from = rows
            .iter()
            .rev()
            .take_while(|row| faster(row))
            .last()
            .map(|(n, _)| *n);
        lines.push(match from {
            Some(n) if n == rows[0].0 => format!("{variant} beats normal at every n of the sweep, from n = {n}"),
            Some(n) => format!("{variant} pays off from n = {n}: below that, starting the workers costs more than the work they share"),
            None => format!("{variant} never pays off in this sweep"),
        });
    }
    lines
}

/// Speedup over normal for 1 ... 2 × cpus workers, naming the best count for each variant.
pub fn sweep_workers(n: u64, runs: usize) -> anyhow::Result<ExitCode> {
    let cpus = available_cpus();
    println!(
        "workers sweep: 2 × job({n}) with 1 to {} workers; median of {runs} runs; speedup over normal  ({BUILD}; {cpus} cpus available)",
        2 * cpus
    );
    if let Some(warning) = debug_build_warning() {
        println!("{warning}");
    }
    let normal = measure(Variant::Normal, n, 1, runs)?.1.median;
    println!("normal: {}", human(normal));
    let parallel = [Variant::Multithread, Variant::Multicore, Variant::Rayon];
    let columns = parallel
        .iter()
        .map(|&variant| Column {
            name: variant.name().to_string(),
            measure: Box::new(move |workers| Ok(measure(variant, n, workers, runs)?.1.median)),
        })
        .collect();
    let bar = progress_bar(2 * cpus * parallel.len());
    let result = workers_sweep(1..=2 * cpus, columns, Baseline::Fixed(normal), || {
        bar.inc(1)
    })?;
    bar.finish_and_clear();
    print!("{}", result.table());
    let mut more_than_cores = Vec::new();
    for (column, variant) in parallel.iter().enumerate() {
        let best = result.best(column);
        let row = result.workers.iter().position(|w| *w == best).unwrap_or(0);
        let speedup = result.speedup(column, row);
        if speedup < 1.0 {
            println!(
                "{variant}: no number of workers beats normal at n = {n} ({best} did best, {speedup:.2}x): the job is too small to share"
            );
        } else {
            println!(
                "best for {variant}: {} ({speedup:.2}x normal)",
                plural(best, "worker", "workers")
            );
        }
        if best > cpus && speedup >= 1.0 {
            more_than_cores.push(format!("{variant} ({best})"));
        }
    }
    if more_than_cores.is_empty() {
        println!(
            "no variant did best with more workers than the {cpus} cores: for a CPU-bound job, extra workers only take turns on the same cores (the notes' 其他思考 1)"
        );
    } else {
        println!(
            "did best with more workers than the {cpus} cores: {}; for a CPU-bound job that is usually noise (or hyper-threads): run it again",
            more_than_cores.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The same comparison in CPython (the project's `python/compare.py`), side by side: each
/// variant's time in both, and how many times faster Rust was.
pub fn with_python(n: u64, workers: usize, runs: usize) -> anyhow::Result<ExitCode> {
    if let Some(warning) = debug_build_warning() {
        println!("{warning}");
    }
    let mut rust = Vec::new();
    for variant in Variant::ALL {
        rust.push((variant, measure(variant, n, workers, runs)?.1.median));
    }
    let script = crate::python_dir().join("compare.py");
    let args = [
        "--n".to_string(),
        n.to_string(),
        "--workers".into(),
        workers.to_string(),
    ];
    println!("running python3 lesson02-queue/python/compare.py ...");
    let cpython = python::run_script(&script, &args)?;
    let version = cpython
        .as_ref()
        .map_or("CPython", |output| output.version.as_str());
    println!(
        "2 × job({n}) with {}; Rust: median of {} ({BUILD}); {version}: one run",
        plural(workers, "worker", "workers"),
        plural(runs, "run", "runs")
    );
    println!(
        "{:>12}  {:>14}  {:>14}  {:>17}",
        "variant", "Rust (s)", "CPython (s)", "Rust is faster by"
    );
    for (variant, time) in rust {
        let rust_secs = time.as_secs_f64();
        let label = format!("{variant} time");
        // rayon has no CPython counterpart; a missing python3 leaves that column empty.
        let cpython_secs = cpython
            .as_ref()
            .and_then(|output| python::figure(&output.stdout, &label));
        match cpython_secs {
            Some(secs) => println!(
                "{:>12}  {rust_secs:>14.6}  {secs:>14.6}  {:>16.0}x",
                variant.name(),
                secs / rust_secs
            ),
            None => println!(
                "{:>12}  {rust_secs:>14.6}  {:>14}  {:>17}",
                variant.name(),
                "-",
                "-"
            ),
        }
    }
    if cpython.is_none() {
        println!("python3 is not on the PATH: the CPython column is empty");
    }
    Ok(ExitCode::SUCCESS)
}
