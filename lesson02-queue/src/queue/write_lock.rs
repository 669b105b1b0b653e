//! The lock a frame larger than `PIPE_BUF` is written under, so that no other writer's frame
//! lands in its middle.

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// A lock shared by the processes that inherit it: a pipe holding one token byte. Taking the
/// lock reads the byte (blocking while another process has it); releasing writes it back.
#[derive(Debug)]
pub(super) struct WriteLock {
    reader: io::PipeReader,
    writer: io::PipeWriter,
}

/// The lock, held until this is dropped.
pub(super) struct Held<'l>(&'l WriteLock);

impl WriteLock {
    pub(super) fn new() -> io::Result<Self> {
        let (reader, mut writer) = io::pipe()?;
        writer.write_all(&[1])?;
        Ok(Self { reader, writer })
    }

    /// Its pipe's two ends, for a child that does not inherit the lock (see `handover`).
    pub(super) fn fds(&self) -> [BorrowedFd<'_>; 2] {
        [self.reader.as_fd(), self.writer.as_fd()]
    }

    /// The lock whose [`fds`](Self::fds) this child was handed.
    pub(super) fn from_fds(reader: OwnedFd, writer: OwnedFd) -> Self {
        Self {
            reader: reader.into(),
            writer: writer.into(),
        }
    }

    pub(super) fn acquire(&self) -> io::Result<Held<'_>> {
        let mut token = [0u8; 1];
        (&self.reader).read_exact(&mut token)?;
        Ok(Held(self))
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let _ = (&self.0.writer).write_all(&[1]);
    }
}
