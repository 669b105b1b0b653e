//! `compare --workers-sweep`: the speedup for 1 ... 2 × cpus workers, and the best count for
//! each variant (the notes' 其他思考 1: how many processes should you use?).

use std::process::ExitCode;

use common::sweep::{Baseline, Column, workers_sweep};
use common::timing::{BUILD, debug_build_warning, human};
use lesson01_process::machine::available_cpus;

use crate::compare::{Variant, measure};
use crate::report::{busy_note, plural, progress_bar};

/// Speedup over normal for 1 ... 2 × cpus workers, naming the best count for each variant.
pub fn run(n: u64, runs: usize) -> anyhow::Result<ExitCode> {
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
    if let Some(note) = busy_note() {
        println!("{note}");
    }
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
