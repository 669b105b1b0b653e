//! Exercise lesson01/join-timeout (Notes: 创建进程, `join`). Medium, about 15 minutes.
//!
//! Python's `p.join(timeout)` waits at most `timeout` seconds. The program below starts one
//! child per entry of `work_ms`: child `i` works (sleeps) `work_ms[i]` milliseconds, then exits
//! with exit code `codes[i]`. Some finish quickly; others would work for 30 seconds.
//!
//! Write `join_within` so that the parent waits at most `limit` for a child, and if the child is
//! still running then, kills it. Either way it returns how the child really ended, so the
//! program prints, in order,
//!
//!     child <i> (pid <pid>) ended: exit code <code>
//!     child <i> (pid <pid>) ended: killed by signal SIGKILL
//!
//! and leaves no zombie behind. `cargo exercise` chooses `work_ms`, `codes` and `limit_ms`
//! afresh for every check and watches your children from outside: how long each lived, and
//! whether it was given its whole `limit` before it was killed.
//!
//! Check your work:   cargo exercise lesson01/join-timeout
//! Stuck? A hint:     cargo exercise lesson01/join-timeout --hint 1   (then 2, then 3)

use std::thread;
use std::time::Duration;

use common::exercise::{input, inputs};
use common::process::{Child, ExitStatus};
use lesson01_process::start::fork_child;

// TODO: wait at most `limit` for `child`; if it is still running then, kill it.
fn join_within(child: &mut Child, limit: Duration) -> anyhow::Result<ExitStatus> {
    todo!("wait at most {limit:?} for child {}", child.pid())
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
