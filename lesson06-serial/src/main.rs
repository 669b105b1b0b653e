//! Lesson 6: a device process and a host process talk over a virtual serial pair; `--plain`
//! runs just that exchange (`src/notes.rs`), `--bench` measures full duplex.
//!
//! Notes: 学习目标 3 and 其他思考 2. Different in Rust: no GIL, and a pty stands in for the
//! serial port. Run `cargo run -p lesson06-serial -- --help` for the options.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use common::cli::{exit_code, parse_args};
use lesson06_serial::bench::{Plan, bench};
use lesson06_serial::device::Fault;
use lesson06_serial::notes;
use lesson06_serial::protocol::Shown;
use lesson06_serial::session::{
    DEFAULT_COMMANDS, SessionOptions, run_device, run_device_on_own_pty, run_port, run_virtual,
};

/// A host and a device process talk over a serial line (a virtual pair unless --port is given).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Run only the notes' program (src/notes.rs): print each command and its reply, nothing else
    #[arg(long, conflicts_with_all = ["port", "device", "send", "device_fault", "bench"])]
    plain: bool,

    /// Talk to a real serial port instead (a USB adapter, or one end of a socat pair)
    #[arg(long, value_name = "PATH", conflicts_with = "bench")]
    port: Option<String>,

    /// The baud rate for --port (both ends must agree)
    #[arg(long, value_name = "N", default_value_t = 115_200, requires = "port",
          value_parser = clap::value_parser!(u32).range(1..=12_000_000))]
    baud: u32,

    /// Run only the device side, on --port PATH (or on a new pty whose path it prints); a
    /// terminal program, a script or this lesson with --port plays the host
    #[arg(long, conflicts_with_all = ["send", "bench"])]
    device: bool,

    /// Send this line instead of the default commands (repeat it for several lines)
    #[arg(long, value_name = "LINE", conflicts_with = "bench")]
    send: Vec<String>,

    /// How long the host waits for each reply (and for room to write)
    #[arg(long, value_name = "MS", default_value_t = 2000, conflicts_with = "bench",
          value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    timeout_ms: u64,

    /// Make the built-in device misbehave, to see how the host copes
    #[arg(long, value_name = "FAULT", conflicts_with_all = ["bench"])]
    device_fault: Option<Fault>,

    /// Measure full duplex: bytes/s one way and both ways at once, threads and processes
    #[arg(long)]
    bench: bool,

    /// Bytes each way per run, for --bench [default: 32 MiB; paced: one second of line time]
    #[arg(long, value_name = "N", requires = "bench",
          value_parser = clap::value_parser!(u64).range(1..=(1 << 34)))]
    bytes: Option<u64>,

    /// Runs per measurement for --bench, the median is printed [default: 5; paced: 1]
    #[arg(long, value_name = "N", requires = "bench",
          value_parser = clap::value_parser!(u32).range(1..=100))]
    runs: Option<u32>,

    /// With --bench: pace each writer to what a real line at N baud carries (N/10 bytes/s)
    #[arg(long, value_name = "N", requires = "bench",
          value_parser = clap::value_parser!(u32).range(10..=12_000_000))]
    paced_baud: Option<u32>,

    /// With --bench: run the same measurement with CPython threads and pyserial
    #[arg(long, requires = "bench")]
    python: bool,
}

/// A line to send holds no line end (the protocol's line end is added when it is sent). Checked
/// here rather than by clap, whose report would quote the line end itself and so take two lines.
fn line_with_a_line_end(lines: &[String]) -> Option<&String> {
    lines.iter().find(|line| line.contains(['\n', '\r']))
}

fn main() -> ExitCode {
    let args: Args = parse_args();
    if args.plain {
        return exit_code(notes::main().map(|()| ExitCode::SUCCESS));
    }
    if let (Some(path), false, Some(_)) = (&args.port, args.device, args.device_fault) {
        // A usage error, like clap's own: exit code 2.
        eprintln!(
            "error: --device-fault makes the built-in device misbehave; with --port {path} the device is whatever is on the other end (see --help)"
        );
        return ExitCode::from(2);
    }
    if let Some(line) = line_with_a_line_end(&args.send) {
        eprintln!(
            "error: invalid value {} for '--send <LINE>': a line cannot hold a line end (CR or LF); give each line its own --send (see --help)",
            Shown(line.as_bytes())
        );
        return ExitCode::from(2);
    }
    let options = SessionOptions {
        commands: if args.send.is_empty() {
            DEFAULT_COMMANDS
                .iter()
                .map(|line| line.to_string())
                .collect()
        } else {
            args.send
        },
        timeout: Duration::from_millis(args.timeout_ms),
    };
    exit_code(match (&args.port, args.device, args.bench) {
        (_, _, true) => bench(
            &Plan::new(
                args.bytes,
                args.runs.map(|runs| runs as usize),
                args.paced_baud,
            ),
            args.python,
        ),
        (Some(path), true, _) => run_device(path, args.baud, args.device_fault),
        (None, true, _) => run_device_on_own_pty(args.device_fault),
        (Some(path), false, _) => run_port(path, args.baud, &options),
        (None, false, false) => run_virtual(&options, args.device_fault),
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
