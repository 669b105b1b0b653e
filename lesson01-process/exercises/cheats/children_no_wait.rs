//! A kept cheat of exercise lesson01/children: real children, but the parent reports the
//! exit codes it was given instead of the ones it learns by joining. The check must reject it.

use std::thread;
use std::time::Duration;

use common::exercise::{input, inputs};
use lesson01_process::start::fork_child;
use nix::unistd::getpid;

fn main() -> anyhow::Result<()> {
    let codes: Vec<i32> = inputs("codes");
    let sleep_ms: u64 = input("sleep_ms");
    let mut children = Vec::new();
    for (i, code) in codes.iter().copied().enumerate() {
        children.push(fork_child(move || {
            println!("child {i}: pid {}", getpid());
            thread::sleep(Duration::from_millis(sleep_ms));
            code
        })?);
    }
    for (i, (child, code)) in children.iter_mut().zip(&codes).enumerate() {
        let _ = child.wait()?;
        println!("joined child {i}: pid {}, exit code {code}", child.pid());
    }
    Ok(())
}
