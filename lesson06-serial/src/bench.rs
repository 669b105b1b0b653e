//! Full duplex, measured: bytes per second through a virtual serial pair, one direction alone
//! and both directions at once, with the writers and readers as threads and as processes.
//!
//! Every run moves a known byte stream (every byte value, in an order that never lines up with
//! the chunk size) and each reader compares every byte with what was sent. A run whose data is
//! wrong gets no time: `common::timing` will not print a rate for it.

use std::process::{Command, ExitCode};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use common::process::Child;
use common::python::{self, Better};
use common::timing::{BUILD, Summary, debug_build_warning, time};
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

/// Writes `bytes` bytes of the test stream; with `pace` (bytes per second), no faster than
/// that, a hundredth of a second's worth at a time, as a UART sends at its baud rate.
fn send(port: &Port, bytes: u64, block: &[u8], pace: Option<f64>) -> anyhow::Result<()> {
    let began = Instant::now();
    let chunk = pace.map_or(CHUNK, |rate| ((rate / 100.0) as usize).clamp(1, CHUNK));
    let mut sent = 0;
    while sent < bytes {
        let len = chunk.min((bytes - sent) as usize);
        if let Some(rate) = pace {
            // A chunk goes out when a line at that speed would have finished sending it.
            let due = began + Duration::from_secs_f64((sent + len as u64) as f64 / rate);
            thread::sleep(due.saturating_duration_since(Instant::now()));
        }
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
    pace: Option<f64>,
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
                writers.push(scope.spawn(move || send(from, bytes, block, pace)));
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
                children.push(fork_child(|| match send(from, bytes, block, pace) {
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

/// One way and both ways at once, `runs` times each, taking turns so that a change in the
/// machine's load between runs falls on both alike. Each transfer is checked before its time
/// is kept; the medians come back as bytes per second, each way.
fn measure(workers: Workers, plan: &Plan, block: &[u8]) -> anyhow::Result<Rates> {
    let (bytes, runs, pace) = (plan.bytes, plan.runs, plan.bytes_per_s());
    let mut one_way = Vec::with_capacity(runs);
    let mut both_ways = Vec::with_capacity(runs);
    for _ in 0..runs {
        for (both, samples) in [(false, &mut one_way), (true, &mut both_ways)] {
            let timed = time(|| transfer(workers, both, bytes, block, pace))
                .check(|result| check(std::slice::from_ref(result), bytes, both))?;
            samples.push(*timed.time());
        }
    }
    let rate = |samples: Vec<Duration>| -> f64 {
        let summary = Summary::of(samples).expect("at least one run");
        bytes as f64 / summary.median.as_secs_f64()
    };
    Ok(Rates {
        one_way: rate(one_way),
        both_each: rate(both_ways),
    })
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

/// A rate for the table: MB/s at a pty's speed, bytes/s at a real line's.
fn shown_rate(bytes_per_s: f64) -> String {
    if bytes_per_s >= 1e6 {
        format!("{:.1} MB/s", bytes_per_s / 1e6)
    } else {
        format!("{bytes_per_s:.0} bytes/s")
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

/// What `--bench` measures: how many bytes each way, how many runs, and whether the writers
/// are paced to a real line's speed.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub bytes: u64,
    pub runs: usize,
    /// Pace each writer to what a line at this baud rate carries.
    pub paced_baud: Option<u32>,
}

impl Plan {
    /// The defaults: 32 MiB and 5 runs at full speed; paced, one second of line time and 1 run.
    pub fn new(bytes: Option<u64>, runs: Option<usize>, paced_baud: Option<u32>) -> Self {
        let mut plan = Plan {
            bytes: 32 << 20,
            runs: 5,
            paced_baud,
        };
        if let Some(rate) = plan.bytes_per_s() {
            plan.bytes = rate.ceil() as u64;
            plan.runs = 1;
        }
        Plan {
            bytes: bytes.unwrap_or(plan.bytes),
            runs: runs.unwrap_or(plan.runs),
            paced_baud,
        }
    }

    /// A serial line sends 10 bits per byte (a start bit, 8 data bits, a stop bit: "8N1").
    pub fn bytes_per_s(&self) -> Option<f64> {
        self.paced_baud.map(|baud| f64::from(baud) / 10.0)
    }
}

/// `--bench`: one way and both ways at once, with threads and with processes.
pub fn bench(plan: &Plan, with_python: bool) -> anyhow::Result<ExitCode> {
    if let Some(warning) = debug_build_warning() {
        println!("{warning}");
    }
    let cpus = thread::available_parallelism().map_or(1, |cpus| cpus.get());
    let Plan { bytes, runs, .. } = *plan;
    let speed = match (plan.paced_baud, plan.bytes_per_s()) {
        (Some(baud), Some(rate)) => {
            format!("each writer paced to a real line at {baud} baud ({rate:.0} bytes/s)")
        }
        _ => "at full speed".to_string(),
    };
    println!(
        "full duplex, measured: {bytes} bytes each way through a virtual serial pair (a pty in raw mode), {speed}; {}, one way and both ways taking turns; every byte is compared with what was sent before a rate is printed",
        if runs == 1 {
            "1 run".to_string()
        } else {
            format!("median of {runs} runs")
        }
    );
    let block = pattern_block();
    // Processes first: lesson01's fork refuses to fork a process that has other threads, and
    // a finished thread may linger in /proc for a moment after it was joined.
    let mut rates = Vec::new();
    for workers in [Workers::Processes, Workers::Threads] {
        rates.push((workers, measure(workers, plan, &block)?));
    }
    rates.reverse(); // print threads first: they are what the notes (and pyserial) use
    println!("             one way           both ways at once          both at once, in total");
    for (workers, rate) in &rates {
        println!(
            "{:<10} {:>14}   {:>14} each way   {:.2}x one way",
            workers.name(),
            shown_rate(rate.one_way),
            shown_rate(rate.both_each),
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
    match plan.bytes_per_s() {
        None => println!(
            "a pty has no wire and no baud rate: it moves bytes as fast as the kernel copies them, and with both directions at once 4 busy workers (2 writers, 2 readers) share {cpus} CPU{}",
            if cpus == 1 { "" } else { "s" }
        ),
        Some(rate) => println!(
            "a real line at this speed carries at most {rate:.0} bytes/s each way, in both directions at once (a UART sends and receives on separate wires); 2.00x is all a full-duplex line can give"
        ),
    }
    if with_python {
        compare_with_python(plan, threads)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The install hint printed when pyserial is missing.
pub const PYSERIAL_MISSING: &str = "pyserial is not installed, so the CPython comparison is skipped: python3 -m pip install pyserial";

fn compare_with_python(plan: &Plan, rust: Rates) -> anyhow::Result<()> {
    match Command::new("python3")
        .args(["-c", "import serial"])
        .output()
    {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            println!("python3 is not on the PATH: the CPython comparison is skipped");
            return Ok(());
        }
        Err(err) => return Err(err).context("cannot run python3"),
        Ok(output) if !output.status.success() => {
            println!("{PYSERIAL_MISSING}");
            return Ok(());
        }
        Ok(_) => {}
    }
    let script = crate::python_dir().join("bench_duplex.py");
    let mut args = vec![
        "--bytes".to_string(),
        plan.bytes.to_string(),
        "--runs".into(),
        plan.runs.to_string(),
    ];
    if let Some(rate) = plan.bytes_per_s() {
        args.extend(["--pace".to_string(), rate.to_string()]);
    }
    let Some(output) = python::counterpart(&script, &args)? else {
        return Ok(());
    };
    let processes = Rates {
        one_way: output.figure("serial one-way, processes")?,
        both_each: output.figure("serial full-duplex, processes")?,
    };
    let pyserial = output
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("pyserial "))
        .unwrap_or("(version unknown)");
    println!(
        "{} with pyserial {pyserial}, the same measurement (lesson06-serial/python/bench_duplex.py):",
        output.version
    );
    let threads = Rates {
        one_way: output.compare(
            "serial one-way",
            "bytes/s",
            rust.one_way,
            Better::Higher,
            "threads",
        )?,
        both_each: output.compare(
            "serial full-duplex",
            "bytes/s each way",
            rust.both_each,
            Better::Higher,
            "threads",
        )?,
    };
    println!(
        "python serial one-way, processes: {:.0} bytes/s",
        processes.one_way
    );
    println!(
        "python serial full-duplex, processes: {:.0} bytes/s each way",
        processes.both_each
    );
    for (workers, rate) in [("threads", threads), ("processes", processes)] {
        println!(
            "verdict, python {workers}: {} (both at once carried {:.2}x one direction alone)",
            judge(rate.total_ratio()),
            rate.total_ratio()
        );
    }
    println!(
        "{}",
        about_the_notes(
            threads.total_ratio(),
            processes.total_ratio(),
            plan.paced_baud
        )
    );
    Ok(())
}

/// What the measured Python figures say about the notes' claim (其他思考 2).
fn about_the_notes(threads: f64, processes: f64, paced_baud: Option<u32>) -> String {
    let claim = "the notes (其他思考 2) say Python threads give only fake full duplex, one thread running at a time";
    if let Some(baud) = paced_baud {
        return if threads >= 1.8 {
            format!(
                "{claim}. Measured at a real line's speed ({baud} baud), CPython threads kept both directions at the line rate at once ({threads:.2}x one direction alone): full duplex. A thread waiting in read() or select() has released the GIL, so it never holds up the thread that writes"
            )
        } else {
            format!(
                "{claim}. Measured at {baud} baud, CPython threads carried {threads:.2}x one direction alone with both at once: they did not keep up with the line in both directions"
            )
        };
    }
    if threads >= 1.3 {
        format!(
            "{claim}. Measured, CPython threads carried {threads:.2}x one direction alone with both at once: not fake. CPython releases the GIL while a thread waits in read(), write() or select(), so both directions moved at once"
        )
    } else if processes >= threads + 0.2 {
        format!(
            "{claim}. Measured, CPython threads gained little from the second direction ({threads:.2}x) and processes, with the same code, gained more ({processes:.2}x): the threads took turns, but for the GIL, which the Python code between system calls holds (pyserial's loop, making and comparing bytes objects). The read() and write() calls themselves release it. A pty runs at CPU speed, so that Python code is the bottleneck here"
        )
    } else {
        format!(
            "{claim}. Measured, neither CPython threads ({threads:.2}x) nor processes ({processes:.2}x) gained much from the second direction. Processes share no GIL, so the GIL is not what held the threads back: at a pty's CPU speed, four busy Python workers share the CPUs. At a real line's speed there is CPU to spare: try --paced-baud 115200"
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
        let results = vec![transfer(Workers::Threads, true, bytes, &block, None)];
        assert_eq!(check(&results, bytes, true), Ok(()));
        let mut wrong = transfer(Workers::Threads, false, bytes, &block, None).expect("runs");
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
        assert!(about_the_notes(1.6, 1.2, None).contains("not fake"));
        assert!(about_the_notes(1.1, 1.4, None).contains("took turns, but for the GIL"));
        assert!(about_the_notes(1.1, 1.15, None).contains("the GIL is not what held"));
        assert!(about_the_notes(1.99, 1.99, Some(115_200)).contains("full duplex. A thread"));
        assert!(about_the_notes(1.2, 1.99, Some(115_200)).contains("did not keep up"));
    }

    #[test]
    fn a_paced_plan_defaults_to_one_second_of_line_time() {
        let paced = Plan::new(None, None, Some(115_200));
        assert_eq!((paced.bytes, paced.runs), (11_520, 1));
        assert_eq!(paced.bytes_per_s(), Some(11_520.0));
        let full = Plan::new(None, None, None);
        assert_eq!(
            (full.bytes, full.runs, full.bytes_per_s()),
            (32 << 20, 5, None)
        );
        let chosen = Plan::new(Some(1000), Some(2), Some(9600));
        assert_eq!((chosen.bytes, chosen.runs), (1000, 2));
    }
}
