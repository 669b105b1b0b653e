//! `compare --sweep`: every variant timed for n = 10², 10³, ... and from which n threads and
//! processes start to pay off; `--plot` draws it (see `plot`).

use std::process::ExitCode;
use std::time::Duration;

use common::timing::{BUILD, debug_build_warning, human};

use crate::compare::{Variant, measure, rayon_start_up};
use crate::plot::{self, PlotFile};
use crate::report::{busy_note, progress_bar, runs_for};
use crate::verdict::speedup;

/// One row of the n sweep: `n` and each variant's median time.
pub type SweepRow = (u64, Vec<(Variant, Duration)>);

/// Times every variant for n = 10², 10³, ... 10^max_exponent and says from which n threads
/// and processes start to pay off.
pub fn run(
    max_exponent: u32,
    workers: usize,
    plot_to: Option<PlotFile>,
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
    let start_up = rayon_start_up(workers, runs_for(sizes[0]))?;
    bar.finish_and_clear();
    print!("{}", sweep_table(&rows));
    println!("{}", start_up_line(start_up, workers));
    if let Some(note) = busy_note() {
        println!("{note}");
    }
    for line in pays_off(&rows) {
        println!("{line}");
    }
    if let Some(mut file) = plot_to {
        plot::draw(&mut file, &rows, workers)?;
        println!("plot written to {}", file.path().display());
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
        for &(variant, time) in medians {
            let cell = format!("{:>9} {:>5.2}x", human(time), speedup(medians, variant));
            out += &format!("  {cell:>20}");
        }
        out.push('\n');
    }
    out
}

/// The rayon pool's start-up cost, on its own line: the rayon column does not include it.
pub fn start_up_line(start_up: Duration, workers: usize) -> String {
    format!(
        "rayon pool start-up: {}  (a pool of {workers} threads built until each has run once; median; {BUILD}): a program pays it once; each rayon time above is one job on a pool already running",
        human(start_up)
    )
}

/// For each parallel variant: the smallest n from which it beats normal at every larger n.
pub fn pays_off(rows: &[SweepRow]) -> Vec<String> {
    let mut lines = Vec::new();
    for variant in [Variant::Multithread, Variant::Multicore, Variant::Rayon] {
        let faster = |(_, medians): &SweepRow| {
            medians.iter().any(|(v, _)| *v == variant) && speedup(medians, variant) > 1.0
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
            Some(n) if variant == Variant::Rayon => format!("{variant} pays off from n = {n}: below that, handing the job to the pool's threads and collecting their shares costs more than the work they share"),
            Some(n) => format!("{variant} pays off from n = {n}: below that, starting the workers costs more than the work they share"),
            None => format!("{variant} never pays off in this sweep"),
        });
    }
    lines
}
