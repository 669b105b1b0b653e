//! Handing a queue to a child that is not a copy of its parent (spawn, forkserver): such a
//! child inherits no `Queue`, only the file descriptors it is handed, and rebuilds the queue
//! from them. CPython does the same when it pickles a `Queue` for such a child.

use std::io;
use std::marker::PhantomData;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use super::{Message, Queue, WriteLock};

impl<T: Message> Queue<T> {
    /// The queue's pipe and its write lock's pipe, read end then write end: what a child needs
    /// to use the queue, in the order [`from_fds`](Self::from_fds) takes them.
    pub fn fds(&self) -> [BorrowedFd<'_>; 4] {
        let [lock_reader, lock_writer] = self.write_lock.fds();
        [
            self.reader.as_fd(),
            self.writer.as_fd(),
            lock_reader,
            lock_writer,
        ]
    }

    /// The queue whose [`fds`](Self::fds) this child was handed.
    pub fn from_fds(fds: Vec<OwnedFd>) -> io::Result<Self> {
        let Ok([reader, writer, lock_reader, lock_writer]) = <[OwnedFd; 4]>::try_from(fds) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a queue is handed over as 4 file descriptors",
            ));
        };
        // The reader's O_NONBLOCK belongs to the pipe's open file, which the parent set up and
        // we now share: nothing to set again.
        Ok(Self {
            reader: reader.into(),
            writer: writer.into(),
            unread: Vec::new(),
            start: 0,
            end: 0,
            last_read_was_small: false,
            write_lock: WriteLock::from_fds(lock_reader, lock_writer),
            message: PhantomData,
        })
    }
}
