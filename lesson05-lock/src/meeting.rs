//! A meeting point for the two workers of `--no-lock`: in each step, both read the value, meet
//! here, and only then write. So both reads come before either write, every time, and each step
//! loses an update: the race shows on any machine, however it schedules the workers (without it,
//! a stalled machine may run one worker's steps between the other's, and lose nothing).
//!
//! Each worker has a slot holding the last step it reached; it waits until the other's slot has
//! caught up. The slots live in a shared-memory `Array` for processes, or in atomics for threads.
//! A worker never waits for ever: after [`GIVE_UP_AFTER`] it goes on alone (the other one died,
//! or was stopped), and the step is then an ordinary unforced race.

use std::sync::atomic::AtomicI32;
use std::sync::atomic::Ordering::SeqCst;
use std::thread;
use std::time::{Duration, Instant};

use lesson04_shared_memory::value::Array;

use crate::{PREFIX, WORKERS, Worker};

/// How long a worker waits for the other at the meeting point before it goes on alone.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(10);

/// The last step each worker reached: one slot per worker, in the order of [`WORKERS`].
pub trait Slots {
    fn reached(&self, slot: usize) -> i32;
    fn reach(&self, slot: usize, step: i32);
}

/// For processes: an `Array('i', 2)` in shared memory, which a forked child shares.
impl Slots for Array<i32> {
    fn reached(&self, slot: usize) -> i32 {
        self[slot].get()
    }
    fn reach(&self, slot: usize, step: i32) {
        self[slot].set(step);
    }
}

/// For threads: two atomics in the memory they already share.
impl Slots for [AtomicI32; 2] {
    fn reached(&self, slot: usize) -> i32 {
        self[slot].load(SeqCst)
    }
    fn reach(&self, slot: usize, step: i32) {
        self[slot].store(step, SeqCst);
    }
}

/// Where the two workers meet at each step.
#[derive(Debug)]
pub struct MeetingPoint<S: Slots> {
    slots: S,
}

impl MeetingPoint<Array<i32>> {
    /// A meeting point in a new segment (`lesson05-PID-RANDOM`), for two processes.
    pub fn for_processes() -> anyhow::Result<Self> {
        Ok(Self {
            slots: Array::from_slice_in(PREFIX, &[0, 0])?,
        })
    }
}

impl MeetingPoint<[AtomicI32; 2]> {
    /// A meeting point for two threads.
    pub fn for_threads() -> Self {
        Self {
            slots: [AtomicI32::new(0), AtomicI32::new(0)],
        }
    }
}

impl<S: Slots> MeetingPoint<S> {
    /// `worker` has reached `step` (1, 2, ...): waits until the other worker has reached it too,
    /// or [`GIVE_UP_AFTER`] has passed. Returns whether they met.
    pub fn meet(&self, worker: Worker, step: i32) -> bool {
        let me = usize::from(worker != WORKERS[0]);
        self.slots.reach(me, step);
        let deadline = Instant::now() + GIVE_UP_AFTER;
        while self.slots.reached(1 - me) < step {
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_micros(100));
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_arrive_before_either_leaves() {
        let meeting = MeetingPoint::for_threads();
        let arrived = AtomicI32::new(0);
        thread::scope(|scope| {
            for worker in WORKERS {
                let (meeting, arrived) = (&meeting, &arrived);
                scope.spawn(move || {
                    for step in 1..=20 {
                        arrived.fetch_add(1, SeqCst);
                        assert!(meeting.meet(worker, step));
                        // Both have arrived at this step, whatever the scheduling.
                        assert!(arrived.load(SeqCst) >= 2 * step);
                    }
                });
            }
        });
    }
}
