//! `--paced-baud`: a writer that sends no faster than a real line at that baud rate carries, a
//! hundredth of a second's worth at a time, as a UART sends at its baud rate.

use std::thread;
use std::time::{Duration, Instant};

/// When each chunk of a paced writer may go out.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    began: Instant,
    bytes_per_s: f64,
}

impl Pace {
    pub fn new(bytes_per_s: f64) -> Self {
        Pace {
            began: Instant::now(),
            bytes_per_s,
        }
    }

    /// How many bytes to write at a time: a hundredth of a second's worth, within `1..=max`.
    pub fn chunk(&self, max: usize) -> usize {
        ((self.bytes_per_s / 100.0) as usize).clamp(1, max)
    }

    /// Sleeps until a line at this speed would have finished sending `sent` bytes.
    pub fn wait_until_sent(&self, sent: u64) {
        let due = self.began + Duration::from_secs_f64(sent as f64 / self.bytes_per_s);
        thread::sleep(due.saturating_duration_since(Instant::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paced_writer_sends_a_hundredth_of_a_second_at_a_time() {
        assert_eq!(Pace::new(11_520.0).chunk(32 * 1024), 115);
        assert_eq!(Pace::new(50.0).chunk(32 * 1024), 1);
        assert_eq!(Pace::new(1e9).chunk(32 * 1024), 32 * 1024);
    }
}
