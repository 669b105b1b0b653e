//! What a run killed with SIGKILL leaves behind, and how the next run removes it.
//!
//! A segment's name outlives every process that mapped it: only `shm_unlink` removes it, and a
//! process killed with SIGKILL runs no code at all, so its segments stay in `/dev/shm` (until
//! the next reboot, which empties that tmpfs). So each run starts by looking for names with its
//! prefix (`lesson04-PID-RANDOM`) that no process uses any more, and removes them.
//!
//! What counts as unused: nobody holds the segment's lock. Its creator takes an exclusive
//! `flock` on it when it creates it and holds it as long as it lives; the kernel releases it when
//! the process ends, however it ends (see [`crate::shm`]). So the sweep removes only a segment it
//! can lock itself. The pid in the name only says which run it was: asking whether that pid is
//! alive would lie, since a run in another PID namespace (a container sharing `/dev/shm`) sees
//! other pids, and a reused pid looks alive. Segments of other users are never touched. Linux
//! only: other systems have no directory to list.

use std::io;

/// A segment left by a run that no longer uses it, now removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    /// Its name in `/dev/shm`.
    pub name: String,
    /// The pid of the run that created it.
    pub creator: i32,
}

/// Removes the segments named `PREFIX-PID-RANDOM` that belong to this user and that no process
/// holds in use; returns what it removed.
#[cfg(target_os = "linux")]
pub fn remove_stale(prefix: &str) -> io::Result<Vec<Removed>> {
    use std::os::unix::fs::MetadataExt;

    use nix::unistd::geteuid;

    use crate::shm::{owner_pid, remove_if_unused};

    let entries = match std::fs::read_dir("/dev/shm") {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err),
    };
    let mut removed = Vec::new();
    for entry in entries {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        let Some(creator) = owner_pid(prefix, &name) else {
            continue;
        };
        let ours = entry
            .metadata()
            .is_ok_and(|meta| meta.uid() == geteuid().as_raw());
        if ours && remove_if_unused(&name)? {
            removed.push(Removed { name, creator });
        }
    }
    removed.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(removed)
}

/// Other systems do not list their segments anywhere a program can read: nothing to do.
#[cfg(not(target_os = "linux"))]
pub fn remove_stale(_prefix: &str) -> io::Result<Vec<Removed>> {
    Ok(Vec::new())
}

/// Runs [`remove_stale`] at the start of a lesson and says what it removed (with
/// `commentary`); a failure to look is a warning, not a reason to stop.
pub fn remove_stale_and_report(prefix: &str, commentary: bool) {
    match remove_stale(prefix) {
        Ok(removed) if commentary => {
            for segment in removed {
                println!(
                    "cleanup: removed segment {}, left behind by run {}, which no longer exists (killed with SIGKILL?)",
                    segment.name, segment.creator
                );
            }
        }
        Ok(_) => {}
        Err(err) => eprintln!("warning: cannot look for segments left by killed runs: {err}"),
    }
}

/// Whether a segment of that name exists; `None` where the system does not tell (not Linux).
pub fn exists(name: &str) -> Option<bool> {
    cfg!(target_os = "linux").then(|| std::path::Path::new("/dev/shm").join(name).exists())
}

/// `8 bytes, mode 0600` as `ls -l /dev/shm` would show it; `None` where the system does not
/// tell (not Linux).
pub fn describe(name: &str) -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(std::path::Path::new("/dev/shm").join(name)).ok()?;
        Some(format!(
            "{} bytes, mode {:04o}",
            meta.len(),
            meta.permissions().mode() & 0o7777
        ))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = name;
        None
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::shm::Region;
    use std::sync::atomic::AtomicI32;

    #[test]
    fn only_segments_nobody_holds_are_removed_whatever_their_pid_says() {
        // A process that has ended and been reaped: its pid is free.
        let mut gone = std::process::Command::new("true").spawn().expect("true");
        let dead = gone.id();
        gone.wait().expect("reaped");
        let shm = |name: &str| std::path::Path::new("/dev/shm").join(name);
        let dead_name = |name: &str| {
            name.replacen(
                &format!("-{}-", std::process::id()),
                &format!("-{dead}-"),
                1,
            )
        };

        // The prefix is this test's own, so no other test's sweep touches it.
        let live = Region::<AtomicI32>::create("sweeptest", 1).expect("create");
        // A live segment under a pid that means nothing here, as a run in another PID
        // namespace names its segments: a second name for `live`, so it holds `live`'s lock.
        let elsewhere = dead_name(live.name());
        std::fs::hard_link(shm(live.name()), shm(&elsewhere)).expect("link");
        // A segment whose creator is gone: nobody holds its lock.
        let other = Region::<AtomicI32>::create("sweeptest", 1).expect("create");
        let stale = dead_name(other.name());
        std::fs::copy(shm(other.name()), shm(&stale)).expect("copy");

        let removed = remove_stale("sweeptest").expect("sweep");
        assert_eq!(
            removed,
            [Removed {
                name: stale.clone(),
                creator: dead as i32
            }]
        );
        assert_eq!(exists(&stale), Some(false));
        assert_eq!(exists(live.name()), Some(true), "in use: kept");
        assert_eq!(
            exists(&elsewhere),
            Some(true),
            "in use, whatever its pid: kept"
        );
        assert_eq!(exists(other.name()), Some(true), "in use: kept");
        std::fs::remove_file(shm(&elsewhere)).expect("remove the second name");
    }
}
