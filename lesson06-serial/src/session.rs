//! The lesson's three ways to run a session: both sides over a virtual pair (the default), the
//! host against a real port (`--port`), and the device alone on a real port (`--device`).

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use lesson01_process::start::fork_child;
use lesson02_queue::Queue;

use crate::device::{self, DeviceEvent, Ended, Fault};
use crate::exit_code_in_child;
use crate::host::{self, DeviceSide, transcript_line};
use crate::port::{PTY_BAUD, Port};

/// The commands the lesson sends when you give none: every command, an overflow, an unknown
/// command, and a last `PING` to show that the session went on after the errors.
pub const DEFAULT_COMMANDS: [&str; 7] = [
    "PING",
    "ECHO hello, serial",
    "JOB 1000",
    "JOB 1000000",
    "JOB 6074001001",
    "HELLO",
    "PING",
];

/// What a session sends and how long it waits.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    pub commands: Vec<String>,
    pub timeout: Duration,
}

/// Both sides on this machine: a device process on the pty's master end, the host (this
/// process and its reader) on the slave end.
pub fn run_virtual(options: &SessionOptions, fault: Option<Fault>) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    println!(
        "lesson06-serial: a host and a device process talk over a virtual serial pair  (Notes: 学习目标 3, 其他思考 2)"
    );
    let (master, mut slave) = Port::pair()?;
    slave
        .lock_exclusive()
        .with_context(|| format!("cannot lock {}", slave.name()))?;
    println!(
        "pty:    {} in raw mode: the device process gets the master end, the host keeps the slave end",
        slave.name()
    );
    let second_open = match Port::open(slave.name(), PTY_BAUD) {
        Err(err) => err.to_string(),
        Ok(_) => bail!(
            "a second open of {} succeeded: it is not locked",
            slave.name()
        ),
    };
    println!("host:   locked it (TIOCEXCL and flock); a second open fails: {second_open}");

    let log = Queue::<DeviceEvent>::new()
        .context("cannot create the queue the device passes its log through")?;
    let device = fork_child(|| {
        let served = slave
            .close_in_child()
            .context("cannot let go of the host's end")
            .and_then(|()| device::serve(&master, fault, start, |event| Ok(log.put(&event)?)));
        match served {
            Ok(Ended::HostHungUp) => 0,
            Ok(Ended::HungUpOnPurpose) => 3,
            Err(err) => exit_code_in_child("device", Err(err)),
        }
    })
    .context("cannot start the device process")?;
    // The device has its own copy of the master; ours must go, or the device's end would
    // never hang up when the device dies.
    drop(master);
    let answers = match fault {
        None => "answers PING, ECHO <text>, JOB <n>".to_string(),
        Some(fault) => format!("misbehaves on purpose (--device-fault {})", fault.name()),
    };
    println!(
        "device: pid {} has the master end and {answers}",
        device.pid()
    );
    let device = DeviceSide {
        child: device,
        log,
        early: BTreeMap::new(),
    };
    host::converse(
        slave,
        Some(device),
        &options.commands,
        options.timeout,
        start,
    )
}

/// The host against a real port (a USB serial adapter, or one end of a socat pair): whatever
/// is on the other end plays the device.
pub fn run_port(path: &str, baud: u32, options: &SessionOptions) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let port = Port::open(path, baud)?;
    println!(
        "lesson06-serial: the host talks to whatever is on the other end of {path}  (Notes: 学习目标 3)"
    );
    println!("host:   opened {path} at {baud} baud, exclusively, in raw mode");
    host::converse(port, None, &options.commands, options.timeout, start)
}

/// Only the device, on a real port: a terminal program or a pyserial script plays the host.
/// Runs until the other side hangs up, or Ctrl-C.
pub fn run_device(path: &str, baud: u32, fault: Option<Fault>) -> anyhow::Result<ExitCode> {
    let port = Port::open(path, baud)?;
    println!(
        "device: pid {} serves {path} at {baud} baud (opened exclusively): PING, ECHO <text>, JOB <n>, one command a line; Ctrl-C stops it",
        std::process::id()
    );
    match serve_and_print(&port, fault)? {
        Ended::HostHungUp => bail!("the other end of {path} hung up"),
        Ended::HungUpOnPurpose => hung_up_on_purpose(),
    }
}

/// Only the device, on the master end of a new pty: a host opens the slave end by its path
/// (`--port PATH` in a second terminal, a pyserial script, a terminal program). No socat needed.
pub fn run_device_on_own_pty(fault: Option<Fault>) -> anyhow::Result<ExitCode> {
    let (master, slave) = Port::pair()?;
    let path = slave.name().to_string();
    println!(
        "device: pid {} serves a new pty: a host opens {path} (e.g. cargo run -p lesson06-serial -- --port {path}); PING, ECHO <text>, JOB <n>, one command a line; Ctrl-C stops it",
        std::process::id()
    );
    // The device keeps the slave open too, unlocked: on Linux, reading a master whose slave
    // has no descriptor left fails with EIO. So one host after another can come and go.
    let ended = serve_and_print(&master, fault)?;
    drop(slave);
    match ended {
        Ended::HostHungUp => bail!("the pty {path} hung up"),
        Ended::HungUpOnPurpose => hung_up_on_purpose(),
    }
}

fn serve_and_print(port: &Port, fault: Option<Fault>) -> anyhow::Result<Ended> {
    let pid = std::process::id();
    let start = Instant::now();
    device::serve(port, fault, start, |event| {
        let arrow = if event.received { "<-" } else { "->" };
        println!(
            "{}",
            transcript_line(event.at, "device", pid, arrow, &event.shown)
        );
        Ok(())
    })
}

fn hung_up_on_purpose() -> anyhow::Result<ExitCode> {
    println!("device: hung up on purpose (--device-fault hang-up)");
    Ok(ExitCode::FAILURE)
}
