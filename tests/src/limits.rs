//! Running a lesson under a resource limit, as `ulimit` would set it in a shell: few open
//! files (`ulimit -n`), or, as `nobody`, one process (`ulimit -u 1`: no fork, no thread).

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

pub use nix::sys::resource::Resource;
use nix::sys::resource::setrlimit;
use nix::unistd::{Gid, Uid, User, setgid, setgroups, setuid};

use crate::{TIMEOUT, skip_unless_ci};

/// Who runs the lesson.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum As {
    Us,
    /// The user `nobody` (we must be root): `RLIMIT_NPROC` counts a user's processes and does
    /// not hold back root, and `nobody` owns nothing else that runs.
    Nobody,
}

/// Runs `program args` with `resource` limited to `limit` (soft and hard), as `user`, and
/// returns what it did. `None`, after saying why (a failure in CI), where this machine cannot:
/// not root, no user `nobody`, or `nobody` may not run the program.
pub fn run_limited(
    program: &Path,
    args: &[&str],
    resource: Resource,
    limit: u64,
    user: As,
) -> Option<std::process::Output> {
    let nobody = match user {
        As::Us => None,
        As::Nobody => {
            if !Uid::effective().is_root() {
                skip_unless_ci("skipped a check as nobody: it needs root");
                return None;
            }
            let Ok(Some(nobody)) = User::from_name("nobody") else {
                skip_unless_ci("skipped a check as nobody: this machine has no user nobody");
                return None;
            };
            Some((nobody.uid, nobody.gid))
        }
    };
    let mut command = Command::new(program);
    command.args(args).env_remove("RUST_BACKTRACE");
    // Safety: between fork and exec only system calls run (setgroups, setgid, setuid,
    // setrlimit): no allocation, no lock.
    unsafe {
        command.pre_exec(move || {
            if let Some((uid, gid)) = nobody {
                switch_user(uid, gid)?;
            }
            // After the change of user: a process over RLIMIT_NPROC when it changes user
            // cannot exec.
            setrlimit(resource, limit, limit)?;
            Ok(())
        });
    }
    let output = snapbox::cmd::Command::from_std(command)
        .timeout(TIMEOUT)
        .output();
    match output {
        Ok(output) => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            if nobody.is_some() && stderr.contains("Permission denied") && output.stdout.is_empty()
            {
                skip_unless_ci(&format!(
                    "skipped a check as nobody: nobody may not run {}",
                    program.display()
                ));
                return None;
            }
            Some(output)
        }
        Err(err) => {
            skip_unless_ci(&format!(
                "skipped a check under a limit: cannot run {}: {err}",
                program.display()
            ));
            None
        }
    }
}

fn switch_user(uid: Uid, gid: Gid) -> nix::Result<()> {
    setgroups(&[])?;
    setgid(gid)?;
    setuid(uid)
}

/// Asserts that a run failed the way every lesson fails: a non-zero exit (not a signal),
/// exactly one line on stderr, `error: ...` and no panic; returns that line.
pub fn assert_one_line_failure(output: &std::process::Output, what: &str) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        matches!(output.status.code(), Some(code) if code != 0),
        "{what}: {output:?}"
    );
    assert_eq!(stderr.lines().count(), 1, "{what}: {stderr}");
    assert!(stderr.starts_with("error: "), "{what}: {stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    stderr.trim_end().to_string()
}
