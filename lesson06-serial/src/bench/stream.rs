//! The test stream and its two ends: a writer that sends it and a reader that compares every
//! byte it gets with what was sent. A run whose data is wrong gets no time ([`check`]).

use std::time::Duration;

use anyhow::bail;
use serde::{Deserialize, Serialize};

use super::pace::Pace;
use crate::port::{Io, Port};

/// The test stream repeats every `PERIOD` bytes (a prime, so it never lines up with a chunk).
pub const PERIOD: usize = 65_521;
/// The most bytes one read or write call asks for.
pub const CHUNK: usize = 32 * 1024;
// A chunk must fit in one period to be one slice of the doubled block.
const _: () = assert!(CHUNK <= PERIOD);
/// A transfer that makes no progress for this long has stalled.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Byte `i` of the test stream. `python/bench_duplex.py` makes the same stream.
pub fn pattern_byte(i: usize) -> u8 {
    ((i * 131) ^ (i >> 7)) as u8
}

/// Two periods of the stream back to back: any `CHUNK` of the stream, wherever it starts, is
/// one slice of this.
pub fn pattern_block() -> Vec<u8> {
    (0..2 * PERIOD).map(|i| pattern_byte(i % PERIOD)).collect()
}

fn expected(block: &[u8], offset: u64, len: usize) -> &[u8] {
    let start = (offset % PERIOD as u64) as usize;
    &block[start..start + len]
}

/// Which way bytes go through the pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    MasterToSlave,
    SlaveToMaster,
}

impl Direction {
    fn name(self) -> &'static str {
        match self {
            Direction::MasterToSlave => "master -> slave",
            Direction::SlaveToMaster => "slave -> master",
        }
    }

    /// One direction alone, or both at once.
    pub fn all(both_ways: bool) -> &'static [Direction] {
        if both_ways {
            &[Direction::MasterToSlave, Direction::SlaveToMaster]
        } else {
            &[Direction::MasterToSlave]
        }
    }
}

/// What one reader got; it goes back to the parent on a lesson02 queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    pub direction: Direction,
    pub bytes: u64,
    /// Offset of the first byte that differs from what was sent.
    pub first_wrong: Option<u64>,
    /// Why the reader stopped early; empty if it did not.
    pub error: String,
}

/// Writes `bytes` bytes of the test stream; with `pace` (bytes per second), no faster than
/// a real line at that speed.
pub fn send(port: &Port, bytes: u64, block: &[u8], pace: Option<f64>) -> anyhow::Result<()> {
    let pace = pace.map(Pace::new);
    let chunk = pace.map_or(CHUNK, |pace| pace.chunk(CHUNK));
    let mut sent = 0;
    while sent < bytes {
        let len = chunk.min((bytes - sent) as usize);
        if let Some(pace) = pace {
            pace.wait_until_sent(sent + len as u64);
        }
        match port.write_all(expected(block, sent, len), IDLE_TIMEOUT)? {
            Io::Done(_) => sent += len as u64,
            Io::TimedOut => bail!(
                "writer stalled: no room for {} s after {sent} bytes",
                IDLE_TIMEOUT.as_secs()
            ),
            Io::HungUp => bail!("writer: hang-up after {sent} bytes"),
        }
    }
    Ok(())
}

/// Reads `bytes` bytes and compares each with the test stream.
pub fn receive(port: &Port, direction: Direction, bytes: u64, block: &[u8]) -> Received {
    let mut buf = vec![0u8; CHUNK];
    let mut got = 0;
    let mut first_wrong = None;
    let mut error = String::new();
    while got < bytes {
        let want = CHUNK.min((bytes - got) as usize);
        match port.read(&mut buf[..want], Some(IDLE_TIMEOUT)) {
            Ok(Io::Done(read)) => {
                if first_wrong.is_none() && buf[..read] != *expected(block, got, read) {
                    let at = buf[..read]
                        .iter()
                        .zip(expected(block, got, read))
                        .position(|(got, sent)| got != sent)
                        .unwrap_or(0);
                    first_wrong = Some(got + at as u64);
                }
                got += read as u64;
            }
            Ok(Io::TimedOut) => {
                error = format!(
                    "stalled: {got} of {bytes} bytes arrived, then nothing for {} s",
                    IDLE_TIMEOUT.as_secs()
                );
                break;
            }
            Ok(Io::HungUp) => {
                error = format!("hang-up after {got} of {bytes} bytes");
                break;
            }
            Err(err) => {
                error = format!("read failed after {got} bytes: {err}");
                break;
            }
        }
    }
    Received {
        direction,
        bytes: got,
        first_wrong,
        error,
    }
}

/// Every reader got every byte, unchanged. (A transfer that failed is not checked: its error
/// is reported as it is, not as a wrong result.)
pub fn check(runs: &[Vec<Received>], bytes: u64, both_ways: bool) -> Result<(), String> {
    for received in runs {
        if received.len() != Direction::all(both_ways).len() {
            return Err(format!("{} readers reported", received.len()));
        }
        for reader in received {
            let direction = reader.direction.name();
            if !reader.error.is_empty() {
                return Err(format!("{direction}: {}", reader.error));
            }
            if reader.bytes != bytes {
                return Err(format!("{direction}: {} of {bytes} bytes", reader.bytes));
            }
            if let Some(at) = reader.first_wrong {
                return Err(format!(
                    "{direction}: byte {at} differs from what was sent (is the pty in raw mode?)"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_holds_every_byte_value_and_lines_up_with_no_chunk() {
        let block = pattern_block();
        let mut seen = [false; 256];
        for &byte in &block[..PERIOD] {
            seen[byte as usize] = true;
        }
        assert!(seen.iter().all(|&seen| seen), "every byte value is sent");
        assert_eq!(&block[..PERIOD], &block[PERIOD..]);
        assert_eq!(expected(&block, PERIOD as u64 + 5, 3), &block[5..8]);
    }

    #[test]
    fn received_survives_the_queue() {
        let mut queue = lesson02_queue::Queue::new().expect("pipe");
        for received in [
            Received {
                direction: Direction::SlaveToMaster,
                bytes: 1 << 40,
                first_wrong: Some(10),
                error: String::new(),
            },
            Received {
                direction: Direction::MasterToSlave,
                bytes: 0,
                first_wrong: None,
                error: "stalled".into(),
            },
        ] {
            queue.put(&received).expect("put");
            assert_eq!(queue.get().expect("get"), received);
        }
    }
}
