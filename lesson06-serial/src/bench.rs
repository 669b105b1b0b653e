//! Full duplex, measured: bytes per second through a virtual serial pair, one direction alone
//! and both directions at once, with the writers and readers as threads and as processes.
//!
//! Every run moves a known byte stream (every byte value, in an order that never lines up with
//! the chunk size) and each reader compares every byte with what was sent. A run whose data is
//! wrong gets no time: `common::timing` will not print a rate for it.

use std::process::{Command, ExitCode};
use std::thread;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use common::process::Child;
use common::python;
use common::timing::{BUILD, Summary, debug_build_warning, time_runs};
use lesson01_process::start::fork_child;
use lesson02_queue::{Message, Queue};

use crate::port::{Io, Port};

/// The test stream repeats every `PERIOD` bytes (a prime, so it never lines up with a chunk).
pub const PERIOD: usize = 65_521;
/// The most bytes one read or write call asks for.
const CHUNK: usize = 32 * 1024;
// A chunk must fit in one period to be one slice of the doubled block.
const _: () = assert!(CHUNK <= PERIOD);
/// A transfer that makes no progress for this long has stalled.
const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Byte `i` of the test stream. `python/bench_duplex.py` makes the same stream.
pub fn pattern_byte(i: usize) -> u8 {
    ((i * 131) ^ (i >> 7)) as u8
}

/// Two periods of the stream back to back: any `CHUNK` of the stream, wherever it starts, is
/// one slice of this.
fn pattern_block() -> Vec<u8> {
    (0..2 * PERIOD).map(|i| pattern_byte(i % PERIOD)).collect()
}

fn expected(block: &[u8], offset: u64, len: usize) -> &[u8] {
    let start = (offset % PERIOD as u64) as usize;
    &block[start..start + len]
}

/// Which way bytes go through the pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    MasterToSlave,
    SlaveToMaster,
}

impl Direction {
    fn name(self) -> &'static str {
        match self {
            Direction::MasterToSlave => "master -> slave",
            Direction::SlaveToMaster => "slave -> master",
        }
    }
}

/// What one reader got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub direction: Direction,
    pub bytes: u64,
    /// Offset of the first byte that differs from what was sent.
    pub first_wrong: Option<u64>,
    /// Why the reader stopped early; empty if it did not.
    pub error: String,
}

impl Message for Received {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(self.direction == Direction::SlaveToMaster));
        out.extend_from_slice(&self.bytes.to_le_bytes());
        out.extend_from_slice(&self.first_wrong.map_or(u64::MAX, |at| at).to_le_bytes());
        out.extend_from_slice(self.error.as_bytes());
    }
    fn decode(bytes: &[u8]) -> Option<Self> {
        let (&direction, rest) = bytes.split_first()?;
        let (count, rest) = rest.split_at_checked(8)?;
        let (wrong, error) = rest.split_at_checked(8)?;
        let wrong = u64::from_le_bytes(wrong.try_into().ok()?);
        Some(Self {
            direction: if direction == 1 {
                Direction::SlaveToMaster
            } else {
                Direction::MasterToSlave
            },
            bytes: u64::from_le_bytes(count.try_into().ok()?),
            first_wrong: (wrong != u64::MAX).then_some(wrong),
            error: String::from_utf8(error.to_vec()).ok()?,
        })
    }
}

/// Writes `bytes` bytes of the test stream.
fn send(port: &Port, bytes: u64, block: &[u8]) -> anyhow::Result<()> {
    let mut sent = 0;
    while sent < bytes {
        let len = CHUNK.min((bytes - sent) as usize);
        match port.write_all(expected(block, sent, len), IDLE_TIMEOUT)? {
            Io::Done(_) => sent += len as u64,
            Io::TimedOut => bail!(
                "writer stalled: no room for {} s after {sent} bytes",
                IDLE_TIMEOUT.as_secs()
            ),
            Io::HungUp => bail!("writer: hang-up after {sent} bytes"),
        }
    }
    Ok(())
}

/// Reads `bytes` bytes and compares each with the test stream.
fn receive(port: &Port, direction: Direction, bytes: u64, block: &[u8]) -> Received {
    let mut buf = vec![0u8; CHUNK];
    let mut got = 0;
    let mut first_wrong = None;
    let mut error = String::new();
    while got < bytes {
        let want = CHUNK.min((bytes - got) as usize);
        match port.read(&mut buf[..want], Some(IDLE_TIMEOUT)) {
            Ok(Io::Done(read)) => {
                if first_wrong.is_none() && buf[..read] != *expected(block, got, read) {
                    let at = buf[..read]
                        .iter()
                        .zip(expected(block, got, read))
                        .position(|(got, sent)| got != sent)
                        .unwrap_or(0);
                    first_wrong = Some(got + at as u64);
                }
                got += read as u64;
            }
            Ok(Io::TimedOut) => {
                error = format!(
                    "stalled: {got} of {bytes} bytes arrived, then nothing for {} s",
                    IDLE_TIMEOUT.as_secs()
                );
                break;
            }
            Ok(Io::HungUp) => {
                error = format!("hang-up after {got} of {bytes} bytes");
                break;
            }
            Err(err) => {
                error = format!("read failed after {got} bytes: {err}");
                break;
            }
        }
    }
    Received {
        direction,
        bytes: got,
        first_wrong,
        error,
    }
}

/// Threads or processes for the writers and readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workers {
    Threads,
    Processes,
}

impl Workers {
    fn name(self) -> &'static str {
        match self {
            Workers::Threads => "threads",
            Workers::Processes => "processes",
        }
    }
}

fn directions(both_ways: bool) -> &'static [Direction] {
    if both_ways {
        &[Direction::MasterToSlave, Direction::SlaveToMaster]
    } else {
        &[Direction::MasterToSlave]
    }
}

/// One transfer through a fresh pair: a writer and a reader per direction, all at once.
fn transfer(
    workers: Workers,
    both_ways: bool,
    bytes: u64,
    block: &[u8],
) -> anyhow::Result<Vec<Received>> {
    let (master, slave) = Port::pair()?;
    let ends = |direction| match direction {
        Direction::MasterToSlave => (&master, &slave),
        Direction::SlaveToMaster => (&slave, &master),
    };
    match workers {
        Workers::Threads => thread::scope(|scope| {
            let mut writers = Vec::new();
            let mut readers = Vec::new();
            for &direction in directions(both_ways) {
                let (from, to) = ends(direction);
                writers.push(scope.spawn(move || send(from, bytes, block)));
                readers.push(scope.spawn(move || receive(to, direction, bytes, block)));
            }
            for writer in writers {
                writer.join().map_err(|_| anyhow!("a writer panicked"))??;
            }
            readers
                .into_iter()
                .map(|reader| reader.join().map_err(|_| anyhow!("a reader panicked")))
                .collect()
        }),
        Workers::Processes => {
            let mut results = Queue::<Received>::new()?;
            let mut children: Vec<Child> = Vec::new();
            for &direction in directions(both_ways) {
                let (from, to) = ends(direction);
                children.push(fork_child(|| match send(from, bytes, block) {
                    Ok(()) => 0,
                    Err(err) => {
                        eprintln!("writer process {}: {err:#}", std::process::id());
                        1
                    }
                })?);
                children.push(fork_child(|| {
                    let received = receive(to, direction, bytes, block);
                    i32::from(results.put(&received).is_err())
                })?);
            }
            let received = directions(both_ways)
                .iter()
                .map(|_| {
                    results
                        .get_timeout(2 * IDLE_TIMEOUT)?
                        .context("a reader process reported nothing")
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            for child in &mut children {
                let status = child
                    .wait_timeout(IDLE_TIMEOUT)?
                    .with_context(|| format!("worker process {} did not exit", child.pid()))?;
                if !status.success() {
                    bail!("worker process {} failed: {status}", child.pid());
                }
            }
            Ok(received)
        }
    }
}

/// Every reader got every byte, unchanged.
fn check(
    runs: &[anyhow::Result<Vec<Received>>],
    bytes: u64,
    both_ways: bool,
) -> Result<(), String> {
    for run in runs {
        let received = run.as_ref().map_err(|err| format!("{err:#}"))?;
        if received.len() != directions(both_ways).len() {
            return Err(format!("{} readers reported", received.len()));
        }
        for reader in received {
            let direction = reader.direction.name();
            if !reader.error.is_empty() {
                return Err(format!("{direction}: {}", reader.error));
            }
            if reader.bytes != bytes {
                return Err(format!("{direction}: {} of {bytes} bytes", reader.bytes));
            }
            if let Some(at) = reader.first_wrong {
                return Err(format!(
                    "{direction}: byte {at} differs from what was sent (is the pty in raw mode?)"
                ));
            }
        }
    }
    Ok(())
}

/// Median bytes per second, each way, over `runs` checked transfers.
fn measure(
    workers: Workers,
    both_ways: bool,
    bytes: u64,
    runs: usize,
    block: &[u8],
) -> anyhow::Result<f64> {
    let timed = time_runs(runs, || transfer(workers, both_ways, bytes, block))
        .check(|results| check(results, bytes, both_ways))?;
    let summary: &Summary = timed.time();
    Ok(bytes as f64 / summary.median.as_secs_f64())
}

/// Bytes per second one way and each way with both at once.
#[derive(Debug, Clone, Copy)]
pub struct Rates {
    pub one_way: f64,
    pub both_each: f64,
}

impl Rates {
    /// What both directions at once carried, in units of one direction alone.
    pub fn total_ratio(&self) -> f64 {
        2.0 * self.both_each / self.one_way
    }
}

/// What a total ratio says about the line.
pub fn judge(ratio: f64) -> &'static str {
    if ratio >= 1.3 {
        "full duplex: the directions did not take turns"
    } else if ratio <= 1.1 {
        "no gain: the two directions together moved no more than one alone, as if they took turns"
    } else {
        "partly: the directions overlapped, but each slowed the other down a lot"
    }
}

/// `--bench`: one way and both ways at once, with threads and with processes.
pub fn bench(bytes: u64, runs: usize, with_python: bool) -> anyhow::Result<ExitCode> {
    if let Some(warning) = debug_build_warning() {
        println!("{warning}");
    }
    let cpus = thread::available_parallelism().map_or(1, |cpus| cpus.get());
    println!(
        "full duplex, measured: {bytes} bytes each way through a virtual serial pair (a pty in raw mode), median of {runs} runs; every byte is compared with what was sent before a rate is printed"
    );
    let block = pattern_block();
    // Processes first: lesson01's fork refuses to fork a process that has other threads, and
    // a finished thread may linger in /proc for a moment after it was joined.
    let mut rates = Vec::new();
    for workers in [Workers::Processes, Workers::Threads] {
        let one_way = measure(workers, false, bytes, runs, &block)?;
        let both_each = measure(workers, true, bytes, runs, &block)?;
        rates.push((workers, Rates { one_way, both_each }));
    }
    rates.reverse(); // print threads first: they are what the notes (and pyserial) use
    println!("             one way          both ways at once        both at once, in total");
    for (workers, rate) in &rates {
        println!(
            "{:<10} {:>9.1} MB/s   {:>9.1} MB/s each way   {:.2}x one way",
            workers.name(),
            rate.one_way / 1e6,
            rate.both_each / 1e6,
            rate.total_ratio()
        );
    }
    let threads = rates[0].1;
    let processes = rates[1].1;
    println!(
        "serial one-way: {:.0} bytes/s  (threads; {BUILD})",
        threads.one_way
    );
    println!(
        "serial full-duplex: {:.0} bytes/s each way  (threads; {BUILD})",
        threads.both_each
    );
    println!(
        "serial one-way, processes: {:.0} bytes/s  ({BUILD})",
        processes.one_way
    );
    println!(
        "serial full-duplex, processes: {:.0} bytes/s each way  ({BUILD})",
        processes.both_each
    );
    for (workers, rate) in &rates {
        println!(
            "verdict, {}: {} (both at once carried {:.2}x one direction alone)",
            workers.name(),
            judge(rate.total_ratio()),
            rate.total_ratio()
        );
    }
    println!(
        "a pty has no wire and no baud rate: it moves bytes as fast as the kernel copies them, and with both directions at once 4 busy workers (2 writers, 2 readers) share {cpus} CPU{}",
        if cpus == 1 { "" } else { "s" }
    );
    if with_python {
        compare_with_python(bytes, runs, threads)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The install hint printed when pyserial is missing.
pub const PYSERIAL_MISSING: &str = "pyserial is not installed, so the CPython comparison is skipped: python3 -m pip install pyserial";

fn compare_with_python(bytes: u64, runs: usize, rust: Rates) -> anyhow::Result<()> {
    match Command::new("python3")
        .args(["-c", "import serial"])
        .output()
    {
        Err(_) => {
            println!("python3 is not on the PATH, so the CPython comparison is skipped");
            return Ok(());
        }
        Ok(output) if !output.status.success() => {
            println!("{PYSERIAL_MISSING}");
            return Ok(());
        }
        Ok(_) => {}
    }
    let script = crate::python_dir().join("bench_duplex.py");
    let args = [
        "--bytes".to_string(),
        bytes.to_string(),
        "--runs".into(),
        runs.to_string(),
    ];
    let Some(output) = python::run_script(&script, &args)? else {
        println!("python3 is not on the PATH, so the CPython comparison is skipped");
        return Ok(());
    };
    let figure = |label: &str| {
        python::figure(&output.stdout, label)
            .with_context(|| format!("the Python script printed no '{label}' line"))
    };
    let python = Rates {
        one_way: figure("serial one-way")?,
        both_each: figure("serial full-duplex")?,
    };
    let pyserial = output
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("pyserial "))
        .unwrap_or("(version unknown)");
    println!(
        "{} with pyserial {pyserial}, the same measurement with threads (lesson06-serial/python/bench_duplex.py):",
        output.version
    );
    println!(
        "python serial one-way: {:.0} bytes/s  -> Rust/Python {:.1}x (threads)",
        python.one_way,
        rust.one_way / python.one_way
    );
    println!(
        "python serial full-duplex: {:.0} bytes/s each way  -> Rust/Python {:.1}x (threads)",
        python.both_each,
        rust.both_each / python.both_each
    );
    let ratio = python.total_ratio();
    println!(
        "verdict, python threads: {} (both at once carried {ratio:.2}x one direction alone)",
        judge(ratio)
    );
    println!("{}", about_the_notes(ratio));
    Ok(())
}

/// What the measured Python figure says about the notes' claim (其他思考 2).
fn about_the_notes(ratio: f64) -> String {
    let claim = "the notes (其他思考 2) say Python threads give only fake full duplex, one thread running at a time";
    if ratio >= 1.3 {
        format!(
            "{claim}; measured, both directions at once carried {ratio:.2}x one direction alone: CPython releases the GIL while a thread waits in read() or write(), so both directions moved at once"
        )
    } else {
        format!(
            "{claim}; measured, both at once carried only {ratio:.2}x one direction alone. CPython does release the GIL while a thread waits in read() or write(); what the threads took turns for is the Python code between those calls, which on a pty running at CPU speed is most of the work"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_holds_every_byte_value_and_lines_up_with_no_chunk() {
        let block = pattern_block();
        let mut seen = [false; 256];
        for &byte in &block[..PERIOD] {
            seen[byte as usize] = true;
        }
        assert!(seen.iter().all(|&seen| seen), "every byte value is sent");
        assert_eq!(&block[..PERIOD], &block[PERIOD..]);
        assert_eq!(expected(&block, PERIOD as u64 + 5, 3), &block[5..8]);
    }

    #[test]
    fn received_survives_the_queue_encoding() {
        for received in [
            Received {
                direction: Direction::SlaveToMaster,
                bytes: 1 << 40,
                first_wrong: Some(10),
                error: String::new(),
            },
            Received {
                direction: Direction::MasterToSlave,
                bytes: 0,
                first_wrong: None,
                error: "stalled".into(),
            },
        ] {
            let mut bytes = Vec::new();
            received.encode(&mut bytes);
            assert_eq!(Received::decode(&bytes), Some(received));
        }
    }

    #[test]
    fn threads_move_every_byte_both_ways_and_the_check_sees_a_wrong_one() {
        let block = pattern_block();
        let bytes = 3 * PERIOD as u64 + 17;
        let results = vec![transfer(Workers::Threads, true, bytes, &block)];
        assert_eq!(check(&results, bytes, true), Ok(()));
        let mut wrong = transfer(Workers::Threads, false, bytes, &block).expect("runs");
        wrong[0].first_wrong = Some(99);
        let err = check(&[Ok(wrong)], bytes, false).expect_err("a wrong byte");
        assert!(err.contains("byte 99 differs"), "{err}");
    }

    #[test]
    fn the_verdict_follows_the_figures() {
        let full = Rates {
            one_way: 100.0,
            both_each: 80.0,
        };
        assert!((full.total_ratio() - 1.6).abs() < 1e-9);
        assert!(judge(full.total_ratio()).starts_with("full duplex"));
        assert!(judge(1.0).starts_with("no gain"));
        assert!(judge(1.2).starts_with("partly"));
        assert!(about_the_notes(1.6).contains("both directions moved at once"));
        assert!(about_the_notes(1.1).contains("took turns for is the Python code"));
    }
}
