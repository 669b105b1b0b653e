//! A kept cheat of exercise lesson01/join-timeout: it reads from the inputs which children will
//! outlive the limit and kills those at once, without giving them their time. The check must
//! reject it.

use std::thread;
use std::time::Duration;

use common::exercise::{input, inputs};
use lesson01_process::start::fork_child;

fn main() -> anyhow::Result<()> {
    let work_ms: Vec<u64> = inputs("work_ms");
    let codes: Vec<i32> = inputs("codes");
    let limit_ms: u64 = input("limit_ms");
    let mut children = Vec::new();
    for (work, code) in work_ms.iter().copied().zip(codes) {
        children.push(fork_child(move || {
            thread::sleep(Duration::from_millis(work));
            code
        })?);
    }
    for (i, child) in children.iter_mut().enumerate() {
        let status = if work_ms[i] >= limit_ms {
            child.kill()?
        } else {
            child.wait()?
        };
        println!("child {i} (pid {}) ended: {status}", child.pid());
    }
    Ok(())
}
