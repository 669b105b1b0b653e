//! Exercise lesson01/children (Notes: 创建进程). Easy, about 10 minutes.
//!
//! Start three child processes. Child number `i` (0, 1 and 2) prints
//!
//!     child <i>: pid <its own pid>
//!
//! and exits with exit code `i`. The parent then joins the children in order and prints, for
//! each one, what it learned about it:
//!
//!     joined child <i>: pid <pid>, exit code <i>
//!
//! The children may print in any order; the parent's lines come in order 0, 1, 2.
//! Useful: `lesson01_process::start::fork_child`, `nix::unistd::getpid`, `Child::wait`.
//!
//! Check your work:   cargo exercise lesson01/children
//! Stuck? A hint:     cargo exercise lesson01/children --hint 1   (then 2, then 3)

use common::process::Child;

// TODO: start child `i`. It prints `child <i>: pid <pid>` and exits with code `i`.
fn start_child(i: i32) -> anyhow::Result<Child> {
    todo!("start child {i}")
}

// TODO: wait for `child` (number `i`) and print `joined child <i>: pid <pid>, exit code <i>`.
fn join_and_report(i: usize, child: &mut Child) -> anyhow::Result<()> {
    todo!("join child {i} (pid {})", child.pid())
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
