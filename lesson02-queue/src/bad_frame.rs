//! `--bad-frame KIND`, a fault hook for the tests: the first worker puts a frame that is not a
//! `WorkerResult`, and the parent's `get` must fail with one line naming the queue and the type
//! it expected, never a panic. Not part of the notes' program.

use std::io;

use clap::ValueEnum;

use crate::queue::Queue;
use crate::walkthrough::WorkerResult;

/// What the bad frame holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BadFrame {
    /// A real result's bytes with the last one cut off.
    Truncated,
    /// Bytes no serializer wrote.
    Corrupt,
    /// A `String`: the other side put another type.
    WrongType,
}

/// Puts the bad frame where the worker's result would go.
pub fn put(queue: &Queue<WorkerResult>, kind: BadFrame, result: &WorkerResult) -> io::Result<()> {
    let body = match kind {
        BadFrame::Truncated => {
            let mut bytes = postcard::to_stdvec(result).map_err(io::Error::other)?;
            bytes.pop();
            bytes
        }
        BadFrame::Corrupt => vec![0xff; 12],
        BadFrame::WrongType => {
            postcard::to_stdvec(&"a string, not a result".to_string()).map_err(io::Error::other)?
        }
    };
    queue.put_unchecked_bytes(&body)
}
