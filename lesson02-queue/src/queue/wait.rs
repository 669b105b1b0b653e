//! How the reader waits on an empty pipe: it spins for a few microseconds, then sleeps in
//! `poll()`; and after a read that brought only a few bytes it pauses before reading again.
//!
//! Why it exists: a writer that finds the reader asleep must wake it, which costs more than
//! the write itself; while the reader spins, each `put` is one cheap `write()`. And the reader
//! and the writers share the pipe's lock in the kernel, so a reader that reads every few bytes
//! slows the writers down. Both only make the queue faster (`--bench`); a plain blocking
//! `read()` would be just as correct. The cost: a `put` may be seen up to about 50 µs late.

use std::io::{self, ErrorKind, Read};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

use super::{Message, Queue};

/// How long a reader spins on an empty pipe before it sleeps.
const SPIN: Duration = Duration::from_micros(50);

/// How long a reader that just got only a few bytes waits before it reads again.
const BACKOFF: Duration = Duration::from_micros(50);

impl<T: Message> Queue<T> {
    /// One `read()` into `unread[from..]`, waiting up to `timeout` (for ever if `None`) for the
    /// pipe to hold something; 0 bytes if nothing came in time.
    pub(super) fn read_waiting(
        &mut self,
        from: usize,
        timeout: Option<Duration>,
    ) -> io::Result<usize> {
        if self.last_read_was_small {
            // Give the writers a moment to add more, rather than take the pipe's lock for every
            // few bytes.
            spin_for(BACKOFF);
        }
        let began = Instant::now();
        loop {
            match self.reader.read(&mut self.unread[from..]) {
                Ok(0) => {
                    return Err(io::Error::new(
                        ErrorKind::UnexpectedEof,
                        "the queue's pipe was closed by every writer",
                    ));
                }
                Ok(read) => {
                    self.last_read_was_small = read < 512;
                    return Ok(read);
                }
                Err(err) if err.kind() == ErrorKind::Interrupted => {}
                Err(err) if err.kind() == ErrorKind::WouldBlock => {
                    let waited = began.elapsed();
                    let left = timeout.map(|timeout| timeout.saturating_sub(waited));
                    if left == Some(Duration::ZERO) {
                        return Ok(0);
                    }
                    if waited < SPIN {
                        std::hint::spin_loop();
                    } else {
                        self.wait_readable(left)?;
                    }
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// Sleeps until the pipe has something to read, or `timeout` passes.
    fn wait_readable(&self, timeout: Option<Duration>) -> io::Result<()> {
        let timeout = match timeout {
            None => PollTimeout::NONE,
            Some(left) => {
                let millis = u16::try_from(left.as_millis().max(1)).unwrap_or(u16::MAX);
                PollTimeout::from(millis)
            }
        };
        let mut fds = [PollFd::new(self.reader.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, timeout) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => Ok(()),
            Err(errno) => Err(errno.into()),
        }
    }
}

fn spin_for(pause: Duration) {
    let began = Instant::now();
    while began.elapsed() < pause {
        std::hint::spin_loop();
    }
}
