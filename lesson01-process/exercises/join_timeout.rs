//! Exercise lesson01/join-timeout (Notes: 创建进程, `join`). Medium, about 15 minutes.
//!
//! Python's `p.join(timeout)` waits at most `timeout` seconds. The child below would sleep for
//! 30 seconds. Write `join_within` so that the parent waits at most 300 ms, and if the child is
//! still running then, kills it. Either way it returns how the child ended, so the program
//! prints
//!
//!     child <pid> ended: killed by signal SIGKILL
//!
//! and leaves no zombie behind.
//!
//! Check your work:   cargo exercise lesson01/join-timeout
//! Stuck? A hint:     cargo exercise lesson01/join-timeout --hint 1   (then 2, then 3)

use std::time::Duration;

use common::process::{Child, ExitStatus};
use lesson01_process::start::fork_child;

// TODO: wait at most `limit` for `child`; if it is still running then, kill it.
fn join_within(child: &mut Child, limit: Duration) -> anyhow::Result<ExitStatus> {
    todo!("wait at most {limit:?} for child {}", child.pid())
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
