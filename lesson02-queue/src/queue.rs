//! A queue between processes, with `put` and `get` like `multiprocessing.Queue`.
//!
//! Underneath it is one pipe. `put` writes one *frame* with a single `write()`: a 4-byte
//! length, then the message's bytes (a `u128` is 16 bytes, so its frame is 20). POSIX makes a
//! write of at most `PIPE_BUF` bytes (4096 on Linux) to a pipe atomic: frames from several
//! writers never interleave, and each `put` is in the pipe, visible to the reader, the moment
//! it returns. A larger frame takes several writes, so it first takes a write lock shared by
//! every process, as CPython's `Queue` does with its `_wlock`.
//!
//! The queue is made before `fork`, so every child inherits both ends; a spawned or forkserver
//! child is handed them (`queue/handover.rs`). One process reads: it keeps the bytes it has read but
//! not yet returned, and cuts them into frames.
//!
//! CPython's `Queue` differs: `put` pickles the object and hands it to a feeder thread, which
//! writes it to the pipe later, so `put` returns before the data is in the pipe, and a process
//! will not exit until its feeder has written everything. That is why the notes' join-then-get
//! can deadlock (see `--payload-bytes`).
//!
//! Two things only make it faster, and live in their own modules: how the reader waits on an
//! empty pipe ([`wait`]) and a writer that batches many small puts into one `write()`
//! ([`batch`]).

use std::io::{self, ErrorKind, Write};
use std::marker::PhantomData;
use std::time::{Duration, Instant};

use nix::fcntl::{FcntlArg, OFlag, fcntl};

mod batch;
mod handover;
mod wait;
mod write_lock;

pub use batch::Batch;
use write_lock::WriteLock;

/// The most bytes one `write()` to a pipe moves atomically (POSIX `PIPE_BUF`).
pub const PIPE_BUF: usize = nix::libc::PIPE_BUF;
/// A frame starts with the message's length, a little-endian `u32`.
const HEADER: usize = 4;

/// A value that can travel through a [`Queue`]: CPython pickles; we encode by hand.
pub trait Message: Sized {
    fn encode(&self, out: &mut Vec<u8>);
    /// `None` if `bytes` is not a valid encoding.
    fn decode(bytes: &[u8]) -> Option<Self>;
}

impl Message for u64 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn decode(bytes: &[u8]) -> Option<Self> {
        Some(Self::from_le_bytes(bytes.try_into().ok()?))
    }
}

impl Message for u128 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn decode(bytes: &[u8]) -> Option<Self> {
        Some(Self::from_le_bytes(bytes.try_into().ok()?))
    }
}

impl Message for Vec<u8> {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }
    fn decode(bytes: &[u8]) -> Option<Self> {
        Some(bytes.to_vec())
    }
}

impl Message for String {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }
    fn decode(bytes: &[u8]) -> Option<Self> {
        String::from_utf8(bytes.to_vec()).ok()
    }
}

/// Appends `message`'s frame to `out`: its length, then its bytes.
fn push_frame<T: Message>(out: &mut Vec<u8>, message: &T) -> io::Result<()> {
    let start = out.len();
    out.extend_from_slice(&[0; HEADER]);
    message.encode(out);
    let length = u32::try_from(out.len() - start - HEADER)
        .map_err(|_| io::Error::new(ErrorKind::InvalidInput, "message over 4 GiB"))?;
    out[start..start + HEADER].copy_from_slice(&length.to_le_bytes());
    Ok(())
}

/// A first-in first-out queue of `T` between a process and the children it forks.
#[derive(Debug)]
pub struct Queue<T> {
    reader: io::PipeReader,
    writer: io::PipeWriter,
    /// Bytes read from the pipe that `get` has not returned yet: `unread[start..]`.
    unread: Vec<u8>,
    start: usize,
    last_read_was_small: bool,
    write_lock: WriteLock,
    message: PhantomData<fn(T) -> T>,
}

impl<T: Message> Queue<T> {
    /// A new queue: two pipes, so four file descriptors (the queue's, and its write lock's).
    pub fn new() -> io::Result<Self> {
        Self::open()
            .map_err(|err| io::Error::new(err.kind(), format!("cannot make a queue: {err}")))
    }

    fn open() -> io::Result<Self> {
        let (reader, writer) = io::pipe()?;
        // The reader never blocks in read(): it waits its own way (see `wait`).
        let flags = fcntl(&reader, FcntlArg::F_GETFL)?;
        let flags = OFlag::from_bits_retain(flags) | OFlag::O_NONBLOCK;
        fcntl(&reader, FcntlArg::F_SETFL(flags))?;
        Ok(Self {
            reader,
            writer,
            unread: Vec::new(),
            start: 0,
            last_read_was_small: false,
            write_lock: WriteLock::new()?,
            message: PhantomData,
        })
    }

    /// Puts `message` on the queue: one frame, written at once. Blocks while the pipe is full.
    pub fn put(&self, message: &T) -> io::Result<()> {
        // Room for a small message's frame in one allocation.
        let mut frame = Vec::with_capacity(32);
        push_frame(&mut frame, message)?;
        self.write_frames(&frame)
    }

    /// Writes whole frames: in one atomic `write()` if they fit in `PIPE_BUF`, else under the
    /// write lock, so that no other writer's frame lands in the middle.
    fn write_frames(&self, frames: &[u8]) -> io::Result<()> {
        if frames.len() <= PIPE_BUF {
            let written = (&self.writer).write(frames)?;
            // A blocking write of at most PIPE_BUF bytes to a pipe is all or nothing.
            debug_assert_eq!(written, frames.len());
            Ok(())
        } else {
            let _held = self.write_lock.acquire()?;
            (&self.writer).write_all(frames)
        }
    }

    /// Takes the next message, waiting as long as it takes (Python's `get()`).
    pub fn get(&mut self) -> io::Result<T> {
        loop {
            if let Some(message) = self.next_buffered()? {
                return Ok(message);
            }
            self.fill(None)?;
        }
    }

    /// Takes the next message, waiting at most `timeout`; `None` if none came (Python's
    /// `get(timeout=...)` raises `queue.Empty` instead).
    pub fn get_timeout(&mut self, timeout: Duration) -> io::Result<Option<T>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(message) = self.next_buffered()? {
                return Ok(Some(message));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if !self.fill(Some(left))? {
                return Ok(None);
            }
        }
    }

    /// The kernel's buffer size for this pipe, where the system tells (Linux: `F_GETPIPE_SZ`).
    pub fn pipe_capacity(&self) -> Option<usize> {
        #[cfg(target_os = "linux")]
        {
            let size = fcntl(&self.writer, FcntlArg::F_GETPIPE_SZ);
            size.ok().and_then(|size| usize::try_from(size).ok())
        }
        #[cfg(not(target_os = "linux"))]
        None
    }

    /// The first whole frame of what was read, decoded; `None` until all its bytes are here.
    fn next_buffered(&mut self) -> io::Result<Option<T>> {
        let buffered = &self.unread[self.start..];
        let Some(header) = buffered.get(..HEADER) else {
            return Ok(None);
        };
        let length = u32::from_le_bytes(header.try_into().expect("4 bytes")) as usize;
        let Some(body) = buffered.get(HEADER..HEADER + length) else {
            return Ok(None);
        };
        let message = T::decode(body).ok_or_else(|| {
            io::Error::new(
                ErrorKind::InvalidData,
                "a frame that is not a valid message",
            )
        })?;
        self.start += HEADER + length;
        Ok(Some(message))
    }

    /// Reads whatever the pipe holds, waiting up to `timeout` (for ever if `None`) for at least
    /// one byte; `false` if none came in time.
    fn fill(&mut self, timeout: Option<Duration>) -> io::Result<bool> {
        // Move the unread tail to the front before reading more.
        self.unread.drain(..self.start);
        self.start = 0;
        let old_len = self.unread.len();
        self.unread.resize(old_len + 64 * 1024, 0);
        let read = self.read_waiting(old_len, timeout);
        let read = read.inspect_err(|_| self.unread.truncate(old_len))?;
        self.unread.truncate(old_len + read);
        Ok(read > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_come_out_in_order_and_intact() {
        let mut queue = Queue::<String>::new().expect("pipe");
        for word in ["first", "", "third"] {
            queue.put(&word.to_string()).expect("put");
        }
        assert_eq!(queue.get().expect("get"), "first");
        assert_eq!(queue.get().expect("get"), "");
        assert_eq!(queue.get().expect("get"), "third");
        assert_eq!(
            queue.get_timeout(Duration::from_millis(20)).expect("poll"),
            None
        );
    }

    #[test]
    fn big_numbers_travel_exactly() {
        let mut queue = Queue::<u128>::new().expect("pipe");
        let values = [0, 499_999_666_667_166_666_000_000, u128::MAX];
        for value in values {
            queue.put(&value).expect("put");
        }
        for value in values {
            assert_eq!(queue.get().expect("get"), value);
        }
    }

    #[test]
    fn a_frame_is_the_length_then_the_bytes() {
        let mut frame = Vec::new();
        push_frame(&mut frame, &7u128).expect("small");
        assert_eq!(frame.len(), HEADER + 16);
        assert_eq!(frame[..HEADER], 16u32.to_le_bytes());
        assert_eq!(frame[HEADER..], 7u128.to_le_bytes());
    }
}
