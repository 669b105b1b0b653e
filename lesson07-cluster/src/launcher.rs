//! What `mpirun` does for MPI: start one copy of this program per process of the cluster on
//! this machine, each told its index and everyone's address, then wait for them all.
//!
//! A copy that dies of a signal is reported in one line (which process, which signal); the others
//! notice the lost connection and end with their own line; any still running after a grace
//! period are killed, so nothing is left behind.

use std::net::TcpListener;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;

/// `count` free ports on 127.0.0.1, as `127.0.0.1:PORT` addresses: each is bound to port 0 (the
/// kernel picks a free one) and released just before the processes bind it again.
pub fn free_loopback_addresses(count: usize) -> anyhow::Result<Vec<String>> {
    let listeners = (0..count)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<Vec<_>, _>>()
        .context("cannot find a free port on 127.0.0.1")?;
    listeners
        .iter()
        .map(|listener| Ok(listener.local_addr()?.to_string()))
        .collect()
}

/// Where process 0's stdout goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Straight to ours, as it is printed, after a line naming every process and its pid.
    Announce,
    /// Straight to ours, with nothing of the launcher's (for `--plain`).
    Inherit,
    /// Into the returned string (for `--bench`, which reads its figures).
    Capture,
}

/// What the processes did: our exit code, and process 0's stdout when captured.
#[derive(Debug)]
pub struct Finished {
    pub code: ExitCode,
    pub stdout: String,
}

/// Starts `this program --peers ADDRESSES --process i ARGS...` for each address and waits for
/// them all. `grace` is how long the others may take to notice a dead peer before being killed.
pub fn launch(
    addresses: &[String],
    args: &[String],
    output: Output,
    grace: Duration,
) -> anyhow::Result<Finished> {
    let program = std::env::current_exe().context("cannot find this program's path")?;
    let mut children = Vec::with_capacity(addresses.len());
    for process in 0..addresses.len() {
        let mut command = Command::new(&program);
        command
            .args([
                "--peers",
                &addresses.join(","),
                "--process",
                &process.to_string(),
            ])
            .args(args)
            .stdin(Stdio::null());
        // A launcher killed by SIGKILL, which no handler sees, takes its processes with it.
        common::process::die_with_this_process(&mut command);
        if output == Output::Capture && process == 0 {
            command.stdout(Stdio::piped());
        }
        match command.spawn() {
            Ok(child) => children.push(Some(child)),
            Err(err) => {
                kill_all(&mut children);
                return Err(err).context(format!("cannot start process {process}"));
            }
        }
    }
    if output == Output::Announce {
        let started: Vec<String> = children
            .iter()
            .flatten()
            .zip(addresses)
            .enumerate()
            .map(|(process, (child, address))| {
                format!("process {process} (pid {}) on {address}", child.id())
            })
            .collect();
        println!(
            "launcher (pid {}), as mpirun does: started {}",
            std::process::id(),
            started.join(", ")
        );
    }
    let reader = children[0]
        .as_mut()
        .and_then(|child| child.stdout.take())
        .map(|mut stdout| {
            thread::spawn(move || {
                let mut text = String::new();
                let _ = std::io::Read::read_to_string(&mut stdout, &mut text);
                text
            })
        });
    let code = wait_all(&mut children, grace);
    let stdout = reader
        .map(|reader| reader.join().unwrap_or_default())
        .unwrap_or_default();
    Ok(Finished { code, stdout })
}

/// Waits for every process. The first failure decides our exit code: a process killed by a
/// signal is reported here; one that exited with an error has said why itself.
fn wait_all(children: &mut [Option<Child>], grace: Duration) -> ExitCode {
    let mut failed: Option<(usize, u32, ExitStatus)> = None;
    let mut give_up_at: Option<Instant> = None;
    while children.iter().any(Option::is_some) {
        for (process, slot) in children.iter_mut().enumerate() {
            let Some(child) = slot else { continue };
            match child.try_wait() {
                Ok(None) => {}
                Ok(Some(status)) => {
                    // A killed process cannot say what happened to it: we do, whatever came first.
                    if status.signal().is_some() {
                        eprintln!(
                            "error: process {process} (pid {}) {}",
                            child.id(),
                            how_it_ended(status)
                        );
                    }
                    if !status.success() && failed.is_none() {
                        failed = Some((process, child.id(), status));
                        give_up_at = Some(Instant::now() + grace);
                    }
                    *slot = None;
                }
                Err(_) => *slot = None,
            }
        }
        if give_up_at.is_some_and(|at| Instant::now() >= at) {
            kill_all(children);
        }
        thread::sleep(Duration::from_millis(10));
    }
    match failed {
        None => ExitCode::SUCCESS,
        Some((_, _, status)) => {
            ExitCode::from(status.code().map_or(1, |code| code.clamp(1, 255) as u8))
        }
    }
}

/// `was killed by SIGKILL`, `exited with code 1`.
pub fn how_it_ended(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with code {code}"),
        (None, Some(signal)) => match nix::sys::signal::Signal::try_from(signal) {
            Ok(name) => format!("was killed by {name}"),
            Err(_) => format!("was killed by signal {signal}"),
        },
        (None, None) => format!("ended ({status})"),
    }
}

fn kill_all(children: &mut [Option<Child>]) {
    for child in children.iter_mut().flatten() {
        let _ = child.kill();
        let _ = child.wait();
    }
    children.iter_mut().for_each(|slot| *slot = None);
}
