//! The host: its writer (this process) sends commands while its reader (a forked process that
//! shares the port) reads replies and passes them back through a lesson02 queue.
//!
//! The writer does not wait for each reply before it sends the next command: up to
//! [`WINDOW`] commands are on the line at once, so writing and reading go on at the same time.
//! The window bounds what is in flight, so no buffer on the way can fill up and stall both
//! sides (lesson02's join-before-get deadlock, on a serial line).

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use common::process::Child;
use lesson01_process::start::fork_child;
use lesson02_queue::Queue;
use nix::sys::signal::Signal;
use serde::{Deserialize, Serialize};

use crate::device::DeviceEvent;
use crate::port::{Io, Port};
use crate::protocol::{Frame, Framer, ID_DIGITS, MAX_LINE, Shown, split_id};

/// How many commands the writer sends ahead of the replies.
pub const WINDOW: usize = 16;

/// What the reader passes back to the writer for each line it reads, or the fault it met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heard {
    pub at: Duration,
    pub what: HeardWhat,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum HeardWhat {
    Line(String),
    Garbled(Vec<u8>),
    /// More than [`MAX_LINE`] bytes with no line end (reported as soon as it happens).
    TooLong(u64),
    /// The device hung up; the bytes of an unfinished line, if any.
    HungUp(Vec<u8>),
    /// Reading failed.
    Failed(String),
}

/// The reader process: reads lines from the port and puts each on `replies`, until the device
/// hangs up. Returns the process's exit code.
fn read_replies(port: &Port, replies: &Queue<Heard>, start: Instant) -> i32 {
    let mut framer = Framer::new();
    let mut buf = vec![0u8; 4096];
    let mut overflow_reported = false;
    let put = |what| {
        replies.put(&Heard {
            at: start.elapsed(),
            what,
        })
    };
    loop {
        let sent = match port.read(&mut buf, None) {
            Ok(Io::Done(read)) => framer.push(&buf[..read]).into_iter().try_for_each(|frame| {
                match frame {
                    Frame::Line(text) => put(HeardWhat::Line(text)),
                    Frame::Garbled(bytes) => put(HeardWhat::Garbled(bytes)),
                    // Already reported when it went past the limit.
                    Frame::TooLong { .. } if overflow_reported => Ok(()),
                    Frame::TooLong { bytes, .. } => put(HeardWhat::TooLong(bytes as u64)),
                }
            }),
            Ok(Io::HungUp) => {
                let _ = put(HeardWhat::HungUp(framer.unfinished().to_vec()));
                return 0;
            }
            Ok(Io::TimedOut) => Ok(()), // no deadline was given; a spurious wake-up
            Err(err) => {
                let _ = put(HeardWhat::Failed(err.to_string()));
                return 1;
            }
        };
        if sent.is_err() {
            return 1; // the host is gone
        }
        // Report an overlong line now, not when (if ever) its line end comes.
        if framer.unfinished_len() > MAX_LINE && !overflow_reported {
            overflow_reported = true;
            if put(HeardWhat::TooLong(framer.unfinished_len() as u64)).is_err() {
                return 1;
            }
        } else if framer.unfinished_len() == 0 {
            overflow_reported = false;
        }
    }
}

/// The id of this run's first command; the next ones count up from it. Random, so that a
/// reply to an earlier host's command (left in the line when that host gave up) cannot carry
/// the id of one of ours. (std's `RandomState` is seeded from the system's random source.)
fn first_id() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    // At most ID_DIGITS - 1 digits, so that counting up stays within ID_DIGITS.
    let below = 10u64.pow(ID_DIGITS as u32 - 1);
    RandomState::new().hash_one(std::process::id()) % below
}

/// One line of a transcript: when, who (role and pid), which way, what.
pub fn transcript_line(at: Duration, role: &str, pid: u32, arrow: &str, shown: &str) -> String {
    format!(
        "{:>10.3} ms  {role:<6} pid {pid:<7} {arrow} {shown}",
        at.as_secs_f64() * 1e3
    )
}

/// The device process of a virtual session, and the queue its log comes through.
#[derive(Debug)]
pub struct DeviceSide {
    pub child: Child,
    pub log: Queue<DeviceEvent>,
    /// Log lines that arrived ahead of the exchange being printed.
    pub early: BTreeMap<(u32, bool), DeviceEvent>,
}

/// The host's whole run: start the reader, send `commands`, print each exchange as its reply
/// arrives, then hang up and reap everyone.
pub fn converse(
    port: Port,
    mut device: Option<DeviceSide>,
    commands: &[String],
    timeout: Duration,
    start: Instant,
) -> anyhow::Result<ExitCode> {
    let mut replies = Queue::<Heard>::new()
        .context("cannot create the queue the host's reader passes replies through")?;
    let mut reader = fork_child(|| read_replies(&port, &replies, start))
        .context("cannot start the host's reader process")?;
    let host_pid = std::process::id();
    let reader_pid = reader.pid().as_raw().unsigned_abs();
    println!(
        "host:   pid {host_pid} writes; its reader, pid {reader_pid}, shares the port: it inherited the open descriptor through fork, and passes each reply back through a lesson02 queue"
    );
    let first_id = first_id();
    println!("host:   commands carry ids (#{first_id} and up); each reply must bring its id back");
    println!(
        "transcript (ms since the lesson started): the host's commands as it sends them, up to {WINDOW} ahead of the replies; then, command by command, what the device heard and answered and what the reader got"
    );
    let id_of = |line_no: usize| (first_id + line_no as u64).to_string();
    let mut next = 0;
    let mut last_sent = Duration::ZERO;
    let mut first_reply = None;
    for (line_no, command) in commands.iter().enumerate() {
        while next < commands.len() && next - line_no < WINDOW {
            let at = start.elapsed();
            let line = format!("#{} {}\n", id_of(next), commands[next]);
            match port.write_all(line.as_bytes(), timeout)? {
                Io::Done(_) => {}
                Io::TimedOut => bail!(
                    "could not write {} within {} ms: the device is not reading (flow control, or nobody there?)",
                    Shown(commands[next].as_bytes()),
                    timeout.as_millis()
                ),
                Io::HungUp => bail!("the device hung up before the host could send everything"),
            }
            println!(
                "{}",
                transcript_line(
                    at,
                    "host",
                    host_pid,
                    "->",
                    &Shown(commands[next].as_bytes()).to_string()
                )
            );
            last_sent = at;
            next += 1;
        }
        let heard = replies.get_timeout(timeout).context("the replies queue")?;
        if let Some(device) = &mut device {
            print_device_events(device, line_no as u32)?;
        }
        let Some(heard) = heard else {
            // Our own reader may be what died: then the device is not to blame.
            if let Some(status) = reader.try_wait()? {
                bail!(
                    "the host's reader, pid {reader_pid}, ended ({status}) before a reply to {} arrived",
                    Shown(command.as_bytes())
                );
            }
            bail!(
                "no reply to {} within {} ms: the device is silent or still busy (is it running, at the same baud rate?)",
                Shown(command.as_bytes()),
                timeout.as_millis()
            );
        };
        first_reply.get_or_insert(heard.at);
        let id = id_of(line_no);
        let shown = match &heard.what {
            HeardWhat::Line(text) => match split_id(text.as_bytes()) {
                (Some(got), reply) if got == id => Shown(reply).to_string(),
                _ => Shown(text.as_bytes()).to_string(),
            },
            HeardWhat::Garbled(bytes) => Shown(bytes).to_string(),
            HeardWhat::TooLong(bytes) => format!("({bytes} bytes: over the {MAX_LINE}-byte limit)"),
            HeardWhat::HungUp(partial) if partial.is_empty() => "(hang-up)".to_string(),
            HeardWhat::HungUp(partial) => format!("{} (then a hang-up)", Shown(partial)),
            HeardWhat::Failed(why) => format!("(read failed: {why})"),
        };
        println!(
            "{}",
            transcript_line(heard.at, "reader", reader_pid, "<-", &shown)
        );
        check_reply(&heard.what, command, &id)?;
    }
    let plural = if commands.len() == 1 { "" } else { "s" };
    println!(
        "{} command{plural}, each answered. The host sent its last command at {:.3} ms; its reader got the first reply at {:.3} ms.",
        commands.len(),
        last_sent.as_secs_f64() * 1e3,
        first_reply.unwrap_or_default().as_secs_f64() * 1e3
    );
    hang_up(port, &mut reader, device)
}

/// A reply line with the command's id is fine; anything else ends the session with a one-line
/// error.
fn check_reply(what: &HeardWhat, command: &str, id: &str) -> anyhow::Result<()> {
    let command = Shown(command.as_bytes());
    match what {
        HeardWhat::Line(text) => match split_id(text.as_bytes()) {
            (Some(got), _) if got == id => Ok(()),
            (Some(got), _) => bail!(
                "the reply to {command} (sent as #{id}) came back as #{got}: it answers another command, perhaps one an earlier host sent and stopped waiting for: {}",
                Shown(text.as_bytes())
            ),
            (None, _) => bail!(
                "the reply to {command} (sent as #{id}) came back with no id, so it cannot be told from a reply to another command: {} (does the other end speak this protocol?)",
                Shown(text.as_bytes())
            ),
        },
        HeardWhat::Garbled(bytes) => bail!(
            "the reply to {command} is not ASCII text: {} (a wrong baud rate turns text into noise like this)",
            Shown(bytes)
        ),
        HeardWhat::TooLong(bytes) => bail!(
            "the reply to {command} is longer than the protocol allows ({bytes} bytes, at most {MAX_LINE}): not this protocol, or a wrong baud rate?"
        ),
        HeardWhat::HungUp(partial) if partial.is_empty() => {
            bail!("the device hung up before it replied to {command}")
        }
        HeardWhat::HungUp(partial) => bail!(
            "the device hung up in the middle of its reply to {command}, after {}",
            Shown(partial)
        ),
        HeardWhat::Failed(why) => Err(anyhow!("reading the reply to {command} failed: {why}")),
    }
}

/// Prints what the device logged for line `line_no`: the command it heard, the reply it sent.
fn print_device_events(device: &mut DeviceSide, line_no: u32) -> anyhow::Result<()> {
    let pid = device.child.pid().as_raw().unsigned_abs();
    for received in [true, false] {
        let key = (line_no, received);
        // The device logs a reply before it writes it, so once the reply is here its log is
        // too; a short wait covers a device that heard the command but never answered.
        while !device.early.contains_key(&key) {
            match device
                .log
                .get_timeout(Duration::from_millis(200))
                .context("the device's log queue")?
            {
                Some(event) => {
                    device.early.insert((event.line_no, event.received), event);
                }
                None => break,
            }
        }
        if let Some(event) = device.early.remove(&key) {
            let arrow = if received { "<-" } else { "->" };
            println!(
                "{}",
                transcript_line(event.at, "device", pid, arrow, &event.shown)
            );
        }
    }
    Ok(())
}

/// Closes the host's end: stops the reader (it would wait for ever), closes the port, and lets
/// a virtual device see the hang-up and exit by itself.
fn hang_up(port: Port, reader: &mut Child, device: Option<DeviceSide>) -> anyhow::Result<ExitCode> {
    reader.signal(Signal::SIGTERM)?;
    let reader_status = reader.wait()?;
    drop(port); // the last descriptor of the host's end: the device's next read sees a hang-up
    println!(
        "host: closed the port; reader pid {}: {reader_status} (stopped by the host)",
        reader.pid()
    );
    if let Some(mut device) = device {
        let status = device
            .child
            .wait_timeout(Duration::from_secs(5))?
            .context("the device did not exit after the host hung up")?;
        println!(
            "device: pid {} saw the hang-up and exited: {status}",
            device.child.pid()
        );
        if !status.success() {
            bail!("the device failed: {status}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_reader_heard_survives_the_queue() {
        let cases = [
            HeardWhat::Line("PONG".into()),
            HeardWhat::Garbled(vec![0xff, 0]),
            HeardWhat::TooLong(2049),
            HeardWhat::HungUp(b"PON".to_vec()),
            HeardWhat::HungUp(Vec::new()),
            HeardWhat::Failed("I/O error".into()),
        ];
        let mut queue = Queue::new().expect("pipe");
        for what in cases {
            let heard = Heard {
                at: Duration::from_micros(42),
                what,
            };
            queue.put(&heard).expect("put");
            assert_eq!(queue.get().expect("get"), heard);
        }
    }

    #[test]
    fn transcript_lines_line_up() {
        assert_eq!(
            transcript_line(Duration::from_micros(412), "host", 4242, "->", "\"PING\""),
            "     0.412 ms  host   pid 4242    -> \"PING\""
        );
    }
}
