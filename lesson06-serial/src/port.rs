//! A serial port: opened by `serialport` (a real port by path, or one end of a virtual pair),
//! then read and written with a timeout, telling data, silence and a hang-up apart.
//!
//! `serialport` opens the port, takes the exclusive locks, sets the baud rate and raw mode. The
//! lesson then does its own `poll` + `read`/`write` on the descriptor, because `serialport`'s
//! `Read` folds the cases a lesson about faults must tell apart into one error: a hang-up comes
//! back as `BrokenPipe` or as a bare "I/O error", and a wake-up with both data and a hang-up
//! (`POLLIN | POLLHUP`) reports the hang-up before the last bytes are read.
//!
//! What the kernel does with a pseudo-terminal (pty) when one side goes away, on Linux:
//! - reading the master after every descriptor of the slave was closed fails with `EIO` (until
//!   someone opens the slave again); macOS and the BSDs return 0 instead;
//! - reading the slave after the master was closed returns 0 (end of file) or `EIO`, and the
//!   hang-up throws away whatever the slave had not read yet.
//!
//! Both count as [`Io::HungUp`] here.

use std::fmt;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use nix::errno::Errno;
use nix::fcntl::{FcntlArg, FdFlag, OFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::termios::{self, ControlFlags, InputFlags, LocalFlags, OutputFlags, SetArg, Termios};
use serialport::{SerialPort, TTYPort};

/// What one read or write came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Io {
    /// This many bytes were read, or everything was written.
    Done(usize),
    /// Nothing (more) could be moved before the deadline.
    TimedOut,
    /// The other side is gone: the pty's other end was closed, or the device was unplugged.
    HungUp,
}

/// One end of a serial line, open for reading and writing.
#[derive(Debug)]
pub struct Port {
    tty: TTYPort,
    name: String,
    /// The settings a port opened by its path had before it was opened, put back when it is
    /// closed: the terminal, adapter or program on it should not be left in raw mode.
    /// (Kept as libc's plain struct: nix's `Termios` is not `Sync`, and threads share a `Port`.)
    found: Option<nix::libc::termios>,
}

/// Why a port could not be opened, in one line with a hint.
#[derive(Debug)]
pub struct OpenError {
    pub path: String,
    pub error: serialport::Error,
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use serialport::ErrorKind;
        write!(f, "cannot open {}: {}", self.path, self.error.description)?;
        match self.error.kind() {
            ErrorKind::Io(std::io::ErrorKind::NotFound) => f.write_str(
                " (no such port: is the adapter plugged in? `ls /dev/ttyUSB* /dev/ttyACM*` lists USB serial ports)",
            ),
            ErrorKind::Io(std::io::ErrorKind::PermissionDenied) if cfg!(target_os = "linux") => {
                f.write_str(
                    " (serial ports belong to the dialout group: `sudo usermod -aG dialout $USER`, then log in again)",
                )
            }
            ErrorKind::NoDevice => f.write_str(
                " (another process has it open, and serialport opens ports exclusively)",
            ),
            _ => Ok(()),
        }
    }
}

impl std::error::Error for OpenError {}

/// The baud rate to ask for when opening a pty by its path. Linux ignores it for a pty; macOS
/// refuses any rate but 0 on a pty (`ENOTTY` from its `IOSSIOSPEED` call), and serialport
/// skips setting the rate when it is 0.
pub const PTY_BAUD: u32 = if cfg!(target_os = "macos") {
    0
} else {
    115_200
};

impl Port {
    /// Opens the serial port at `path` exclusively (serialport's default: `TIOCEXCL` and an
    /// exclusive `flock`), in raw mode, at `baud`.
    pub fn open(path: &str, baud: u32) -> Result<Port, OpenError> {
        // serialport changes the settings as it opens, so they are read through a descriptor of
        // our own first. It stays open until serialport's is: closing the last descriptor of a
        // real port drops its DTR line, which resets many boards.
        let before = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(nix::libc::O_NOCTTY | nix::libc::O_NONBLOCK)
            .open(path)
            .ok();
        let found = before
            .as_ref()
            .and_then(|file| termios::tcgetattr(file).ok())
            .map(nix::libc::termios::from);
        let tty = serialport::new(path, baud)
            .open_native()
            .map_err(|error| OpenError {
                path: path.to_string(),
                error,
            })?;
        drop(before);
        let port = Port {
            tty,
            name: path.to_string(),
            found,
        };
        port.prepare()
            .and_then(|()| port.discard_input())
            .map_err(|err| OpenError {
                path: path.to_string(),
                error: serialport::Error::new(serialport::ErrorKind::Unknown, format!("{err:#}")),
            })?;
        Ok(port)
    }

    /// A virtual serial pair: a pseudo-terminal. Bytes written to one end come out of the
    /// other. Returns `(master, slave)`; the slave has a path (`/dev/pts/N`) that any program
    /// can open, the master has none and is only reachable through this descriptor.
    pub fn pair() -> anyhow::Result<(Port, Port)> {
        let (master, slave) = TTYPort::pair().context("cannot create a virtual serial pair")?;
        let name = slave.name().unwrap_or_else(|| "the pty slave".to_string());
        let master = Port {
            tty: master,
            name: format!("the master of {name}"),
            found: None,
        };
        let slave = Port {
            tty: slave,
            name,
            found: None,
        };
        // pair() opens both without O_CLOEXEC: a program we run later would inherit them.
        master.prepare()?;
        slave.prepare()?;
        Ok((master, slave))
    }

    /// Close-on-exec, non-blocking (every wait goes through `poll`, with a deadline), raw.
    fn prepare(&self) -> anyhow::Result<()> {
        let set_up = || format!("cannot set up {}", self.name);
        fcntl(self.fd(), FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC)).with_context(set_up)?;
        let flags =
            OFlag::from_bits_retain(fcntl(self.fd(), FcntlArg::F_GETFL).with_context(set_up)?);
        fcntl(self.fd(), FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK)).with_context(set_up)?;
        // macOS cannot read a pty master's settings; Linux can, and its master starts raw.
        if self.tty.name().is_some() || cfg!(target_os = "linux") {
            make_raw(self.fd()).with_context(|| format!("cannot put {} in raw mode", self.name))?;
        }
        Ok(())
    }

    /// Throws away whatever arrived before the port was opened: a reply meant for an earlier
    /// program on this port would otherwise be read as the answer to our first command.
    fn discard_input(&self) -> anyhow::Result<()> {
        termios::tcflush(self.fd(), termios::FlushArg::TCIFLUSH)
            .with_context(|| format!("cannot discard what waits unread in {}", self.name))
    }

    /// The path it was opened by, or which pty it is the master of.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Takes the same exclusive locks as [`open`](Self::open). `TTYPort::pair()` marks both
    /// ends exclusive but takes no lock, so without this a second program could open the slave.
    pub fn lock_exclusive(&mut self) -> serialport::Result<()> {
        self.tty.set_exclusive(true)
    }

    /// In a forked child: closes the child's copy of a descriptor that belongs to the other
    /// side, so that the other side's hang-up is seen (a pty hangs up only when *every*
    /// descriptor of one end is closed).
    ///
    /// Not `drop`: the `Port` is the parent's, and `TTYPort`'s `Drop` also clears the tty's
    /// exclusive mode (`TIOCNXCL`), for every process that has it open. Nor a plain `close`:
    /// the `Port` would still hold the number, and a later drop would close it a second time,
    /// perhaps after the number was reused. Instead the number is pointed at this process's
    /// stdin, which lets go of the pty and leaves a descriptor that is still ours to close.
    /// (Stdin, not a fresh `/dev/null`: a child that is out of descriptors can still do this.
    /// Rust's runtime opens `/dev/null` as stdin at start-up if the process had none.)
    pub fn close_in_child(&self) -> std::io::Result<()> {
        // Safety: dup2 reads no memory; both numbers are open descriptors of this process, and
        // `self.tty`'s stays open (now on stdin's file) until `self` is dropped.
        let result = unsafe { nix::libc::dup2(nix::libc::STDIN_FILENO, self.tty.as_raw_fd()) };
        Errno::result(result)
            .map(drop)
            .map_err(std::io::Error::from)
    }

    fn fd(&self) -> BorrowedFd<'_> {
        // Safety: the TTYPort owns this descriptor and keeps it open for as long as `self`
        // lives, and the borrow cannot outlive `self`.
        unsafe { BorrowedFd::borrow_raw(self.tty.as_raw_fd()) }
    }

    /// Reads what is there, waiting up to `timeout` (for ever if `None`) for at least one byte.
    pub fn read(&self, buf: &mut [u8], timeout: Option<Duration>) -> std::io::Result<Io> {
        let deadline = timeout.map(|timeout| Instant::now() + timeout);
        loop {
            match nix::unistd::read(self.fd(), buf) {
                Ok(0) | Err(Errno::EIO) => return Ok(Io::HungUp),
                Ok(read) => return Ok(Io::Done(read)),
                Err(Errno::EAGAIN) => {
                    if !self.wait(PollFlags::POLLIN, deadline)? {
                        return Ok(Io::TimedOut);
                    }
                }
                Err(Errno::EINTR) => {}
                Err(errno) => return Err(errno.into()),
            }
        }
    }

    /// Writes all of `data`, waiting at most `timeout` for room (a peer that does not read
    /// fills the line's buffer, and then a write waits).
    pub fn write_all(&self, mut data: &[u8], timeout: Duration) -> std::io::Result<Io> {
        let deadline = Some(Instant::now() + timeout);
        let total = data.len();
        while !data.is_empty() {
            match nix::unistd::write(self.fd(), data) {
                Ok(written) => data = &data[written..],
                Err(Errno::EAGAIN) => {
                    if !self.wait(PollFlags::POLLOUT, deadline)? {
                        return Ok(Io::TimedOut);
                    }
                }
                Err(Errno::EINTR) => {}
                Err(Errno::EIO | Errno::EPIPE) => return Ok(Io::HungUp),
                Err(errno) => return Err(errno.into()),
            }
        }
        Ok(Io::Done(total))
    }

    /// Waits until the port is ready for `events` (or reports a hang-up); `false` once the
    /// deadline has passed.
    fn wait(&self, events: PollFlags, deadline: Option<Instant>) -> std::io::Result<bool> {
        let timeout = match deadline {
            None => PollTimeout::NONE,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok(false);
                }
                // Rounded up, so a wait never ends just before its deadline and spins.
                let millis = left.as_millis().saturating_add(1);
                PollTimeout::try_from(millis).unwrap_or(PollTimeout::MAX)
            }
        };
        let mut fds = [PollFd::new(self.fd(), events)];
        match poll(&mut fds, timeout) {
            // Ready, timed out (the caller's next try finds out which) or interrupted.
            Ok(_) | Err(Errno::EINTR) => Ok(true),
            Err(errno) => Err(errno.into()),
        }
    }
}

/// Closing a port opened by its path puts back the settings it had, however the lesson ends
/// (a normal end, an error; not a signal that kills it, as no destructor runs then: `stty
/// sane < PATH` repairs a terminal left in raw mode). A forked child never drops its copy.
impl Drop for Port {
    fn drop(&mut self) {
        if let Some(settings) = self.found {
            // Nothing to do about a failure: the other end may be gone (EIO), the port is closing.
            let _ = termios::tcsetattr(self.fd(), SetArg::TCSANOW, &Termios::from(settings));
        }
    }
}

/// Raw mode: bytes pass unchanged. A terminal's default ("cooked") mode would echo what
/// arrives back to the sender, turn CR into LF, hold input until a line end, treat Ctrl-C,
/// Ctrl-S and Ctrl-Q as commands, and add a CR before every LF it sends: a binary transfer
/// through it comes out wrong, and even text lines do not survive it.
fn make_raw(fd: BorrowedFd<'_>) -> anyhow::Result<()> {
    let mut settings = termios::tcgetattr(fd)?;
    if !is_raw(&settings) {
        termios::cfmakeraw(&mut settings);
        termios::tcsetattr(fd, SetArg::TCSANOW, &settings)?;
        settings = termios::tcgetattr(fd)?;
    }
    ensure!(
        is_raw(&settings),
        "the terminal kept some of its cooked settings"
    );
    Ok(())
}

fn is_raw(settings: &Termios) -> bool {
    let cooked_input = InputFlags::ICRNL
        | InputFlags::INLCR
        | InputFlags::IGNCR
        | InputFlags::IXON
        | InputFlags::ISTRIP;
    let cooked_local =
        LocalFlags::ECHO | LocalFlags::ICANON | LocalFlags::ISIG | LocalFlags::IEXTEN;
    !settings.input_flags.intersects(cooked_input)
        && !settings.local_flags.intersects(cooked_local)
        && !settings.output_flags.contains(OutputFlags::OPOST)
        && settings.control_flags & ControlFlags::CSIZE == ControlFlags::CS8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_carries_every_byte_value_unchanged_both_ways() {
        let (master, slave) = Port::pair().expect("a pty");
        let all: Vec<u8> = (0..=255).collect();
        let timeout = Duration::from_secs(5);
        for (from, to) in [(&master, &slave), (&slave, &master)] {
            assert_eq!(from.write_all(&all, timeout).expect("write"), Io::Done(256));
            let mut got = Vec::new();
            let mut buf = [0u8; 512];
            while got.len() < all.len() {
                match to.read(&mut buf, Some(timeout)).expect("read") {
                    Io::Done(read) => got.extend_from_slice(&buf[..read]),
                    other => panic!("{other:?} after {} bytes", got.len()),
                }
            }
            assert_eq!(got, all, "raw mode: no byte added, dropped or changed");
        }
    }

    #[test]
    fn silence_times_out_and_a_closed_master_is_a_hang_up() {
        let (master, slave) = Port::pair().expect("a pty");
        let mut buf = [0u8; 16];
        let began = Instant::now();
        assert_eq!(
            slave
                .read(&mut buf, Some(Duration::from_millis(50)))
                .expect("read"),
            Io::TimedOut
        );
        assert!(began.elapsed() >= Duration::from_millis(50));
        drop(master);
        assert_eq!(
            slave
                .read(&mut buf, Some(Duration::from_secs(5)))
                .expect("read"),
            Io::HungUp
        );
    }

    #[test]
    fn a_locked_port_cannot_be_opened_twice() {
        let (_master, mut slave) = Port::pair().expect("a pty");
        let path = slave.name().to_string();
        slave.lock_exclusive().expect("lock");
        let err = Port::open(&path, PTY_BAUD).expect_err("locked");
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("cannot open {path}: ")),
            "{message}"
        );
        assert!(message.contains("another process has it open"), "{message}");
    }

    #[test]
    fn a_missing_port_says_so_in_one_line() {
        let err = Port::open("/dev/lesson06-no-such-port", 9600).expect_err("missing");
        let message = err.to_string();
        assert!(
            message.starts_with(
                "cannot open /dev/lesson06-no-such-port: No such file or directory (no such port"
            ),
            "{message}"
        );
        assert!(!message.contains('\n'));
    }
}
