//! A port used line by line: send one line, read the next one. The short programs (the notes'
//! port and the exercises' playground) use these; the session's host and device read with
//! [`Framer`] directly, because they report each fault their own way.

use std::collections::VecDeque;
use std::time::Duration;

use anyhow::bail;

use crate::port::{Io, Port};
use crate::protocol::{Frame, Framer, Shown};

/// How long a line may take to be written, or a reply to come.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Writes `line` and `end` (`b"\n"` for a command, [`REPLY_END`](crate::protocol::REPLY_END)
/// for a reply).
pub fn send_line(port: &Port, line: &str, end: &[u8]) -> anyhow::Result<()> {
    match port.write_all(&[line.as_bytes(), end].concat(), TIMEOUT)? {
        Io::Done(_) => Ok(()),
        Io::TimedOut => bail!(
            "could not write {} within {} s: the other side does not read",
            Shown(line.as_bytes()),
            TIMEOUT.as_secs()
        ),
        Io::HungUp => bail!(
            "the other side hung up before {} was sent",
            Shown(line.as_bytes())
        ),
    }
}

/// The lines that arrive on a port, one at a time.
#[derive(Debug)]
pub struct Lines<'a> {
    port: &'a Port,
    framer: Framer,
    ready: VecDeque<Frame>,
}

impl<'a> Lines<'a> {
    pub fn new(port: &'a Port) -> Self {
        Lines {
            port,
            framer: Framer::new(),
            ready: VecDeque::new(),
        }
    }

    /// The next line, waiting for ever for it; `None` once the other side has hung up.
    pub fn next_line(&mut self) -> anyhow::Result<Option<Frame>> {
        loop {
            match self.read(None)? {
                Io::Done(_) => return Ok(self.ready.pop_front()),
                Io::HungUp => return Ok(None),
                Io::TimedOut => {} // no deadline was given; a spurious wake-up
            }
        }
    }

    /// The next line, which must come within [`TIMEOUT`]: the reply to `command`.
    pub fn reply_to(&mut self, command: &str) -> anyhow::Result<Frame> {
        let command = Shown(command.as_bytes());
        match self.read(Some(TIMEOUT))? {
            Io::Done(_) => Ok(self.ready.pop_front().expect("a line is ready")),
            Io::HungUp => bail!("the device hung up before it replied to {command}"),
            Io::TimedOut => bail!("no reply to {command} within {} s", TIMEOUT.as_secs()),
        }
    }

    /// Reads until a line is ready (`Io::Done`), or the other side hangs up, or `timeout` passes.
    fn read(&mut self, timeout: Option<Duration>) -> std::io::Result<Io> {
        let mut buf = [0u8; 1024];
        while self.ready.is_empty() {
            match self.port.read(&mut buf, timeout)? {
                Io::Done(read) => self.ready.extend(self.framer.push(&buf[..read])),
                other => return Ok(other),
            }
        }
        Ok(Io::Done(self.ready.len()))
    }
}
