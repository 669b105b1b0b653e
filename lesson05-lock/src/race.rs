//! Races that show every time, for the classroom exercises: totals whose read without the lock
//! is a meeting point.
//!
//! An update is lost when the other worker writes between a read and the write that follows
//! it. With a little work between the two that happens often, not always; with no work, or with
//! the workers taking turns, hardly ever. An exercise must show it on every run, however loaded
//! the machine, so here a read made without the lock waits, after reading, until the other
//! worker has read as often (at most [`MEETING_WAIT`]). Both then write what they read plus
//! their own amount, and one of the two updates is lost, at every step.
//!
//! What does not meet: a read through the lock's guard, and `fetch_add`, which reads and writes
//! in one step. A worker that holds the lock and still reads with the lock-free `get` or `load`
//! waits the whole `MEETING_WAIT` at that step (the other cannot come): right, only slower.

use std::ops::Deref;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use lesson04_shared_memory::Region;
use nix::unistd::gettid;

use crate::{Guard, LockedValue, OwnerDied};

/// The longest a read waits for the other worker's read.
pub const MEETING_WAIT: Duration = Duration::from_millis(100);

/// Two places, one per worker: the worker's thread id (0 while free), and how many reads it
/// has made. A third reader (the parent reading the result) finds no place and does not wait.
const PLACES: usize = 2;
const SLOTS: usize = 2 * PLACES;

/// Called after each read: waits until the other worker has read as many times as this one,
/// or `MEETING_WAIT` has passed.
fn meet(slots: &[AtomicU32]) {
    let me = gettid().as_raw().unsigned_abs();
    let Some(place) = (0..PLACES).find(|&place| {
        slots[place].load(SeqCst) == me
            || slots[place].compare_exchange(0, me, SeqCst, SeqCst).is_ok()
    }) else {
        return;
    };
    let reads = |place: usize| &slots[PLACES + place];
    let mine = reads(place).fetch_add(1, SeqCst) + 1;
    let other = PLACES - 1 - place;
    let deadline = Instant::now() + MEETING_WAIT;
    while reads(other).load(SeqCst) < mine && Instant::now() < deadline {
        thread::sleep(Duration::from_micros(50));
    }
}

/// A `LockedValue<i32>` in shared memory, for worker processes, whose [`get`](Self::get)
/// without the lock is a meeting point (see the module's text). Its segment, and a second one
/// for the meeting point, are named `PREFIX-PID-RANDOM`.
#[derive(Debug)]
pub struct SharedTotal {
    value: LockedValue<i32>,
    meeting: Region<AtomicU32>,
}

impl SharedTotal {
    pub fn new_in(prefix: &str, initial: i32) -> anyhow::Result<Self> {
        let value = LockedValue::new_in(prefix, initial)?;
        let meeting = Region::create(prefix, SLOTS)
            .map_err(|err| err.expecting("the meeting point of two workers"))?;
        Ok(Self { value, meeting })
    }

    /// Reads the total without the lock, then waits for the other worker to read too.
    pub fn get(&self) -> i32 {
        let seen = self.value.get();
        meet(&self.meeting);
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
    meeting: [AtomicU32; SLOTS],
}

impl AtomicTotal {
    pub const fn new(initial: i32) -> Self {
        Self {
            value: AtomicI32::new(initial),
            meeting: [const { AtomicU32::new(0) }; SLOTS],
        }
    }

    /// `AtomicI32::load`, then waits for the other worker to load too.
    pub fn load(&self, order: Ordering) -> i32 {
        let seen = self.value.load(order);
        meet(&self.meeting);
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
        assert_eq!(total.load(SeqCst), 40);
    }
}
