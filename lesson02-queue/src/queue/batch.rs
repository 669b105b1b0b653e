//! A writer that batches puts: frames collect in memory and go out `PIPE_BUF` bytes at a time.
//!
//! Why it exists: each `put` is one `write()`, a system call, and for tiny messages the call
//! costs far more than the bytes. A batch makes one call for many frames (the `--bench` line
//! `queue throughput, batched` shows how much that saves), at a price: a message is visible to
//! the reader only once its batch is written.

use std::io;

use super::{Message, PIPE_BUF, Queue, push_frame};

impl<T: Message> Queue<T> {
    /// A batching writer for this queue: see the module's documentation.
    pub fn batch(&self) -> Batch<'_, T> {
        Batch {
            queue: self,
            frames: Vec::with_capacity(PIPE_BUF),
        }
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
        push_frame(&mut self.frames, message)?;
        if self.frames.len() > PIPE_BUF {
            // Send what came before this frame (whole frames, atomically), keep this one.
            if before > 0 {
                self.queue.write_frames(&self.frames[..before])?;
            }
            self.frames.drain(..before);
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::HEADER;
    use super::*;

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
        // 7 is one byte in postcard's format.
        assert_eq!(batch.pending_bytes(), HEADER + 1, "held back, not written");
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
