//! A fault hook for the tests: put a frame whose bytes are not a valid message, to show that
//! the reader gives a one-line error and no panic (`lesson02-queue --bad-frame`).

use std::io;

use super::{HEADER, Message, Queue};

impl<T: Message> Queue<T> {
    /// Fault hook: writes `body` as one frame, unchecked, as a buggy or foreign writer would.
    #[doc(hidden)]
    pub fn put_unchecked_bytes(&self, body: &[u8]) -> io::Result<()> {
        let length = u32::try_from(body.len()).map_err(io::Error::other)?;
        let mut frame = Vec::with_capacity(HEADER + body.len());
        frame.extend_from_slice(&length.to_le_bytes());
        frame.extend_from_slice(body);
        self.write_frames(&frame)
    }
}
