//! One transfer with a writer process and a reader process per direction, all at once. Each
//! inherits the pty's ends through fork; each reader sends what it got back through lesson02's
//! queue.

use anyhow::{Context, bail};
use common::process::Child;
use lesson01_process::start::fork_child;
use lesson02_queue::Queue;

use super::Ends;
use super::stream::{Direction, IDLE_TIMEOUT, Received, receive, send};
use crate::exit_code_in_child;

pub fn transfer(
    ends: &Ends,
    both_ways: bool,
    bytes: u64,
    block: &[u8],
    pace: Option<f64>,
) -> anyhow::Result<Vec<Received>> {
    let mut results =
        Queue::<Received>::new().context("cannot create the queue the readers report through")?;
    let mut children: Vec<Child> = Vec::new();
    for &direction in Direction::all(both_ways) {
        let (from, to) = ends.of(direction);
        children.push(fork_child(|| {
            exit_code_in_child("writer process", send(from, bytes, block, pace))
        })?);
        children.push(fork_child(|| {
            let received = receive(to, direction, bytes, block);
            i32::from(results.put(&received).is_err())
        })?);
    }
    let received = Direction::all(both_ways)
        .iter()
        .map(|_| {
            results
                .get_timeout(2 * IDLE_TIMEOUT)
                .context("the readers' results queue")?
                .context("a reader process reported nothing")
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    for child in &mut children {
        let status = child
            .wait_timeout(IDLE_TIMEOUT)?
            .with_context(|| format!("worker process {} did not exit", child.pid()))?;
        if !status.success() {
            bail!("worker process {} failed: {status}", child.pid());
        }
    }
    Ok(received)
}
