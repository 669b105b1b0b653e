//! The device: on its end of the line it reads commands and answers each with one line.
//!
//! In the lesson's session it is a forked process holding the pty's master end and logging
//! what it hears and says on a lesson02 queue, for the host to print. With `--device --port
//! PATH` it is the whole program and prints its log itself.

use std::time::{Duration, Instant};

use anyhow::bail;
use serde::{Deserialize, Serialize};

pub use crate::faults::Fault;
use crate::faults::{self, Answer};
use crate::port::{Io, Port};
use crate::protocol::{Frame, Framer, REPLY_END, Shown, split_command, with_id};

/// How long the device waits for room to write a reply before it gives up on the host.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// Something the device heard or said: the lines of its transcript. It goes to the host on a
/// lesson02 queue, which serde turns into bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceEvent {
    /// Which line of the session this is (0 for the first command).
    pub line_no: u32,
    /// When, measured from the lesson's start.
    pub at: Duration,
    /// `true` for a command that arrived, `false` for a reply sent.
    pub received: bool,
    /// The line as the transcript shows it.
    pub shown: String,
}

/// A frame as a transcript shows it.
pub fn show_frame(frame: &Frame) -> String {
    match frame {
        Frame::Line(text) => Shown(text.as_bytes()).to_string(),
        Frame::Garbled(bytes) => Shown(bytes).to_string(),
        Frame::TooLong { bytes, .. } => format!("({bytes} bytes with no line end: too long)"),
    }
}

/// How the device's service ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The host's end of the line was closed.
    HostHungUp,
    /// The device hung up itself ([`Fault::HangUp`](crate::faults::Fault::HangUp)).
    HungUpOnPurpose,
}

/// Answers commands on `port` until the other side hangs up. Every command and reply is passed
/// to `log` (a reply just before it is written, so a host that has the reply also has its log),
/// without its id; a reply carries the id its command came with.
pub fn serve(
    port: &Port,
    fault: Option<Fault>,
    start: Instant,
    mut log: impl FnMut(DeviceEvent) -> anyhow::Result<()>,
) -> anyhow::Result<Ended> {
    let mut framer = Framer::new();
    let mut buf = vec![0u8; 4096];
    let mut line_no = 0;
    loop {
        let read = match port.read(&mut buf, None)? {
            Io::Done(read) => read,
            Io::HungUp => return Ok(Ended::HostHungUp),
            Io::TimedOut => continue, // no deadline was given; a spurious wake-up
        };
        for frame in framer.push(&buf[..read]) {
            let (id, frame) = split_command(frame);
            log(DeviceEvent {
                line_no,
                at: start.elapsed(),
                received: true,
                shown: show_frame(&frame),
            })?;
            let answer = match faults::answer(&frame, fault) {
                Answer::Reply(answer) => answer,
                Answer::Nothing => {
                    line_no += 1;
                    continue;
                }
                Answer::PartThenHangUp(part) => {
                    log(DeviceEvent {
                        line_no,
                        at: start.elapsed(),
                        received: false,
                        shown: format!("{} and hangs up", Shown(part)),
                    })?;
                    port.write_all(part, WRITE_TIMEOUT)?;
                    // Closing the master hangs up the slave, and the hang-up throws away what
                    // the host has not read yet: give its reader time to read the half line.
                    std::thread::sleep(Duration::from_millis(300));
                    return Ok(Ended::HungUpOnPurpose);
                }
            };
            log(DeviceEvent {
                line_no,
                at: start.elapsed(),
                received: false,
                shown: Shown(&answer).to_string(),
            })?;
            // A faulty device's noise carries no id: it is not a reply at all.
            let id = id.as_deref().filter(|_| fault.is_none());
            match port.write_all(
                &[&with_id(id, &answer)[..], REPLY_END].concat(),
                WRITE_TIMEOUT,
            )? {
                Io::Done(_) => {}
                Io::HungUp => return Ok(Ended::HostHungUp),
                Io::TimedOut => bail!(
                    "the host does not read: a reply could not be written within {} s",
                    WRITE_TIMEOUT.as_secs()
                ),
            }
            line_no += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_events_survive_the_queue() {
        let event = DeviceEvent {
            line_no: 7,
            at: Duration::from_micros(1_234_567),
            received: true,
            shown: "\"ECHO h\\xffi\"".to_string(),
        };
        let mut queue = lesson02_queue::Queue::new().expect("pipe");
        queue.put(&event).expect("put");
        assert_eq!(queue.get().expect("get"), event);
    }

    #[test]
    fn the_device_answers_over_a_pair_until_the_host_hangs_up() {
        let (master, slave) = Port::pair().expect("a pty");
        let start = Instant::now();
        let device = std::thread::spawn(move || {
            let mut events = Vec::new();
            let ended = serve(&master, None, start, |event| {
                events.push(event);
                Ok(())
            });
            (ended.expect("serves"), events)
        });
        let timeout = Duration::from_secs(5);
        assert_eq!(
            slave
                .write_all(b"#5 PING\nJOB 1000\r\n", timeout)
                .expect("write"),
            Io::Done(18)
        );
        let mut got = Vec::new();
        let mut buf = [0u8; 256];
        while !got.ends_with(b"249833583000\r\n") {
            match slave.read(&mut buf, Some(timeout)).expect("read") {
                Io::Done(read) => got.extend_from_slice(&buf[..read]),
                other => panic!("{other:?}; got {:?}", got.escape_ascii().to_string()),
            }
        }
        assert_eq!(
            got, b"#5 PONG\r\n249833583000\r\n",
            "a reply carries its command's id"
        );
        drop(slave);
        let (ended, events) = device.join().expect("no panic");
        assert_eq!(ended, Ended::HostHungUp);
        let shown: Vec<(u32, bool, &str)> = events
            .iter()
            .map(|e| (e.line_no, e.received, e.shown.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                (0, true, "\"PING\""),
                (0, false, "\"PONG\""),
                (1, true, "\"JOB 1000\""),
                (1, false, "\"249833583000\"")
            ]
        );
    }
}
