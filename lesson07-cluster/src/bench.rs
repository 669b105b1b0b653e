//! `--bench`: `2 × job(n)` over 1, 2 and 4 processes on this machine, each process started by
//! the launcher and connected over 127.0.0.1, beside lesson02's two forked processes and a pipe
//! at the same n; with `--python`, CPython's `multiprocessing.managers` queue at the notes' n.
//! Every time is printed only after its total was checked against the closed form.

use std::cell::RefCell;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use common::python::{self, Better};
use common::timing::{BUILD, debug_build_warning, time};
use lesson02_queue::compare::{Variant, compute, expected, split};
use timely::dataflow::operators::vec::ToStream;
use timely::dataflow::operators::{Exchange, Inspect};

use crate::cluster::{self, Cluster};
use crate::launcher::{self, Output};

/// Large enough that the work (some seconds in a release build) dwarfs the set-up.
pub const DEFAULT_N: u64 = 200_000_000;

/// The notes' own n for their comparison, where CPython takes about a second.
const PYTHON_N: u64 = 1_000_000;

/// What process 0 reports to the launcher.
#[derive(Debug, Clone, Copy)]
struct Figures {
    connect: Duration,
    work: Duration,
    total: u128,
}

pub fn run(n: u64, connect_timeout: Duration, with_python: bool) -> anyhow::Result<ExitCode> {
    if let Some(warning) = debug_build_warning() {
        println!("{warning}");
    }
    let wanted = expected(n)?;
    println!(
        "2 × job({n}) cut into one slice per process, one worker each, on 127.0.0.1 ({BUILD}):"
    );
    for processes in [1, 2, 4] {
        let run = time(|| in_processes(processes, n, connect_timeout))
            .check(|figures| check(figures, wanted))?;
        let figures = run
            .value()
            .as_ref()
            .map_err(|err| anyhow::anyhow!("{err:#}"))?;
        println!(
            "  {processes} process{}: work {:.3} s, connection set-up {:.1} ms  (wall time with process start: {:.3} s)",
            if processes == 1 { "  " } else { "es" },
            figures.work.as_secs_f64(),
            figures.connect.as_secs_f64() * 1e3,
            run.time().as_secs_f64()
        );
    }
    let lesson02 = time(|| compute(Variant::Multicore, n, 2)).check(|total| match total {
        Ok(total) if *total == wanted => Ok(()),
        Ok(total) => Err(format!(
            "lesson02's processes gave {total}, expected {wanted}"
        )),
        Err(err) => Err(format!("{err:#}")),
    })?;
    println!(
        "  lesson02, 2 forked processes and a pipe: {:.3} s  (no network, no engine)",
        lesson02.time().as_secs_f64()
    );
    if with_python {
        compare_with_python(connect_timeout)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn check(figures: &anyhow::Result<Figures>, wanted: u128) -> Result<(), String> {
    match figures {
        Ok(figures) if figures.total == wanted => Ok(()),
        Ok(figures) => Err(format!(
            "the processes added up to {}, expected {wanted}",
            figures.total
        )),
        Err(err) => Err(format!("{err:#}")),
    }
}

/// Starts `processes` processes of `--bench-process` and reads process 0's figures.
fn in_processes(processes: usize, n: u64, connect_timeout: Duration) -> anyhow::Result<Figures> {
    let addresses = launcher::free_loopback_addresses(processes)?;
    let args = [
        "--bench".to_string(),
        "--bench-process".to_string(),
        "--bench-n".to_string(),
        n.to_string(),
        "--connect-timeout".to_string(),
        connect_timeout.as_secs_f64().to_string(),
    ];
    let finished = launcher::launch(&addresses, &args, Output::Capture, connect_timeout)?;
    if finished.code != ExitCode::SUCCESS {
        bail!("the benchmark's processes failed");
    }
    parse_figures(&finished.stdout)
        .with_context(|| format!("process 0 printed no figures: {:?}", finished.stdout))
}

fn parse_figures(stdout: &str) -> Option<Figures> {
    let mut words = stdout.split_whitespace();
    let mut next = |label: &str| -> Option<&str> { words.next()?.strip_prefix(label) };
    Some(Figures {
        connect: Duration::from_secs_f64(next("connect=")?.parse().ok()?),
        work: Duration::from_secs_f64(next("work=")?.parse().ok()?),
        total: next("total=")?.parse().ok()?,
    })
}

/// One process of the benchmark: connects (timed), then computes and exchanges (timed); worker 0
/// prints `connect=SECS work=SECS total=N` for the launcher.
pub fn process(cluster: &Cluster, n: u64) -> anyhow::Result<()> {
    let started = Instant::now();
    let sockets = cluster::connect(cluster)?;
    let connect = started.elapsed();
    let results = cluster::execute_on(cluster, sockets, move |worker| -> anyhow::Result<()> {
        let started = Instant::now();
        let index = worker.index();
        // The loop over the slice twice, as lesson02's workers do: the same work, not `2 × part`.
        let slice = split(n, worker.peers())[index].clone();
        let part = common::job_range(slice.clone())? + common::job_range(slice)?;
        let total = Rc::new(RefCell::new(0u128));
        let add = Rc::clone(&total);
        worker.dataflow::<u64, _, _>(|scope| {
            vec![part]
                .to_stream(scope)
                .exchange(|_| 0)
                .inspect(move |part| *add.borrow_mut() += *part);
        });
        while worker.step() {}
        if index == 0 {
            println!(
                "connect={} work={} total={}",
                connect.as_secs_f64(),
                started.elapsed().as_secs_f64(),
                total.borrow()
            );
        }
        Ok(())
    })?;
    results.into_iter().collect()
}

fn compare_with_python(connect_timeout: Duration) -> anyhow::Result<()> {
    let script = crate::python_dir().join("bench_cluster.py");
    let Some(output) = python::counterpart(&script, &[PYTHON_N.to_string()])? else {
        return Ok(());
    };
    let wanted = expected(PYTHON_N)?;
    let rust = time(|| in_processes(2, PYTHON_N, connect_timeout))
        .check(|figures| check(figures, wanted))?;
    let rust = rust
        .value()
        .as_ref()
        .map_err(|err| anyhow::anyhow!("{err:#}"))?;
    println!(
        "rust cluster time: {:.3} s  (2 × job({PYTHON_N}), 2 processes on 127.0.0.1, work only; {BUILD})",
        rust.work.as_secs_f64()
    );
    output.compare(
        "cluster time",
        "s",
        rust.work.as_secs_f64(),
        Better::Lower,
        &format!("{}: 2 spawned processes put their parts on a multiprocessing.managers queue on 127.0.0.1", output.version),
    )?;
    Ok(())
}
