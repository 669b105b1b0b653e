//! One transfer with a writer thread and a reader thread per direction, all at once.

use std::thread::{self, Scope, ScopedJoinHandle};

use anyhow::{Context, anyhow};

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
            writers.push(start(scope, "writer", move || {
                send(from, bytes, block, pace)
            })?);
            readers.push(start(scope, "reader", move || {
                receive(to, direction, bytes, block)
            })?);
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

/// Starts a thread in `scope`, or says why it could not (too many threads for this user, no
/// memory for its stack): `scope.spawn` would panic instead. Threads already started finish
/// (or time out) before the error leaves the scope.
fn start<'scope, T: Send + 'scope>(
    scope: &'scope Scope<'scope, '_>,
    role: &str,
    work: impl FnOnce() -> T + Send + 'scope,
) -> anyhow::Result<ScopedJoinHandle<'scope, T>> {
    thread::Builder::new()
        .spawn_scoped(scope, work)
        .with_context(|| format!("cannot start a {role} thread"))
}
