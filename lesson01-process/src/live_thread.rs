//! `--live-thread`: why the forkserver exists. The parent starts a second thread and keeps it
//! alive while it starts the walk-through's child. Fork is refused (it would copy only the
//! calling thread, and any lock the other thread holds would stay locked in the child); spawn
//! and forkserver start the child as usual, because neither copies this process now.

use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;

use anyhow::Context;

use crate::machine::threads_text;
use crate::start::StartMethod;
use crate::walkthrough::{self, ChildOptions};

pub fn run(method: StartMethod, options: ChildOptions) -> anyhow::Result<ExitCode> {
    let (stop, stopped) = mpsc::channel::<()>();
    let worker = thread::Builder::new()
        .name("live".into())
        .spawn(move || {
            // Alive until the parent hangs up.
            let _ = stopped.recv();
        })
        .context("cannot start the live thread")?;
    println!(
        "parent: a second thread is alive now ({}); starting the child by {method}",
        threads_text()
    );
    if method == StartMethod::Fork {
        println!(
            "parent: fork would copy only this thread into the child; this lesson refuses (try --start-method forkserver)"
        );
    }
    let started = walkthrough::run(method, options);
    drop(stop);
    let _ = worker.join();
    started
}
