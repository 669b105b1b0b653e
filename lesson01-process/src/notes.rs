//! The notes' program in Rust: a child process runs `job`, which prints `aaaa`, and the parent
//! waits for it. Notes: 创建进程

use common::process::ExitStatus;

use crate::process::{Process, Target};
use crate::start::StartMethod;

pub fn job() {
    println!("aaaa");
}

/// Only the parent gets here: `main.rs` sends a spawned child straight to its target first,
/// as Python's `if __name__ == '__main__':` does.
pub fn main(start_method: StartMethod) -> anyhow::Result<ExitStatus> {
    let mut p1 = Process::new(start_method, Target::Job);
    p1.start()?;
    p1.join()
}
