//! Part 1, the problem: a forked child changes a global and a `Vec`; the parent, after joining
//! it, still sees the old values, because the child changed copies in its own memory.

use std::sync::atomic::AtomicI32;
use std::sync::atomic::Ordering::SeqCst;

use anyhow::ensure;
use common::pyfmt::py_list;
use nix::unistd::{getpid, getppid};

use crate::signals;

/// A global: each process has its own copy, and every thread of a process shares it.
pub static COUNTER: AtomicI32 = AtomicI32::new(0);

pub fn run() -> anyhow::Result<()> {
    println!();
    println!("1. The problem: a forked child changes its own copies, not the parent's memory");
    let mut numbers = vec![1, 2, 3];
    println!(
        "parent: pid {}: COUNTER = {}, numbers = {}  (a global, and a Vec on the heap)",
        getpid(),
        COUNTER.load(SeqCst),
        py_list(&numbers)
    );
    let mut child = signals::fork_child(|| {
        COUNTER.store(100, SeqCst);
        numbers.push(4);
        println!(
            "child:  pid {}, parent {}: COUNTER = {}, numbers = {}  (after COUNTER.store(100) and numbers.push(4))",
            getpid(),
            getppid(),
            COUNTER.load(SeqCst),
            py_list(&numbers)
        );
        0
    })?;
    let pid = child.pid();
    let status = signals::join(&mut child)?;
    ensure!(status.success(), "child {pid} failed: {status}");
    // The borrow checker saw the closure change `numbers`; it cannot see that the change
    // happened in another process.
    println!(
        "parent: pid {}: COUNTER = {}, numbers = {}  <- unchanged after joining child {pid}: it had copies",
        getpid(),
        COUNTER.load(SeqCst),
        py_list(&numbers)
    );
    Ok(())
}
