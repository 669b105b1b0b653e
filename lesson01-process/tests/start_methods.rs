//! `start_with_orders` under spawn and forkserver: the child gets the files it is handed, and
//! the forkserver's faults end in errors, never in hangs or strays.
//!
//! Runs without libtest's harness: the forkserver must be forked while this process has one
//! thread, and this program is also its own spawned child (`main` checks the marker first).

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use common::process::{Activity, ExitStatus, Pid};
use lesson01_process::forkserver;
use lesson01_process::start::{
    Orders, StartMethod, run_spawned, spawned_orders, start_with_orders,
};
use nix::sys::signal::{Signal, kill};

const PATIENCE: Duration = Duration::from_secs(20);

fn main() -> ExitCode {
    if let Some(orders) = spawned_orders() {
        return child_main(orders);
    }
    if let Err(err) = forkserver::start(child_main) {
        eprintln!("error: {err:#}");
        return ExitCode::FAILURE;
    }
    forkserver::start(child_main).expect("a second start does nothing");
    for method in [StartMethod::Spawn, StartMethod::Forkserver] {
        a_child_writes_through_the_pipe_it_was_handed(method);
        a_killed_child_is_reported_as_killed(method);
    }
    fork_takes_a_closure_not_orders();
    a_stopped_forkserver_child_is_seen_stopped();
    when_the_forkserver_dies_waiting_and_starting_fail_in_one_line();
    println!("start_methods: all checks passed");
    ExitCode::SUCCESS
}

/// The children of these checks: `write TEXT` writes TEXT into the file it was handed; `block`
/// reads its file until the other end closes.
fn child_main(orders: anyhow::Result<Orders>) -> ExitCode {
    let orders =
        orders.and_then(|orders| orders.parse_with_fds(|args, fds| Ok((args.to_vec(), fds))));
    run_spawned(orders, |(args, fds): (Vec<String>, Vec<OwnedFd>)| {
        let mut file = File::from(fds.into_iter().next().expect("one file was handed over"));
        match args.as_slice() {
            [write, text] if write == "write" => file.write_all(text.as_bytes())?,
            [block] if block == "block" => {
                file.read_to_end(&mut Vec::new())?;
            }
            _ => anyhow::bail!("unknown orders {args:?}"),
        }
        Ok(0)
    })
}

fn orders(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| word.to_string()).collect()
}

fn a_child_writes_through_the_pipe_it_was_handed(method: StartMethod) {
    let (mut read, write) = io::pipe().expect("pipe");
    let text = format!("hello from a {method} child");
    let mut child = start_with_orders(method, &orders(&["write", &text]), &[write.as_fd()])
        .expect("the child starts");
    drop(write);
    let mut got = String::new();
    read.read_to_string(&mut got).expect("read");
    assert_eq!(got, text, "{method}");
    let status = child
        .wait_timeout(PATIENCE)
        .expect("wait")
        .expect("it ends");
    assert_eq!(status, ExitStatus::Code(0), "{method}");
}

fn a_killed_child_is_reported_as_killed(method: StartMethod) {
    let (_read, write) = io::pipe().expect("pipe");
    let (block_read, _block_write) = io::pipe().expect("pipe");
    let mut child = start_with_orders(method, &orders(&["block"]), &[block_read.as_fd()])
        .expect("the child starts");
    drop(write);
    assert_eq!(child.try_wait().expect("look"), None, "{method}: it blocks");
    child.signal(Signal::SIGKILL).expect("kill");
    let status = child
        .wait_timeout(PATIENCE)
        .expect("wait")
        .expect("it ends");
    assert_eq!(
        status,
        ExitStatus::Signal {
            signal: Signal::SIGKILL,
            core_dumped: false
        },
        "{method}"
    );
}

fn fork_takes_a_closure_not_orders() {
    let err = start_with_orders(StartMethod::Fork, &orders(&["block"]), &[]).expect_err("fork");
    assert!(err.to_string().contains("fork_child"), "{err}");
}

fn a_stopped_forkserver_child_is_seen_stopped() {
    let (block_read, block_write) = io::pipe().expect("pipe");
    let mut child = start_with_orders(
        StartMethod::Forkserver,
        &orders(&["block"]),
        &[block_read.as_fd()],
    )
    .expect("the child starts");
    child.signal(Signal::SIGSTOP).expect("stop");
    wait_for(|| child.activity().expect("look") == Activity::Stopped(Signal::SIGSTOP));
    child.signal(Signal::SIGCONT).expect("continue");
    wait_for(|| child.activity().expect("look") == Activity::Running);
    drop(block_write);
    let status = child
        .wait_timeout(PATIENCE)
        .expect("wait")
        .expect("it ends");
    assert_eq!(status, ExitStatus::Code(0));
}

fn when_the_forkserver_dies_waiting_and_starting_fail_in_one_line() {
    let (block_read, _block_write) = io::pipe().expect("pipe");
    let mut child = start_with_orders(
        StartMethod::Forkserver,
        &orders(&["block"]),
        &[block_read.as_fd()],
    )
    .expect("the child starts");
    let server = forkserver::pid().expect("the server runs");
    kill(server, Signal::SIGKILL).expect("kill the server");
    let err = child.wait().expect_err("the server that reaps it is gone");
    assert!(
        err.to_string().contains("the forkserver died before child"),
        "{err}"
    );
    // The child died with its server: soon nothing answers to its pid but a zombie at most.
    wait_for(|| gone(child.pid()));
    drop(child);
    let err = start_with_orders(
        StartMethod::Forkserver,
        &orders(&["block"]),
        &[block_read.as_fd()],
    )
    .expect_err("no server");
    let line = format!("{err:#}");
    assert!(
        line.contains(&format!(
            "the forkserver (pid {server}) died (killed by signal SIGKILL)"
        )) && line.contains("does not restart it")
            && !line.contains('\n'),
        "{line}"
    );
}

/// Whether `pid` is gone or a zombie waiting for whoever adopted it.
fn gone(pid: Pid) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit(") ")
            .next()
            .is_some_and(|rest| rest.starts_with('Z')),
        Err(_) => kill(pid, None).is_err(),
    }
}

fn wait_for(mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting");
        std::thread::sleep(Duration::from_millis(5));
    }
}
