//! Reference solution of exercise lesson01/children. Try the exercise first!

use common::process::Child;
use lesson01_process::start::fork_child;
use nix::unistd::getpid;

fn start_child(i: i32) -> anyhow::Result<Child> {
    fork_child(move || {
        println!("child {i}: pid {}", getpid());
        i
    })
}

fn join_and_report(i: usize, child: &mut Child) -> anyhow::Result<()> {
    let status = child.wait()?;
    println!("joined child {i}: pid {}, {status}", child.pid());
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let mut children = Vec::new();
    for i in 0..3 {
        children.push(start_child(i)?);
    }
    for (i, child) in children.iter_mut().enumerate() {
        join_and_report(i, child)?;
    }
    Ok(())
}
