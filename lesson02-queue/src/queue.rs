//! A queue between processes, with `put` and `get` like `multiprocessing.Queue`.
//!
//! Underneath it is one pipe. `put` writes one *frame* with a single `write()`: a 4-byte
//! length, then the message as serde serialized it (the notes' result, a `u128`, takes 6 bytes
//! in postcard's format, so its frame is 10). POSIX makes a write of at most `PIPE_BUF` bytes
//! (4096 on Linux) to a pipe atomic: frames from several writers never interleave, and each
//! `put` is in the pipe, visible to the reader, the moment it returns. A larger frame takes
//! several writes, so it first takes a write lock shared by every process, as CPython's
//! `Queue` does with its `_wlock`.
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

use std::any::type_name;
use std::io::{self, ErrorKind, Write};
use std::marker::PhantomData;
use std::time::{Duration, Instant};

use nix::fcntl::{FcntlArg, OFlag, fcntl};
use serde::Serialize;
use serde::de::DeserializeOwned;

mod batch;
mod fault;
mod handover;
mod wait;
mod write_lock;

pub use batch::Batch;
use write_lock::WriteLock;

/// The most bytes one `write()` to a pipe moves atomically (POSIX `PIPE_BUF`).
pub const PIPE_BUF: usize = nix::libc::PIPE_BUF;
/// A frame starts with the message's length, a little-endian `u32`.
const HEADER: usize = 4;

/// A value that can travel through a [`Queue`]: any type serde can turn into bytes and back
/// into an owned value, `#[derive(Serialize, Deserialize)]` on your own types. CPython pickles
/// the object; we serialize it with serde, in postcard's compact binary format (a `u64` below
/// 128 is one byte, a `String` its length and its bytes).
///
/// What pickle cannot send, serde cannot either: an open file, a closure, a reference into the
/// sender's memory. CPython finds out after `put` has returned, in its feeder thread, and the
/// object is lost (`TypeError: cannot pickle ...`); Rust when it compiles. Each of these fails
/// to build (rustdoc checks it), with `error[E0599]: the
/// function or associated item `new` exists for struct `Queue<File>`, but its trait bounds
/// were not satisfied` and a note that `File: Serialize` is missing:
///
/// ```compile_fail,E0599
/// let files = lesson02_queue::Queue::<std::fs::File>::new();
/// ```
///
/// ```compile_fail,E0599
/// let closures = lesson02_queue::Queue::<Box<dyn Fn(u64) -> u64>>::new();
/// ```
///
/// ```compile_fail,E0599
/// let references = lesson02_queue::Queue::<&u64>::new();
/// ```
///
/// The same with a type that can go, to show the three above fail for what they carry:
///
/// ```
/// let numbers = lesson02_queue::Queue::<Vec<u64>>::new();
/// ```
pub trait Message: Serialize + DeserializeOwned {}

impl<T: Serialize + DeserializeOwned> Message for T {}

/// Appends `message`'s frame to `out`: its length, then its bytes.
fn push_frame<T: Message>(out: &mut Vec<u8>, message: &T) -> io::Result<()> {
    let start = out.len();
    out.extend_from_slice(&[0; HEADER]);
    let serialized = postcard::to_extend(message, Append(out)).map(|_| ());
    let length = serialized.map_err(|err| err.to_string()).and_then(|()| {
        u32::try_from(out.len() - start - HEADER).map_err(|_| "over 4 GiB".to_string())
    });
    let length = length.map_err(|why| {
        out.truncate(start);
        let what = type_name::<T>();
        io::Error::new(
            ErrorKind::InvalidInput,
            format!("cannot put a {what}: {why}"),
        )
    })?;
    out[start..start + HEADER].copy_from_slice(&length.to_le_bytes());
    Ok(())
}

/// postcard appends to anything that implements `Extend<u8>`; this lets it append to a
/// borrowed `Vec` (which keeps the frames already in it if serializing fails).
struct Append<'v>(&'v mut Vec<u8>);

impl Extend<u8> for Append<'_> {
    fn extend<I: IntoIterator<Item = u8>>(&mut self, bytes: I) {
        self.0.extend(bytes);
    }
}

/// `body` decoded as a `T`; every byte must be used, or it was not a `T`'s frame.
fn deserialize<T: Message>(body: &[u8]) -> io::Result<T> {
    let not_a = |why: String| {
        io::Error::new(
            ErrorKind::InvalidData,
            format!(
                "a {}-byte frame is not a {}: {why}",
                body.len(),
                type_name::<T>()
            ),
        )
    };
    match postcard::take_from_bytes::<T>(body) {
        Ok((message, [])) => Ok(message),
        Ok((_, left_over)) => Err(not_a(format!("{} bytes left over", left_over.len()))),
        Err(err) => Err(not_a(err.to_string())),
    }
}

/// A first-in first-out queue of `T` between a process and the children it forks.
#[derive(Debug)]
pub struct Queue<T> {
    reader: io::PipeReader,
    writer: io::PipeWriter,
    /// Bytes read from the pipe that `get` has not returned yet: `unread[start..end]`. What
    /// follows `end` is room for the next read.
    unread: Vec<u8>,
    start: usize,
    end: usize,
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
            end: 0,
            last_read_was_small: false,
            write_lock: WriteLock::new()?,
            message: PhantomData,
        })
    }

    /// Puts `message` on the queue: one frame, written at once. Blocks while the pipe is full.
    pub fn put(&self, message: &T) -> io::Result<()> {
        // A small message's frame is built on the stack: no allocation for each put.
        let mut small = [0u8; 64];
        if let Ok(body) = postcard::to_slice(message, &mut small[HEADER..]) {
            let length = body.len();
            small[..HEADER].copy_from_slice(&(length as u32).to_le_bytes());
            return self.write_frames(&small[..HEADER + length]);
        }
        // Too big for that (or serde failed, which `push_frame` reports).
        let mut frame = Vec::new();
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
        if let Some(message) = self.next_buffered()? {
            return Ok(Some(message));
        }
        // Read the clock only when we have to wait: it costs more than taking a buffered message.
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if !self.fill(Some(left))? {
                return Ok(None);
            }
            if let Some(message) = self.next_buffered()? {
                return Ok(Some(message));
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
        let buffered = &self.unread[self.start..self.end];
        let Some(header) = buffered.get(..HEADER) else {
            return Ok(None);
        };
        let length = u32::from_le_bytes(header.try_into().expect("4 bytes")) as usize;
        let Some(body) = buffered.get(HEADER..HEADER + length) else {
            return Ok(None);
        };
        // Past this frame even if it does not decode: the next `get` reads the next one.
        self.start += HEADER + length;
        deserialize(body).map(Some)
    }

    /// Reads whatever the pipe holds, waiting up to `timeout` (for ever if `None`) for at least
    /// one byte; `false` if none came in time.
    fn fill(&mut self, timeout: Option<Duration>) -> io::Result<bool> {
        // Move the unread bytes to the front, and make room to read 64 KiB after them.
        self.unread.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
        if self.unread.len() < self.end + 64 * 1024 {
            // Zeroed only when it grows: safe Rust cannot read into memory it has not set.
            self.unread.resize(self.end + 64 * 1024, 0);
        }
        let read = self.read_waiting(self.end, timeout)?;
        self.end += read;
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
    fn frames_split_across_reads_and_bigger_than_a_read_arrive_intact() {
        let mut queue = Queue::<Vec<u8>>::new().expect("pipe");
        // 200 KB (more than one 64 KiB read), then small ones of every length up to 300.
        let messages: Vec<Vec<u8>> = std::iter::once(200_000)
            .chain(0..300)
            .map(|len| (0..len).map(|i| (i % 251) as u8).collect())
            .collect();
        let mut frames = Vec::new();
        for message in &messages {
            push_frame(&mut frames, message).expect("frame");
        }
        // Written in 1000-byte pieces, so reads end in the middle of frames.
        let mut writer = queue.writer.try_clone().expect("dup");
        let writing = std::thread::spawn(move || {
            frames
                .chunks(1000)
                .try_for_each(|piece| writer.write_all(piece))
        });
        for message in &messages {
            let got = queue.get_timeout(Duration::from_secs(30)).expect("get");
            assert_eq!(got.as_ref(), Some(message));
        }
        writing.join().expect("writer thread").expect("write");
    }

    #[test]
    fn a_frame_is_the_length_then_the_serialized_bytes() {
        let mut frame = Vec::new();
        push_frame(&mut frame, &7u128).expect("small");
        // postcard writes an integer as a varint: 7 is one byte.
        assert_eq!(frame, [1, 0, 0, 0, 7]);
        push_frame(&mut frame, &"hi".to_string()).expect("small");
        assert_eq!(frame[5..], [3, 0, 0, 0, 2, b'h', b'i']);
    }

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Order {
        customer: String,
        items: Vec<u32>,
    }

    #[test]
    fn a_struct_travels_and_a_bad_frame_is_an_error_naming_the_type() {
        let mut queue = Queue::<Order>::new().expect("pipe");
        let order = Order {
            customer: "Ada".to_string(),
            items: vec![3, 1, 4],
        };
        queue.put(&order).expect("put");
        queue.put_unchecked_bytes(&[3, b'A']).expect("put");
        queue.put_unchecked_bytes(&[0, 0, 9]).expect("put");
        queue.put(&order).expect("put");
        assert_eq!(queue.get().expect("get"), order);
        for left_over in [false, true] {
            let err = queue.get().expect_err("not an Order");
            assert_eq!(err.kind(), ErrorKind::InvalidData);
            let message = err.to_string();
            assert!(
                message.contains("frame is not a lesson02_queue::queue::tests::Order"),
                "{message}"
            );
            assert_eq!(
                message.contains("1 bytes left over"),
                left_over,
                "{message}"
            );
        }
        assert_eq!(queue.get().expect("the queue goes on"), order);
    }
}
