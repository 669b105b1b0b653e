//! The notes' efficiency comparison: normal, threads and processes (and rayon) on the same
//! job, each timed after its result is checked; then what the figures say. `--plain` runs the
//! notes' program (`src/notes.rs`) and nothing else.
//!
//! Notes: 多线程多进程效率对比 and 学习总结. Run it with `--release`: a debug build's times
//! mean little.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use common::cli::{exit_code, parse_args};
use lesson02_queue::compare::{expected, max_n};
use lesson02_queue::plot::PlotFile;
use lesson02_queue::{notes, report, sweep, with_python, workers_sweep};

/// Compute 2 × job(n) normally, with threads, with processes and with rayon, and time each.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Run the notes' program as it is: its six lines (normal, multithread, multicore: value and time)
    #[arg(long, conflicts_with_all = ["sweep", "workers_sweep", "python", "n", "workers", "runs"])]
    plain: bool,

    /// The loop length: each variant computes 2 × job(N)
    #[arg(long, value_name = "N", default_value_t = 1_000_000, value_parser = parse_n)]
    n: u64,

    /// Workers (threads or processes) per parallel variant
    #[arg(long, value_name = "W", default_value_t = 2,
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    workers: u16,

    /// Timed runs per variant; the median is printed
    #[arg(long, value_name = "R", default_value_t = 5,
          value_parser = clap::value_parser!(u16).range(1..=1000))]
    runs: u16,

    /// Time every variant for n = 10^2, 10^3, ... 10^8 and say where parallel work pays off
    #[arg(long, conflicts_with_all = ["workers_sweep", "python", "n", "runs"])]
    sweep: bool,

    /// With --sweep: the largest n is 10^EXP
    #[arg(long, value_name = "EXP", default_value_t = 8, requires = "sweep",
          value_parser = clap::value_parser!(u32).range(2..=9))]
    sweep_max: u32,

    /// With --sweep: draw the sweep as a log-log SVG chart
    #[arg(long, value_name = "FILE.svg", requires = "sweep", value_parser = parse_svg_path)]
    plot: Option<PathBuf>,

    /// Speedup for 1 ... 2 × cpus workers at this n, and the best number of workers
    #[arg(long, conflicts_with_all = ["python", "workers"])]
    workers_sweep: bool,

    /// Run the same comparison in CPython and print both side by side
    #[arg(long)]
    python: bool,
}

fn parse_n(text: &str) -> Result<u64, String> {
    let n: u64 = text.parse().map_err(|err| format!("{err}"))?;
    expected(n).map_err(|_| {
        format!("2 × job({n}) does not fit in a u128 (Python's int would grow; ours would overflow): n must be at most {}", max_n())
    })?;
    Ok(n)
}

/// The plot's path, checked before the sweep runs: an SVG file in a folder that exists.
fn parse_svg_path(text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    if path.extension().is_none_or(|extension| extension != "svg") {
        return Err("the plot is an SVG file: give a name ending in .svg".to_string());
    }
    let folder = path
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty());
    if folder.is_some_and(|folder| !folder.is_dir()) {
        return Err("its folder does not exist".to_string());
    }
    Ok(path)
}

fn main() -> ExitCode {
    let args: Args = parse_args();
    let (n, workers, runs) = (args.n, usize::from(args.workers), usize::from(args.runs));
    // Opened now: a path that cannot be written is refused before minutes of measuring.
    let plot = match args.plot.as_deref().map(PlotFile::create).transpose() {
        Ok(plot) => plot,
        Err(err) => {
            eprintln!("error: {err:#}");
            return ExitCode::from(2);
        }
    };
    exit_code(if args.plain {
        notes::compare_program::main().map(|()| ExitCode::SUCCESS)
    } else if args.sweep {
        sweep::run(args.sweep_max, workers, plot)
    } else if args.workers_sweep {
        workers_sweep::run(n, runs)
    } else if args.python {
        with_python::run(n, workers, runs)
    } else {
        report::run(n, workers, runs)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_consistent() {
        use clap::CommandFactory;
        Args::command().debug_assert();
    }
}
