//! What `--child-sleep-ms` and `--child-panics` do to the child of part 2, before it changes
//! anything: time to look at `/dev/shm` or send a signal, or a panic the parent must report.

use std::thread;
use std::time::Duration;

/// The faults the child of [`crate::child_changes`] is given; the default is none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChildFaults {
    /// Sleep this long before changing the values, so you can look at it or kill it.
    pub sleep_ms: u64,
    /// Panic instead of changing the values.
    pub panic: bool,
}

impl ChildFaults {
    /// Runs in the child, before its work: sleeps, then panics if asked to.
    pub fn strike(&self) {
        thread::sleep(Duration::from_millis(self.sleep_ms));
        if self.panic {
            panic!("the child panicked on purpose (--child-panics)");
        }
    }
}
