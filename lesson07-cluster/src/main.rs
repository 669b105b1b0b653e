//! Lesson 7: the notes' queue program over processes on one or several machines, on
//! timely-dataflow: each worker computes `job` over its share, worker 0 adds the parts.
//!
//! Notes: Queue进程输出, and 其他思考 1 once one machine is not enough. Without `--process`,
//! this program starts the processes itself on 127.0.0.1 (as `mpirun` does); with a host file
//! and `--process i`, it is process `i` of a cluster whose other processes run elsewhere.
//! Different in Rust: no standard-library network queue; timely's TCP exchange is ours.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use common::cli::{exit_code, parse_args};
use lesson07_cluster::cluster::Cluster;
use lesson07_cluster::hostfile::{self, BadHostFile};
use lesson07_cluster::launcher::{self, Output};
use lesson07_cluster::{bench, notes, walkthrough};

/// The notes' queue program over processes: workers compute job(n) over their slices, worker 0
/// adds the parts. Starts the processes itself on 127.0.0.1 unless given --process.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Run the notes' program as it is (src/notes.rs): two processes, job(1000) each, printing
    /// only the total as the notes do
    #[arg(long, conflicts_with_all = ["bench", "n"])]
    plain: bool,

    /// How many processes to start on 127.0.0.1 (without --hostfile)
    #[arg(long, default_value_t = 2, conflicts_with = "hostfile",
          value_parser = clap::value_parser!(u16).range(1..=64))]
    processes: u16,

    /// Worker threads in each process
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    threads: u16,

    /// One host:port a line, process 0 first; every process of the cluster reads the same file
    #[arg(long, value_name = "FILE")]
    hostfile: Option<PathBuf>,

    /// Be process I of the host file (run this on each machine, one I each); without it, start
    /// every process of the host file here
    #[arg(long, value_name = "I")]
    process: Option<usize>,

    /// Seconds to wait for every other process to connect before giving up
    #[arg(long, value_name = "SECS", default_value_t = 5.0,
          value_parser = parse_seconds)]
    connect_timeout: f64,

    /// The notes' work is 2 × job(N), cut into one slice of 0..N per worker
    #[arg(long, value_name = "N", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..=common::MAX_N))]
    n: u64,

    /// Time 2 × job(N) over 1, 2 and 4 processes on this machine, beside lesson02's two
    /// processes, with the connection set-up time shown apart
    #[arg(long)]
    bench: bool,

    /// N for --bench
    #[arg(long, value_name = "N", default_value_t = bench::DEFAULT_N, requires = "bench",
          value_parser = clap::value_parser!(u64).range(1..=common::MAX_N))]
    bench_n: u64,

    /// With --bench: the same job on CPython, a multiprocessing.managers queue on 127.0.0.1
    #[arg(long, requires = "bench")]
    python: bool,

    /// Everyone's addresses, comma-separated (set by the launcher for the processes it starts)
    #[arg(long, hide = true, value_delimiter = ',', conflicts_with = "hostfile")]
    peers: Vec<String>,

    /// Run as one process of --bench (set by the launcher)
    #[arg(long, hide = true)]
    bench_process: bool,
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(secs) if (0.1..=3600.0).contains(&secs) => Ok(secs),
        _ => Err("expected seconds between 0.1 and 3600".to_string()),
    }
}

/// A bad argument found after parsing: one line and exit code 2, as clap's own.
fn usage_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Args = parse_args();
    let addresses = match &args.hostfile {
        Some(path) => match hostfile::read(path) {
            Ok(addresses) => addresses,
            Err(BadHostFile(why)) => return usage_error(why),
        },
        None if !args.peers.is_empty() => args.peers.clone(),
        None if args.process.is_some() => return usage_error("--process needs --hostfile"),
        None if args.bench => Vec::new(),
        None => match launcher::free_loopback_addresses(usize::from(args.processes)) {
            Ok(addresses) => addresses,
            Err(err) => return exit_code(Err(err)),
        },
    };
    if let Some(process) = args.process
        && process >= addresses.len()
    {
        return usage_error(format!(
            "--process {process} is out of range: the host file names {} processes (0 to {})",
            addresses.len(),
            addresses.len() - 1
        ));
    }
    let connect_timeout = Duration::from_secs_f64(args.connect_timeout);
    if args.bench && args.process.is_none() {
        return exit_code(bench::run(args.bench_n, connect_timeout, args.python));
    }
    if args.peers.is_empty() && !hostfile::loopback_only(&addresses) {
        eprintln!(
            "note: the host file names addresses beyond this machine: this traffic is neither authenticated nor encrypted (use a private network or an ssh tunnel; see the README)"
        );
    }
    let Some(process) = args.process else {
        return exit_code(launch(&args, &addresses, connect_timeout));
    };
    let cluster = Cluster {
        addresses,
        process,
        threads: usize::from(args.threads),
        connect_timeout,
    };
    exit_code(if args.bench_process {
        bench::process(&cluster, args.bench_n).map(|()| ExitCode::SUCCESS)
    } else if args.plain {
        notes::main(&cluster).map(|()| ExitCode::SUCCESS)
    } else {
        walkthrough::process(&cluster, args.n).map(|()| ExitCode::SUCCESS)
    })
}

/// Starts every process of the cluster on this machine, passing our options on.
fn launch(
    args: &Args,
    addresses: &[String],
    connect_timeout: Duration,
) -> anyhow::Result<ExitCode> {
    let mut passed = vec![
        "--threads".to_string(),
        args.threads.to_string(),
        "--connect-timeout".to_string(),
        args.connect_timeout.to_string(),
    ];
    let output = if args.plain {
        passed.push("--plain".to_string());
        Output::Inherit
    } else {
        passed.extend(["--n".to_string(), args.n.to_string()]);
        Output::Announce
    };
    let finished = launcher::launch(
        addresses,
        &passed,
        output,
        connect_timeout + Duration::from_secs(2),
    )?;
    Ok(finished.code)
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
