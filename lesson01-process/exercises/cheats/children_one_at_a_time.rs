//! A kept cheat of exercise lesson01/children: each child is joined before the next starts,
//! so the children never run side by side. The check must reject it.

use std::thread;
use std::time::Duration;

use common::exercise::{input, inputs};
use lesson01_process::start::fork_child;
use nix::unistd::getpid;

fn main() -> anyhow::Result<()> {
    let codes: Vec<i32> = inputs("codes");
    let sleep_ms: u64 = input("sleep_ms");
    for (i, code) in codes.into_iter().enumerate() {
        let mut child = fork_child(move || {
            println!("child {i}: pid {}", getpid());
            thread::sleep(Duration::from_millis(sleep_ms));
            code
        })?;
        let status = child.wait()?;
        println!("joined child {i}: pid {}, {status}", child.pid());
    }
    Ok(())
}
