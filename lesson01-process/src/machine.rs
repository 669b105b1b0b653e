//! What the notes' `multiprocessing.cpu_count()` answers, in Rust.

use std::collections::BTreeSet;
use std::fs;

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
