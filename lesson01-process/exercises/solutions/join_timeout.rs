//! Reference solution of exercise lesson01/join-timeout. Try the exercise first!

use std::time::Duration;

use common::process::{Child, ExitStatus};
use lesson01_process::start::fork_child;

fn join_within(child: &mut Child, limit: Duration) -> anyhow::Result<ExitStatus> {
    match child.wait_timeout(limit)? {
        Some(status) => Ok(status),
        None => Ok(child.kill()?),
    }
}

fn main() -> anyhow::Result<()> {
    let mut child = fork_child(|| {
        std::thread::sleep(Duration::from_secs(30));
        0
    })?;
    let status = join_within(&mut child, Duration::from_millis(300))?;
    println!("child {} ended: {status}", child.pid());
    Ok(())
}
