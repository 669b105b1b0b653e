//! Reference solution of exercise lesson01/children. Try the exercise first!

use std::thread;
use std::time::Duration;

use common::exercise::{input, inputs};
use common::process::Child;
use lesson01_process::start::fork_child;
use nix::unistd::getpid;

fn start_child(i: usize, code: i32, sleep_ms: u64) -> anyhow::Result<Child> {
    fork_child(move || {
        println!("child {i}: pid {}", getpid());
        thread::sleep(Duration::from_millis(sleep_ms));
        code
    })
}

fn join_and_report(i: usize, child: &mut Child) -> anyhow::Result<()> {
    let status = child.wait()?;
    println!("joined child {i}: pid {}, {status}", child.pid());
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let codes: Vec<i32> = inputs("codes");
    let sleep_ms: u64 = input("sleep_ms");
    let mut children = Vec::new();
    for (i, code) in codes.into_iter().enumerate() {
        children.push(start_child(i, code, sleep_ms)?);
    }
    for (i, child) in children.iter_mut().enumerate() {
        join_and_report(i, child)?;
    }
    Ok(())
}
