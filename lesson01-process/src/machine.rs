//! What the machine tells a process about itself: how many CPUs it may use (the notes'
//! `multiprocessing.cpu_count()`), its cores, its threads, and its children right now
//! (`multiprocessing.active_children()`).

use std::collections::BTreeSet;
use std::fs;

use common::process::{Pid, thread_count};

/// How many threads this program can run at once: `std::thread::available_parallelism`.
///
/// Python's `cpu_count()` counts every logical CPU of the machine (the notes' 4 cores with 2
/// hyper-threads each give 8). This one also honours CPU affinity (`taskset`) and container
/// CPU quotas, so it can be smaller: it is the number to size a pool by.
pub fn available_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |count| count.get())
}

/// Physical cores, where the system tells (Linux: CPU topology in sysfs). Hyper-threads share a
/// core, so this is at most [`available_cpus`] on a machine with no affinity limits.
pub fn physical_cores() -> Option<usize> {
    let mut cores = BTreeSet::new();
    for entry in fs::read_dir("/sys/devices/system/cpu").ok()? {
        let path = entry.ok()?.path();
        let is_cpu = path
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| name.strip_prefix("cpu"))
            .is_some_and(|number| number.parse::<u32>().is_ok());
        if !is_cpu {
            continue;
        }
        let read = |file: &str| fs::read_to_string(path.join("topology").join(file)).ok();
        // Offline CPUs have no topology: skip them.
        if let (Some(package), Some(core)) = (read("physical_package_id"), read("core_id")) {
            cores.insert((package.trim().to_string(), core.trim().to_string()));
        }
    }
    (!cores.is_empty()).then_some(cores.len())
}

/// "1 thread", or what this system does not tell.
pub fn threads_text() -> String {
    match thread_count() {
        Some(1) => "1 thread".to_string(),
        Some(count) => format!("{count} threads"),
        None => "thread count not reported on this system".to_string(),
    }
}

/// A child of this process, as the kernel shows it in `/proc/PID/stat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveChild {
    pub pid: Pid,
    /// `R` running, `S` sleeping, `Z` zombie (ended, not joined yet), ...
    pub state: char,
}

impl LiveChild {
    pub fn state_text(&self) -> &'static str {
        match self.state {
            'R' => "running",
            'S' | 'D' => "sleeping",
            'Z' => "ended but not joined yet: a zombie",
            'T' | 't' => "stopped",
            _ => "in another state",
        }
    }
}

/// Every process whose parent is this one, right now (Linux: `/proc`); `None` where the system
/// does not tell. Python's `multiprocessing.active_children()` lists the `Process` objects it
/// started and has not joined, leaving out (and reaping) those that already ended; `/proc` still
/// shows such a child, as a zombie, until it is joined.
pub fn children() -> Option<Vec<LiveChild>> {
    children_of(nix::unistd::getpid())
}

/// Every process whose parent is `parent` (the forkserver's children, say); see [`children`].
pub fn children_of(parent: Pid) -> Option<Vec<LiveChild>> {
    let me = parent.to_string();
    let mut children = Vec::new();
    for entry in fs::read_dir("/proc").ok()? {
        let Ok(entry) = entry else { continue };
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse().ok())
        else {
            continue;
        };
        // A process may end between read_dir and this read: skip it.
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `PID (COMMAND) STATE PPID ...`; the command may hold spaces and parentheses.
        let Some((_, after_command)) = stat.rsplit_once(')') else {
            continue;
        };
        let mut fields = after_command.split_whitespace();
        if let (Some(state), Some(parent)) = (fields.next(), fields.next())
            && parent == me
        {
            children.push(LiveChild {
                pid: Pid::from_raw(pid),
                state: state.chars().next().unwrap_or('?'),
            });
        }
    }
    children.sort_by_key(|child| child.pid);
    Some(children)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_is_listed_until_it_is_joined() {
        let Some(before) = children() else { return };
        let Ok(mut child) = std::process::Command::new("sleep").arg("5").spawn() else {
            return; // no `sleep` program here
        };
        let pid = Pid::from_raw(i32::try_from(child.id()).expect("a pid"));
        let during = children().expect("listed before");
        let _ = child.kill();
        let _ = child.wait();
        let after = children().expect("listed before");
        assert!(before.iter().all(|listed| listed.pid != pid));
        assert!(during.iter().any(|listed| listed.pid == pid), "{during:?}");
        assert!(after.iter().all(|listed| listed.pid != pid), "{after:?}");
    }
}
