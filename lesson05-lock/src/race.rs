//! Races that show every time: totals whose read without the lock is a meeting point. `--no-lock`
//! uses them, and so do the classroom exercises.
//!
//! An update is lost when the other worker writes between a read and the write that follows
//! it. With a little work between the two that happens often, not always; with no work, or with
//! the workers taking turns, hardly ever. A demonstration must show it on every run, however
//! loaded the machine, so here a read made without the lock waits, after reading, for the other
//! worker's read. Both then write what they read plus their own amount, and one of the two
//! updates is lost, at every step.
//!
//! The reads are numbered, and pair up: 1 with 2, 3 with 4, and so on. A read waits until its
//! pair is complete, or [`GIVE_UP_AFTER`] has passed. So a read never waits for ever: when the
//! other worker cannot come (it died, it waits for the lock, or it has finished), the read goes
//! on alone, and that step is an ordinary race.
//!
//! What does not meet: a read through the lock's guard, and `fetch_add`, which reads and writes
//! in one step. A worker that holds the lock and still reads with the lock-free `get` or `load`
//! waits `GIVE_UP_AFTER` for nothing (the other cannot come): right, only slower. So does the
//! parent's read of the result, which has no pair.

use std::ops::Deref;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use lesson04_shared_memory::Region;

use crate::{Guard, LockedValue, OwnerDied};

/// The longest a read waits for the other worker's read. Short, because a program that holds
/// the lock and still reads without it waits this long at every other step. Long enough that
/// `--no-lock` loses updates on every run: to lose none, one worker would have to make all its
/// steps before the other's first read, which takes it at least 5 of these waits.
pub const GIVE_UP_AFTER: Duration = Duration::from_millis(200);

/// Called after each read without the lock, with the count of such reads: waits until the
/// read's pair is complete (read 3 waits for read 4), or `GIVE_UP_AFTER` has passed.
fn meet(reads: &AtomicU32) {
    let number = reads.fetch_add(1, SeqCst) + 1;
    let pair_complete = number.next_multiple_of(2);
    let deadline = Instant::now() + GIVE_UP_AFTER;
    while reads.load(SeqCst) < pair_complete && Instant::now() < deadline {
        thread::sleep(Duration::from_micros(50));
    }
}

/// A `LockedValue<i32>` in shared memory, for worker processes, whose [`get`](Self::get)
/// without the lock is a meeting point (see the module's text). Its segment, and a second one
/// for the count of reads, are named `PREFIX-PID-RANDOM`.
#[derive(Debug)]
pub struct SharedTotal {
    value: LockedValue<i32>,
    reads: Region<AtomicU32>,
}

impl SharedTotal {
    pub fn new_in(prefix: &str, initial: i32) -> anyhow::Result<Self> {
        Self::with_value(prefix, LockedValue::new_in(prefix, initial)?)
    }

    /// The same around a `LockedValue<i32>` that exists already.
    pub fn with_value(prefix: &str, value: LockedValue<i32>) -> anyhow::Result<Self> {
        let reads = Region::create(prefix, 1)
            .map_err(|err| err.expecting("the meeting point of two workers"))?;
        Ok(Self { value, reads })
    }

    /// Reads the total without the lock, then waits for the other worker to read too.
    pub fn get(&self) -> i32 {
        let seen = self.value.get();
        meet(&self.reads[0]);
        seen
    }

    /// Writes the total without the lock.
    pub fn set(&self, value: i32) {
        self.value.set(value);
    }

    /// Takes the lock next to the total: see [`LockedValue::lock`]. Reads through the guard do
    /// not meet.
    pub fn lock(&self) -> Result<Guard<'_, i32>, OwnerDied<'_, i32>> {
        self.value.lock()
    }
}

/// An `AtomicI32`, for worker threads, whose [`load`](Self::load) is a meeting point (see the
/// module's text). It derefs to the `AtomicI32`: every other method of `AtomicI32` works on it
/// as usual.
#[derive(Debug, Default)]
pub struct AtomicTotal {
    value: AtomicI32,
    reads: AtomicU32,
}

impl AtomicTotal {
    pub const fn new(initial: i32) -> Self {
        Self {
            value: AtomicI32::new(initial),
            reads: AtomicU32::new(0),
        }
    }

    /// `AtomicI32::load`, then waits for the other worker to load too.
    pub fn load(&self, order: Ordering) -> i32 {
        let seen = self.value.load(order);
        meet(&self.reads);
        seen
    }
}

impl Deref for AtomicTotal {
    type Target = AtomicI32;

    fn deref(&self) -> &AtomicI32 {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_threads_that_load_then_store_lose_an_update_at_every_step() {
        let total = AtomicTotal::new(0);
        thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| {
                    for _ in 0..20 {
                        let seen = total.load(SeqCst);
                        total.store(seen + 1, SeqCst);
                    }
                });
            }
        });
        assert!(total.value.load(SeqCst) < 40);
    }

    #[test]
    fn a_reader_alone_does_not_wait_for_ever() {
        let total = AtomicTotal::new(7);
        for _ in 0..3 {
            assert_eq!(total.load(SeqCst), 7);
        }
    }

    #[test]
    fn fetch_add_loses_nothing() {
        let total = AtomicTotal::new(0);
        thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| {
                    for _ in 0..20 {
                        total.fetch_add(1, SeqCst);
                    }
                });
            }
        });
        assert_eq!(total.value.load(SeqCst), 40);
    }
}
