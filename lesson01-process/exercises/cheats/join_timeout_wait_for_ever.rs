//! A kept cheat of exercise lesson01/join-timeout: it ignores the limit and waits for ever.
//! The check must reject it.

use std::thread;
use std::time::Duration;

use common::exercise::{input, inputs};
use common::process::{Child, ExitStatus};
use lesson01_process::start::fork_child;

/// Waits for ever: what `join()` without a timeout does.
fn join_within(child: &mut Child, _limit: Duration) -> anyhow::Result<ExitStatus> {
    Ok(child.wait()?)
}

fn main() -> anyhow::Result<()> {
    let work_ms: Vec<u64> = inputs("work_ms");
    let codes: Vec<i32> = inputs("codes");
    let limit = Duration::from_millis(input("limit_ms"));
    let mut children = Vec::new();
    for (work, code) in work_ms.into_iter().zip(codes) {
        children.push(fork_child(move || {
            thread::sleep(Duration::from_millis(work));
            code
        })?);
    }
    for (i, child) in children.iter_mut().enumerate() {
        let status = join_within(child, limit)?;
        println!("child {i} (pid {}) ended: {status}", child.pid());
    }
    Ok(())
}
