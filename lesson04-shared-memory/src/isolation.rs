//! Part 1, the problem: a child changes a global and a `Vec`; the parent, after joining it,
//! still sees the old values, because the child changed copies in its own memory. And what the
//! child sees of them in the first place depends on how it was started:
//!
//! - fork: the child is a copy of the parent at `start()`: it sees the global as the parent
//!   set it, and the `Vec` it borrowed;
//! - spawn: the child is a fresh run of the program: it sees the global's initial value, and
//!   the `Vec` only because it was passed in its orders;
//! - forkserver: the child is a copy of the server, which was forked at the program's start:
//!   it sees the global as it was then, and the `Vec` only because it was passed.
//!
//! Our CPython counterpart is `python/isolation.py`.

use std::sync::atomic::AtomicI32;
use std::sync::atomic::Ordering::SeqCst;

use anyhow::{bail, ensure};
use common::pyfmt::py_list;
use lesson01_process::StartMethod;
use lesson01_process::start::start_with_orders;
use nix::unistd::{getpid, getppid};

use crate::signals;

/// A global: each process has its own copy, and every thread of a process shares it.
pub static COUNTER: AtomicI32 = AtomicI32::new(0);

/// What the parent sets `COUNTER` to before it starts the child.
const SET_BEFORE_START: i32 = 7;

/// The first of a spawned or forkserver child's orders for this part.
pub const ORDER: &str = "isolation";

pub fn run(method: StartMethod) -> anyhow::Result<()> {
    println!();
    println!(
        "1. The problem: a child started by {method} changes its own copies, not the parent's memory"
    );
    COUNTER.store(SET_BEFORE_START, SeqCst);
    let numbers = vec![1, 2, 3];
    println!(
        "parent: pid {}: COUNTER = {}, numbers = {}  (a global set before start(), and a Vec passed to the child)",
        getpid(),
        COUNTER.load(SeqCst),
        py_list(&numbers)
    );
    let mut child = match method {
        StartMethod::Fork => signals::fork_child(|| child(numbers.clone()))?,
        method => start_with_orders(method, &[ORDER.to_string(), py_list(&numbers)], &[])?,
    };
    let pid = child.pid();
    let status = signals::join(&mut child)?;
    ensure!(status.success(), "child {pid} failed: {status}");
    // The borrow checker cannot see that the child changed them in another process.
    println!(
        "parent: pid {}: COUNTER = {}, numbers = {}  <- unchanged after joining child {pid}: it had copies",
        getpid(),
        COUNTER.load(SeqCst),
        py_list(&numbers)
    );
    println!("{}", what_the_child_saw(method));
    Ok(())
}

fn what_the_child_saw(method: StartMethod) -> &'static str {
    match method {
        StartMethod::Fork => {
            "parent: a forked child is a copy of the parent at start(): it saw COUNTER as the parent set it"
        }
        StartMethod::Spawn => {
            "parent: a spawned child is a fresh run of this program: it saw COUNTER's initial value, and numbers only because they were passed"
        }
        StartMethod::Forkserver => {
            "parent: a forkserver child is a copy of the server, forked at the program's start: it saw COUNTER as it was then, and numbers only because they were passed"
        }
    }
}

/// The child's side, however it was started: say what it sees, change both, say so.
fn child(mut numbers: Vec<i32>) -> i32 {
    println!(
        "child:  pid {}, parent {}: COUNTER = {}, numbers = {}  (what it sees at its start)",
        getpid(),
        getppid(),
        COUNTER.load(SeqCst),
        py_list(&numbers)
    );
    COUNTER.store(100, SeqCst);
    numbers.push(4);
    println!(
        "child:  pid {}: COUNTER = {}, numbers = {}  (after COUNTER.store(100) and numbers.push(4))",
        getpid(),
        COUNTER.load(SeqCst),
        py_list(&numbers)
    );
    0
}

/// A spawned or forkserver child of this part: `isolation [1, 2, 3]`, the numbers as Python
/// prints a list. Returns its exit code.
pub fn run_child(args: &[String]) -> anyhow::Result<i32> {
    let [order, list] = args else {
        bail!("expected {ORDER} [NUMBERS], got {args:?}");
    };
    ensure!(order == ORDER, "expected {ORDER}, got {order:?}");
    let numbers = list
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .map(|items| {
            items
                .split(", ")
                .filter(|item| !item.is_empty())
                .map(str::parse)
                .collect::<Result<Vec<i32>, _>>()
        });
    let Some(Ok(numbers)) = numbers else {
        bail!("expected a list like [1, 2, 3], got {list:?}");
    };
    Ok(child(numbers))
}
