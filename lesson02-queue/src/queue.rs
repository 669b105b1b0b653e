//! A queue between processes, with `put` and `get` like `multiprocessing.Queue`.
//!
//! Underneath it is one pipe. `put` writes one *frame* (a 4-byte length, then the encoded
//! message) with a single `write()`. POSIX makes a write of at most `PIPE_BUF` bytes (4096 on
//! Linux) to a pipe atomic, so frames from several writers never interleave, and each `put` is
//! in the pipe, visible to the reader, the moment it returns. A larger frame takes several
//! writes, so it first takes a write lock shared by every process (a second pipe holding one
//! token byte), as CPython's `Queue` does with its `_wlock`.
//!
//! The queue is made before `fork`, so every child inherits both ends. One process reads: the
//! reader keeps a buffer of bytes it has read but not yet returned.
//!
//! CPython's `Queue` differs: `put` pickles the object and hands it to a feeder thread, which
//! writes it to the pipe later, so `put` returns before the data is in the pipe, and a process
//! will not exit until its feeder has written everything. That is why the notes' join-then-get
//! can deadlock (see `--payload-bytes`).

use std::io::{self, ErrorKind, Read, Write};
use std::marker::PhantomData;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

/// The most bytes one `write()` to a pipe moves atomically (POSIX `PIPE_BUF`).
pub const PIPE_BUF: usize = nix::libc::PIPE_BUF;
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
    pub fn new() -> io::Result<Self> {
        let (reader, writer) = io::pipe()?;
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

    /// Puts `message` on the queue. A frame of at most [`PIPE_BUF`] bytes goes in one atomic
    /// `write()`; a larger one under the shared write lock. Blocks while the pipe is full.
    pub fn put(&self, message: &T) -> io::Result<()> {
        let mut frame = vec![0; HEADER];
        message.encode(&mut frame);
        let length = u32::try_from(frame.len() - HEADER)
            .map_err(|_| io::Error::new(ErrorKind::InvalidInput, "message over 4 GiB"))?;
        frame[..HEADER].copy_from_slice(&length.to_le_bytes());
        self.write_frames(&frame)
    }

    /// Writes whole frames: atomically if they fit in `PIPE_BUF`, else under the write lock.
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

    /// A batching writer: frames collect in memory and go out `PIPE_BUF` bytes at a time, so
    /// far fewer `write()` calls, but a message is visible only once its batch is flushed.
    pub fn batch(&self) -> Batch<'_, T> {
        Batch {
            queue: self,
            frames: Vec::with_capacity(PIPE_BUF),
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

    /// One `read()` into `unread[from..]`. The read end is non-blocking: when the pipe is
    /// empty the reader first spins for a few microseconds, then sleeps in `poll()`.
    ///
    /// Why spin: a writer that finds the reader asleep must wake it, which costs more than the
    /// write itself; while the reader spins, each `put` is one cheap `write()`.
    fn read_waiting(&mut self, from: usize, timeout: Option<Duration>) -> io::Result<usize> {
        if self.last_read_was_small {
            // Give the writers a moment to add more, rather than take the pipe's lock for every
            // few bytes: reader and writers share that lock.
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

/// How long a reader spins on an empty pipe before it sleeps.
const SPIN: Duration = Duration::from_micros(50);

/// How long a reader that just got only a few bytes waits before it reads again.
const BACKOFF: Duration = Duration::from_micros(50);

fn spin_for(pause: Duration) {
    let began = Instant::now();
    while began.elapsed() < pause {
        std::hint::spin_loop();
    }
}

/// Puts collected by [`Queue::batch`], written a pipe-buffer-sized batch at a time. Flushed
/// when dropped; call [`flush`](Self::flush) to see errors.
#[derive(Debug)]
pub struct Batch<'q, T: Message> {
    queue: &'q Queue<T>,
    frames: Vec<u8>,
}

impl<T: Message> Batch<'_, T> {
    pub fn put(&mut self, message: &T) -> io::Result<()> {
        let before = self.frames.len();
        self.frames.extend_from_slice(&[0; HEADER]);
        message.encode(&mut self.frames);
        let length = u32::try_from(self.frames.len() - before - HEADER)
            .map_err(|_| io::Error::new(ErrorKind::InvalidInput, "message over 4 GiB"))?;
        self.frames[before..before + HEADER].copy_from_slice(&length.to_le_bytes());
        if self.frames.len() > PIPE_BUF {
            // Send what came before this frame (whole frames, atomically), keep this one.
            let this_frame = self.frames.split_off(before);
            if !self.frames.is_empty() {
                self.queue.write_frames(&self.frames)?;
            }
            self.frames = this_frame;
        }
        Ok(())
    }

    /// Bytes collected but not yet written to the pipe.
    pub fn pending_bytes(&self) -> usize {
        self.frames.len()
    }

    pub fn flush(&mut self) -> io::Result<()> {
        if !self.frames.is_empty() {
            self.queue.write_frames(&self.frames)?;
            self.frames.clear();
        }
        Ok(())
    }
}

impl<T: Message> Drop for Batch<'_, T> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// A lock shared by the processes that inherit it: a pipe holding one token byte. Taking the
/// lock reads the byte (blocking while another process has it); releasing writes it back.
#[derive(Debug)]
struct WriteLock {
    reader: io::PipeReader,
    writer: io::PipeWriter,
}

struct Held<'l>(&'l WriteLock);

impl WriteLock {
    fn new() -> io::Result<Self> {
        let (reader, mut writer) = io::pipe()?;
        writer.write_all(&[1])?;
        Ok(Self { reader, writer })
    }

    fn acquire(&self) -> io::Result<Held<'_>> {
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
    fn a_batch_is_invisible_until_flushed_then_complete() {
        let mut queue = Queue::<u64>::new().expect("pipe");
        {
            let mut batch = queue.batch();
            for i in 0..1_000 {
                batch.put(&i).expect("put");
            }
        } // dropped: flushed
        let got: Vec<u64> = (0..1_000).map(|_| queue.get().expect("get")).collect();
        assert_eq!(got, (0..1_000).collect::<Vec<_>>());
        let mut batch = queue.batch();
        batch.put(&7).expect("put");
        assert_eq!(batch.pending_bytes(), HEADER + 8, "held back, not written");
        batch.flush().expect("flush");
        assert_eq!(batch.pending_bytes(), 0);
        drop(batch);
        assert_eq!(queue.get().expect("get"), 7);
        assert_eq!(
            queue.get_timeout(Duration::from_millis(20)).expect("poll"),
            None
        );
    }
}
