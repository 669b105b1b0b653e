//! A pseudo-terminal the test holds, so a test can play the other end of a serial line: the
//! lesson opens the slave end by its path, as it would open `/dev/ttyUSB0`, and the test reads
//! and writes the master end.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, FdFlag, OFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::termios::{SetArg, Termios, cfmakeraw, tcgetattr, tcsetattr};

/// The test's end of a serial line whose other end is the pty slave at [`path`](Self::path).
#[derive(Debug)]
pub struct Peer {
    master: OwnedFd,
    /// Held so the line stays up until the lesson opens it, and to see what it has not read.
    slave: OwnedFd,
    path: String,
}

impl Peer {
    pub fn new() -> Self {
        let pty = nix::pty::openpty(None, None).expect("openpty");
        for fd in [&pty.master, &pty.slave] {
            // Or the lesson would inherit them, and its copy of the master would keep the line
            // up after the test hangs up.
            fcntl(fd.as_fd(), FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC)).expect("cloexec");
        }
        fcntl(
            pty.master.as_fd(),
            FcntlArg::F_SETFL(OFlag::O_NONBLOCK | OFlag::O_RDWR),
        )
        .expect("non-blocking");
        let mut settings = tcgetattr(&pty.slave).expect("tcgetattr");
        cfmakeraw(&mut settings);
        tcsetattr(&pty.slave, SetArg::TCSANOW, &settings).expect("raw");
        let path = nix::unistd::ttyname(&pty.slave)
            .expect("ttyname")
            .to_string_lossy()
            .into_owned();
        Self {
            master: pty.master,
            slave: pty.slave,
            path,
        }
    }

    /// The settings of the lesson's end, as a program that opens it finds them.
    pub fn settings(&self) -> Termios {
        tcgetattr(&self.slave).expect("tcgetattr")
    }

    /// Changes the settings of the lesson's end.
    pub fn set_settings(&self, settings: &Termios) {
        tcsetattr(&self.slave, SetArg::TCSANOW, settings).expect("tcsetattr");
    }

    /// The path the lesson opens.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Writes all of `bytes` to the line, within a few seconds.
    pub fn write(&self, mut bytes: &[u8]) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !bytes.is_empty() {
            match nix::unistd::write(&self.master, bytes) {
                Ok(written) => bytes = &bytes[written..],
                Err(Errno::EAGAIN) => self.wait(PollFlags::POLLOUT, deadline),
                Err(errno) => panic!("write to the pty master: {errno}"),
            }
        }
    }

    /// Reads until what arrived ends with `wanted`; panics, showing what came, if it does not
    /// within `timeout`.
    pub fn read_until(&self, wanted: &[u8], timeout: Duration) -> Vec<u8> {
        let deadline = Instant::now() + timeout;
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while !got.ends_with(wanted) {
            match nix::unistd::read(&self.master, &mut buf) {
                Ok(0) | Err(Errno::EIO) => panic!(
                    "the lesson closed the line; got {:?}",
                    got.escape_ascii().to_string()
                ),
                Ok(read) => got.extend_from_slice(&buf[..read]),
                Err(Errno::EAGAIN) => {
                    if Instant::now() >= deadline {
                        panic!(
                            "no {:?} within {timeout:?}; got {:?}",
                            wanted.escape_ascii().to_string(),
                            got.escape_ascii().to_string()
                        );
                    }
                    self.wait(PollFlags::POLLIN, deadline);
                }
                Err(errno) => panic!("read from the pty master: {errno}"),
            }
        }
        got
    }

    /// Waits until the lesson has read everything written to it so far, so that a hang-up
    /// (which throws away what the slave has not read) loses nothing.
    pub fn wait_until_read(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let mut unread: nix::libc::c_int = 0;
            // Safety: FIONREAD writes one c_int through the pointer, which points to `unread`.
            let result = unsafe {
                nix::libc::ioctl(self.slave.as_raw_fd(), nix::libc::FIONREAD, &mut unread)
            };
            assert_eq!(result, 0, "FIONREAD on the pty slave");
            if unread == 0 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the lesson did not read within {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn wait(&self, events: PollFlags, deadline: Instant) {
        let left = deadline.saturating_duration_since(Instant::now());
        let millis = u16::try_from(left.as_millis() + 1).unwrap_or(u16::MAX);
        let mut fds = [PollFd::new(self.master.as_fd(), events)];
        let _ = poll(&mut fds, PollTimeout::from(millis));
    }
}

impl Default for Peer {
    fn default() -> Self {
        Self::new()
    }
}
