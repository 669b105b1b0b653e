//! One transfer with a writer thread and a reader thread per direction, all at once.

use std::thread;

use anyhow::anyhow;

use super::Ends;
use super::stream::{Direction, Received, receive, send};

pub fn transfer(
    ends: &Ends,
    both_ways: bool,
    bytes: u64,
    block: &[u8],
    pace: Option<f64>,
) -> anyhow::Result<Vec<Received>> {
    thread::scope(|scope| {
        let mut writers = Vec::new();
        let mut readers = Vec::new();
        for &direction in Direction::all(both_ways) {
            let (from, to) = ends.of(direction);
            writers.push(scope.spawn(move || send(from, bytes, block, pace)));
            readers.push(scope.spawn(move || receive(to, direction, bytes, block)));
        }
        for writer in writers {
            writer.join().map_err(|_| anyhow!("a writer panicked"))??;
        }
        readers
            .into_iter()
            .map(|reader| reader.join().map_err(|_| anyhow!("a reader panicked")))
            .collect()
    })
}
