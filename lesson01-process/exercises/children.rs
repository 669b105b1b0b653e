//! Exercise lesson01/children (Notes: 创建进程). Easy, about 10 minutes.
//!
//! Start one child process per entry of `codes`, all of them before you join any. Child
//! number `i` (0, 1, 2, ...) prints
//!
//!     child <i>: pid <its own pid>
//!
//! then sleeps `sleep_ms` milliseconds and exits with exit code `codes[i]`. The parent then
//! joins the children in order and prints, for each one, how it really ended:
//!
//!     joined child <i>: pid <pid>, exit code <code>
//!
//! `cargo exercise` chooses `codes` and `sleep_ms` afresh for every check (they reach your
//! program through `common::exercise::inputs`), looks at your children from outside while
//! they sleep, and may kill one of them with SIGKILL. Print what the parent learned when it
//! joined: an `ExitStatus` prints itself (`exit code 17`, `killed by signal SIGKILL`).
//! The children may print in any order; the parent's lines come in order 0, 1, 2, ...
//! Useful: `lesson01_process::start::fork_child`, `nix::unistd::getpid`, `Child::wait`.
//!
//! Check your work:   cargo exercise lesson01/children
//! Stuck? A hint:     cargo exercise lesson01/children --hint 1   (then 2, then 3)

use common::exercise::{input, inputs};
use common::process::Child;

// TODO: start child `i`. It prints `child <i>: pid <pid>`, sleeps `sleep_ms` and exits with
// `code`.
fn start_child(i: usize, code: i32, sleep_ms: u64) -> anyhow::Result<Child> {
    todo!("start child {i}, which sleeps {sleep_ms} ms and exits with {code}")
}

// TODO: wait for `child` (number `i`) and print `joined child <i>: pid <pid>, <how it ended>`.
fn join_and_report(i: usize, child: &mut Child) -> anyhow::Result<()> {
    todo!("join child {i} (pid {})", child.pid())
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
